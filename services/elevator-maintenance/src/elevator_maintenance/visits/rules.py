"""Pure decisions on visits: which swipes pair, which pairs are one visit, and when an elevator's
maintenance is overdue (TSG T5002: the gap between two visits of an elevator in use must not
exceed 15 days, or the on-demand interval set on its contract)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

REGULAR_INTERVAL_DAYS = 15


class VisitKind(StrEnum):
    """The visit's scope; each adds items to the one before (TSG T5002 annexes)."""

    half_monthly = "half_monthly"  # 半月维保
    quarterly = "quarterly"  # 季度维保
    half_yearly = "half_yearly"  # 半年维保
    yearly = "yearly"  # 年度维保


@dataclass(frozen=True, slots=True)
class PairingSwipe:
    """An accepted swipe not yet part of a visit."""

    swipe_id: str
    equipment_code: str
    certificate_number: str
    kind: str
    """start | end"""
    at: datetime
    visit_kind: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerPair:
    """One worker's start and end at one elevator."""

    start: PairingSwipe
    end: PairingSwipe

    @property
    def certificate_number(self) -> str:
        return self.start.certificate_number

    @property
    def equipment_code(self) -> str:
        return self.start.equipment_code

    @property
    def visit_kind(self) -> str | None:
        return self.end.visit_kind or self.start.visit_kind


@dataclass(slots=True)
class VisitPlan:
    """A visit as it stands after this batch: a new one, or one held that gained workers."""

    visit_id: uuid.UUID
    equipment_code: str
    started_at: datetime
    ended_at: datetime
    kind: str | None
    workers: list[str]
    """certificate numbers, the held ones first"""
    new_pairs: list[WorkerPair] = field(default_factory=list)
    is_new: bool = True


def pair_swipes(
    swipes: Sequence[PairingSwipe], *, window: timedelta = timedelta(hours=8)
) -> list[WorkerPair]:
    """Each end takes the nearest unpaired start of the same elevator and certificate within
    `window` before it (ends in time order, so an earlier end is served first). A start or end
    left over stays unpaired: its partner may still arrive from an offline terminal."""
    groups: dict[tuple[str, str], list[PairingSwipe]] = defaultdict(list)
    for swipe in swipes:
        groups[(swipe.equipment_code, swipe.certificate_number)].append(swipe)
    pairs: list[WorkerPair] = []
    for group in groups.values():
        ordered = sorted(group, key=lambda s: (s.at, s.swipe_id))
        free_starts: list[PairingSwipe] = []
        for swipe in ordered:
            if swipe.kind == "start":
                free_starts.append(swipe)
                continue
            candidates = [s for s in free_starts if swipe.at - window <= s.at <= swipe.at]
            if candidates:
                start = candidates[-1]  # the latest start: the nearest one before this end
                free_starts.remove(start)
                pairs.append(WorkerPair(start=start, end=swipe))
    return sorted(pairs, key=lambda p: (p.start.at, p.end.at, p.certificate_number))


def _overlaps(visit: VisitPlan, pair: WorkerPair) -> bool:
    return pair.start.at <= visit.ended_at and visit.started_at <= pair.end.at


def plan_visits(
    pairs: Sequence[WorkerPair],
    held: Sequence[VisitPlan],
    *,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[VisitPlan]:
    """Workers whose time at the same elevator overlaps are one visit (many cities require two
    workers at a visit): a pair joins a held or new visit it overlaps that does not have its
    worker yet, else starts a visit. Returns the visits that are new or gained workers."""
    visits: dict[str, list[VisitPlan]] = defaultdict(list)
    for visit in held:
        visits[visit.equipment_code].append(visit)
    touched: dict[uuid.UUID, VisitPlan] = {}
    for pair in pairs:
        joined = next(
            (
                v
                for v in visits[pair.equipment_code]
                if _overlaps(v, pair) and pair.certificate_number not in v.workers
            ),
            None,
        )
        if joined is None:
            joined = VisitPlan(
                visit_id=new_id(),
                equipment_code=pair.equipment_code,
                started_at=pair.start.at,
                ended_at=pair.end.at,
                kind=pair.visit_kind,
                workers=[],
            )
            visits[pair.equipment_code].append(joined)
        joined.started_at = min(joined.started_at, pair.start.at)
        joined.ended_at = max(joined.ended_at, pair.end.at)
        joined.kind = joined.kind or pair.visit_kind
        joined.workers.append(pair.certificate_number)
        joined.new_pairs.append(pair)
        touched[joined.visit_id] = joined
    return list(touched.values())


@dataclass(frozen=True, slots=True)
class MaintenanceStanding:
    interval_days: int
    due_by: date | None
    """the last day the next visit may end; None before the first visit"""
    overdue_since: date | None
    """the first day without a visit in time; None while in time"""


def maintenance_standing(
    last_visit_on: date | None,
    *,
    interval_days: int | None,
    today: date,
    regular_interval_days: int = REGULAR_INTERVAL_DAYS,
) -> MaintenanceStanding:
    """`interval_days` is the contract's on-demand interval (按需维保) when it sets one; the
    visit may end on the last day of the interval, and the elevator is overdue the day after."""
    interval = interval_days or regular_interval_days
    if last_visit_on is None:
        return MaintenanceStanding(interval, None, None)
    due_by = last_visit_on + timedelta(days=interval)
    overdue_since = due_by + timedelta(days=1) if today > due_by else None
    return MaintenanceStanding(interval, due_by, overdue_since)
