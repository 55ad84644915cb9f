"""Pure decisions on visits as they form: which are anomalies (DOMAIN.md, "Elevator
maintenance": recorded and published, never rejected).

- a visit shorter than 20 minutes — perfunctory maintenance (走过场);
- one certificate at two elevators it could not travel between in the time (over 120 km/h,
  great-circle distance between the elevators' registered positions);
- one certificate in more than 12 visits on a business day;
- one certificate in two visits that overlap in time.

The last three are the signs of certificate lending (借证挂靠) that the Shanghai work points
name: one card carried by several people. A finding is named by a key (its kind and what it is
about), so judging a visit again — it gained a worker — reports nothing twice.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.swipes.rules import BUSINESS_ZONE, distance_m

_FINDINGS = uuid.UUID("5b0e1e7a-4d1f-4c2e-9a51-7a5b0e1e0006")
"""Namespace of the anomalies' ids: an id is derived from the finding's key."""


class AnomalyKind(StrEnum):
    """Values are stable API (the anomaly event, GET /api/v1/anomalies)."""

    short_visit = "short_visit"  # 维保时间过短
    impossible_travel = "impossible_travel"  # 同一证件异地不可能到达
    too_many_visits = "too_many_visits"  # 同一证件单日维保过多
    overlapping_visits = "overlapping_visits"  # 同一证件维保时间重叠


CERTIFICATE_LENDING = frozenset(
    {AnomalyKind.impossible_travel, AnomalyKind.too_many_visits, AnomalyKind.overlapping_visits}
)
"""The kinds that also raise a hazard signal `certificate_lending` (借证挂靠)."""


@dataclass(frozen=True, slots=True)
class AnomalyLimits:
    """The thresholds; settings, so a city can set its own."""

    min_visit: timedelta = timedelta(minutes=20)
    max_travel_kmh: float = 120.0
    same_site_km: float = 1.0
    max_visits_per_day: int = 12
    zone: ZoneInfo = BUSINESS_ZONE


@dataclass(frozen=True, slots=True)
class VisitSpan:
    """A visit as it stands: from its first start to its last end."""

    visit_id: uuid.UUID
    equipment_code: str
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class WorkerVisit:
    """One certificate's own start and end at a visit, and where the elevator is."""

    visit_id: uuid.UUID
    certificate_number: str
    equipment_code: str
    started_at: datetime
    ended_at: datetime
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    kind: AnomalyKind
    key: str
    """What makes it the same finding when judged again."""
    visit_id: uuid.UUID
    equipment_code: str
    observed_at: datetime
    certificate_number: str | None = None
    other_visit_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def anomaly_id(self) -> uuid.UUID:
        return uuid.uuid5(_FINDINGS, self.key)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 2)


def short_visit(visit: VisitSpan, limits: AnomalyLimits) -> Finding | None:
    """TSG T5002 lists 31 items for a half-monthly visit of a traction elevator; a visit
    shorter than `min_visit` cannot have done them."""
    length = visit.ended_at - visit.started_at
    if length >= limits.min_visit:
        return None
    return Finding(
        kind=AnomalyKind.short_visit,
        key=f"short_visit:{visit.visit_id}",
        visit_id=visit.visit_id,
        equipment_code=visit.equipment_code,
        observed_at=visit.started_at,
        details={"minutes": _minutes(length), "min_minutes": _minutes(limits.min_visit)},
    )


def overlap(a: WorkerVisit, b: WorkerVisit) -> Finding | None:
    """One certificate at two visits at once; `a` is the visit being judged. Visits that only
    touch (one ends when the next starts) do not overlap."""
    if a.visit_id == b.visit_id or not (a.started_at < b.ended_at and b.started_at < a.ended_at):
        return None
    low, high = sorted((a.visit_id, b.visit_id))
    return Finding(
        kind=AnomalyKind.overlapping_visits,
        key=f"overlapping_visits:{a.certificate_number}:{low}:{high}",
        visit_id=a.visit_id,
        equipment_code=a.equipment_code,
        observed_at=a.started_at,
        certificate_number=a.certificate_number,
        other_visit_id=b.visit_id,
        details={
            "other_equipment_code": b.equipment_code,
            "overlap_minutes": _minutes(
                min(a.ended_at, b.ended_at) - max(a.started_at, b.started_at)
            ),
        },
    )


def impossible_travel(
    earlier: WorkerVisit, later: WorkerVisit, limits: AnomalyLimits
) -> Finding | None:
    """From the end of `earlier` to the start of `later`, one certificate would have moved
    faster than `max_travel_kmh`. Elevators without a registered position, or within
    `same_site_km` of each other, are not judged; nor are overlapping visits (see `overlap`)."""
    if (
        earlier.visit_id == later.visit_id
        or earlier.lat is None
        or earlier.lon is None
        or later.lat is None
        or later.lon is None
        or later.started_at < earlier.ended_at
    ):
        return None
    km = distance_m(earlier.lat, earlier.lon, later.lat, later.lon) / 1000
    if km <= limits.same_site_km:
        return None
    hours = (later.started_at - earlier.ended_at).total_seconds() / 3600
    if hours > 0 and km / hours <= limits.max_travel_kmh:
        return None
    return Finding(
        kind=AnomalyKind.impossible_travel,
        key=f"impossible_travel:{later.certificate_number}:{earlier.visit_id}:{later.visit_id}",
        visit_id=later.visit_id,
        equipment_code=later.equipment_code,
        observed_at=later.started_at,
        certificate_number=later.certificate_number,
        other_visit_id=earlier.visit_id,
        details={
            "from_equipment_code": earlier.equipment_code,
            "km": round(km, 2),
            "minutes": round(hours * 60, 2),
            "kmh": round(km / hours, 1) if hours > 0 else None,
            "max_kmh": limits.max_travel_kmh,
        },
    )


def too_many_visits(
    judged: WorkerVisit,
    visits_that_day: Iterable[WorkerVisit],
    *,
    company_id: uuid.UUID,
    limits: AnomalyLimits,
) -> Finding | None:
    """More than `max_visits_per_day` visits of one certificate starting on the business day
    `judged` starts on (reported once per certificate and day)."""
    day = judged.started_at.astimezone(limits.zone).date()
    count = len(
        {
            v.visit_id
            for v in visits_that_day
            if v.certificate_number == judged.certificate_number
            and v.started_at.astimezone(limits.zone).date() == day
        }
    )
    return _too_many(judged, day, count, company_id=company_id, limits=limits)


def _too_many(
    judged: WorkerVisit, day: date, count: int, *, company_id: uuid.UUID, limits: AnomalyLimits
) -> Finding | None:
    """`too_many_visits` once the visits of the certificate on `day` are counted."""
    if count <= limits.max_visits_per_day:
        return None
    return Finding(
        kind=AnomalyKind.too_many_visits,
        key=f"too_many_visits:{company_id}:{judged.certificate_number}:{day.isoformat()}",
        visit_id=judged.visit_id,
        equipment_code=judged.equipment_code,
        observed_at=judged.started_at,
        certificate_number=judged.certificate_number,
        details={
            "day": day.isoformat(),
            "visits": count,
            "max_visits": limits.max_visits_per_day,
        },
    )


@dataclass(slots=True)
class _Timeline:
    """One certificate's visits, searchable by time: a batch judges hundreds of visits against
    their certificates' days, so each judged visit looks only at the visits near it."""

    visits: list[WorkerVisit]
    """by start (then end, then id)"""
    starts: list[datetime]
    by_end: list[WorkerVisit]
    """by end; visits ending together keep their order in `visits`"""
    ends: list[datetime]
    longest: timedelta
    """the longest visit: nothing starting earlier than this before a visit can overlap it"""
    per_day: dict[date, int]
    """distinct visits starting on each business day"""


def _timeline(visits: Iterable[WorkerVisit], zone: ZoneInfo) -> _Timeline:
    ordered = sorted(visits, key=lambda v: (v.started_at, v.ended_at, str(v.visit_id)))
    by_end = sorted(ordered, key=lambda v: v.ended_at)
    days: dict[date, set[uuid.UUID]] = defaultdict(set)
    for v in ordered:
        days[v.started_at.astimezone(zone).date()].add(v.visit_id)
    return _Timeline(
        visits=ordered,
        starts=[v.started_at for v in ordered],
        by_end=by_end,
        ends=[v.ended_at for v in by_end],
        longest=max((v.ended_at - v.started_at for v in ordered), default=timedelta(0)),
        per_day={day: len(ids) for day, ids in days.items()},
    )


def _just_before(timeline: _Timeline, visit: WorkerVisit) -> WorkerVisit | None:
    """The other visit that ended last at or before `visit` started (the first of a tie)."""
    i = bisect_right(timeline.ends, visit.started_at) - 1
    found: WorkerVisit | None = None
    while i >= 0:
        candidate = timeline.by_end[i]
        if found is not None and candidate.ended_at != found.ended_at:
            break
        if candidate.visit_id != visit.visit_id:
            found = candidate
        i -= 1
    return found


def _just_after(timeline: _Timeline, visit: WorkerVisit) -> WorkerVisit | None:
    """The other visit that started first at or after `visit` ended."""
    for i in range(bisect_left(timeline.starts, visit.ended_at), len(timeline.visits)):
        if timeline.visits[i].visit_id != visit.visit_id:
            return timeline.visits[i]
    return None


def certificate_findings(
    judged: Sequence[WorkerVisit],
    known: Sequence[WorkerVisit],
    *,
    company_id: uuid.UUID,
    limits: AnomalyLimits,
) -> list[Finding]:
    """The lending patterns `judged` (the worker visits that just formed) take part in, against
    every `known` visit of their certificates around them (which may include `judged`).
    Travel is judged between a visit and its nearest neighbours in time — the visit before it
    and the visit after it — since any longer detour passes through them."""
    by_certificate: dict[str, dict[tuple[uuid.UUID, str], WorkerVisit]] = defaultdict(dict)
    for v in (*known, *judged):
        by_certificate[v.certificate_number][(v.visit_id, v.certificate_number)] = v
    findings: dict[str, Finding] = {}

    def add(finding: Finding | None) -> None:
        if finding is not None:
            findings.setdefault(finding.key, finding)

    # Each certificate's timeline sorted and counted per business day once.
    timelines: dict[str, _Timeline] = {}
    for visit in sorted(judged, key=lambda v: (v.started_at, str(v.visit_id))):
        timeline = timelines.get(visit.certificate_number)
        if timeline is None:
            timeline = timelines[visit.certificate_number] = _timeline(
                by_certificate[visit.certificate_number].values(), limits.zone
            )
        # Only visits starting within `longest` before it, up to its end, can overlap it.
        low = bisect_right(timeline.starts, visit.started_at - timeline.longest)
        high = bisect_left(timeline.starts, visit.ended_at)
        for other in timeline.visits[low:high]:
            add(overlap(visit, other))
        before = _just_before(timeline, visit)
        if before is not None:
            add(impossible_travel(before, visit, limits))
        after = _just_after(timeline, visit)
        if after is not None:
            add(impossible_travel(visit, after, limits))
        day = visit.started_at.astimezone(limits.zone).date()
        add(
            _too_many(
                visit, day, timeline.per_day.get(day, 0), company_id=company_id, limits=limits
            )
        )
    return list(findings.values())
