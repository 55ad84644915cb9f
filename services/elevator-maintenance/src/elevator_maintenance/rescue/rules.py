"""Pure decisions of emergency rescue (DOMAIN.md, "Emergency rescue"): an incident's clocks,
which step may follow which, an arrival's position, and the published figures.

Local elevator regulations: the contracted maintainer acknowledges a 96333 dispatch within
minutes and arrives within 30 minutes in urban districts and an hour elsewhere; the platform
sends its backup team when nobody has arrived 20 minutes after dispatch.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from elevator_maintenance.swipes.rules import distance_m


class RescueStatus(StrEnum):
    dispatched = "dispatched"  # 已派单
    acknowledged = "acknowledged"  # 已响应
    arrived = "arrived"  # 已到达
    released = "released"  # 已解困


class RescueReason(StrEnum):
    """Why a report or a step is refused. Values are stable API."""

    unknown_equipment = "unknown_equipment"
    unknown_rescue_code = "unknown_rescue_code"
    codes_disagree = "codes_disagree"
    equipment_or_rescue_code_required = "equipment_or_rescue_code_required"
    reported_in_future = "reported_in_future"
    already_acknowledged = "already_acknowledged"
    not_acknowledged = "not_acknowledged"
    already_arrived = "already_arrived"
    not_arrived = "not_arrived"
    already_released = "already_released"
    time_in_future = "time_in_future"
    time_before_previous_step = "time_before_previous_step"
    outside_geofence = "outside_geofence"
    unknown_fault_cause = "unknown_fault_cause"


TRANSITION_REASONS = frozenset(
    {
        RescueReason.already_acknowledged,
        RescueReason.not_acknowledged,
        RescueReason.already_arrived,
        RescueReason.not_arrived,
        RescueReason.already_released,
    }
)
"""Reasons that are a conflict with the incident's state (409), not a bad field (422)."""


@dataclass(frozen=True, slots=True)
class RescueLimits:
    acknowledge: timedelta = timedelta(minutes=3)
    escalate: timedelta = timedelta(minutes=20)
    arrival_urban: timedelta = timedelta(minutes=30)
    arrival_other: timedelta = timedelta(minutes=60)
    future_tolerance: timedelta = timedelta(minutes=5)
    geofence_m: float = 200.0


@dataclass(frozen=True, slots=True)
class RescueClock:
    acknowledge_due_at: datetime
    escalate_at: datetime
    arrival_due_at: datetime


def rescue_clock(dispatched_at: datetime, *, urban: bool, limits: RescueLimits) -> RescueClock:
    """The deadlines of an incident, fixed at dispatch: a later change of the district's
    classification does not move the clock of an incident already running."""
    arrival = limits.arrival_urban if urban else limits.arrival_other
    return RescueClock(
        acknowledge_due_at=dispatched_at + limits.acknowledge,
        escalate_at=dispatched_at + limits.escalate,
        arrival_due_at=dispatched_at + arrival,
    )


@dataclass(frozen=True, slots=True)
class IncidentState:
    status: RescueStatus
    dispatched_at: datetime
    acknowledged_at: datetime | None = None
    arrived_at: datetime | None = None


_ORDER = list(RescueStatus)


def _step_conflict(status: RescueStatus, step: RescueStatus) -> RescueReason | None:
    """The state machine: dispatched → acknowledged → arrived → released, one step at a time."""
    if status is RescueStatus.released:
        return RescueReason.already_released
    here, there = _ORDER.index(status), _ORDER.index(step)
    if there <= here:
        return {
            RescueStatus.acknowledged: RescueReason.already_acknowledged,
            RescueStatus.arrived: RescueReason.already_arrived,
        }[step]
    if there > here + 1:
        return {
            RescueStatus.arrived: RescueReason.not_acknowledged,
            RescueStatus.released: RescueReason.not_arrived,
        }[step]
    return None


def _previous_time(incident: IncidentState, step: RescueStatus) -> datetime:
    if step is RescueStatus.acknowledged:
        return incident.dispatched_at
    if step is RescueStatus.arrived:
        return incident.acknowledged_at or incident.dispatched_at
    return incident.arrived_at or incident.dispatched_at


def check_step(
    incident: IncidentState,
    step: RescueStatus,
    *,
    at: datetime,
    now: datetime,
    limits: RescueLimits,
) -> list[RescueReason]:
    """Whether `step` may be recorded at `at`; a conflict with the state comes alone."""
    conflict = _step_conflict(incident.status, step)
    if conflict is not None:
        return [conflict]
    reasons: list[RescueReason] = []
    if at > now + limits.future_tolerance:
        reasons.append(RescueReason.time_in_future)
    if at < _previous_time(incident, step):
        reasons.append(RescueReason.time_before_previous_step)
    return reasons


def arrival_distance(
    lat: float, lon: float, elevator_lat: float | None, elevator_lon: float | None
) -> float | None:
    if elevator_lat is None or elevator_lon is None:
        return None
    return distance_m(lat, lon, elevator_lat, elevator_lon)


def outside_geofence(distance: float | None, limits: RescueLimits) -> bool:
    """As for a swipe: farther than the fence from the registered position, both known."""
    return distance is not None and distance > limits.geofence_m


# -- figures ------------------------------------------------------------------------------------

_CENT = Decimal("0.01")


def half_up(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def percentage(part: int, whole: int) -> Decimal | None:
    """Half-up to two decimals; None when there is nothing to divide by."""
    if whole == 0:
        return None
    return half_up(Decimal(part) * 100 / Decimal(whole))


def months_in(start: date, end: date) -> Decimal:
    """Calendar months from `start` to `end` (both included), a partial month by its share of
    days: October 1–31 is 1, October 1 – November 15 is 1.5."""
    total = Decimal(0)
    day = start
    while day <= end:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        month_end = day.replace(day=days_in_month)
        last = min(month_end, end)
        total += Decimal((last - day).days + 1) / Decimal(days_in_month)
        day = month_end + timedelta(days=1)
    return total


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    group: str
    dispatched_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    released_at: datetime | None
    people_freed: int | None


@dataclass(slots=True)
class GroupFigures:
    group: str
    elevators: int = 0
    incidents: int = 0
    acknowledged_in_time: int = 0
    arrived_in_30: int = 0
    people_freed: int = 0
    arrival_minutes: list[Decimal] = field(default_factory=list)
    rescue_minutes: list[Decimal] = field(default_factory=list)


def _minutes(later: datetime, earlier: datetime) -> Decimal:
    return Decimal(str((later - earlier).total_seconds())) / 60


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return half_up(sum(values, Decimal(0)) / len(values)) if values else None


@dataclass(frozen=True, slots=True)
class Figures:
    group: str
    elevators: int
    incidents: int
    people_freed: int
    acknowledged_in_time: int
    arrived_in_30: int
    response_in_3_min_pct: Decimal | None
    arrival_in_30_min_pct: Decimal | None
    average_arrival_minutes: Decimal | None
    average_rescue_minutes: Decimal | None
    trapping_rate_per_1000_per_month: Decimal | None


def rescue_figures(
    incidents: Iterable[IncidentTimes],
    elevators: dict[str, int],
    *,
    months: Decimal,
    response_limit: timedelta = timedelta(minutes=3),
    arrival_limit: timedelta = timedelta(minutes=30),
) -> list[Figures]:
    """Per group (a company or a district): the response rate (acknowledged within 3 minutes
    of dispatch ÷ incidents), the 30-minute arrival rate (arrived within 30 minutes of dispatch
    ÷ incidents), the average minutes from dispatch to arrival and from arrival to release, and
    trappings per 1,000 elevators per month. An incident never acknowledged or never reached
    counts against its rate."""
    groups: dict[str, GroupFigures] = {
        g: GroupFigures(g, elevators=n) for g, n in elevators.items()
    }
    for incident in incidents:
        g = groups.setdefault(incident.group, GroupFigures(incident.group))
        g.incidents += 1
        g.people_freed += incident.people_freed or 0
        if (
            incident.acknowledged_at is not None
            and incident.acknowledged_at - incident.dispatched_at <= response_limit
        ):
            g.acknowledged_in_time += 1
        if incident.arrived_at is not None:
            if incident.arrived_at - incident.dispatched_at <= arrival_limit:
                g.arrived_in_30 += 1
            g.arrival_minutes.append(_minutes(incident.arrived_at, incident.dispatched_at))
            if incident.released_at is not None:
                g.rescue_minutes.append(_minutes(incident.released_at, incident.arrived_at))
    answers = []
    for g in sorted(groups.values(), key=lambda g: g.group):
        rate = None
        if g.elevators and months:
            rate = half_up(Decimal(g.incidents) * 1000 / Decimal(g.elevators) / months)
        answers.append(
            Figures(
                group=g.group,
                elevators=g.elevators,
                incidents=g.incidents,
                people_freed=g.people_freed,
                acknowledged_in_time=g.acknowledged_in_time,
                arrived_in_30=g.arrived_in_30,
                response_in_3_min_pct=percentage(g.acknowledged_in_time, g.incidents),
                arrival_in_30_min_pct=percentage(g.arrived_in_30, g.incidents),
                average_arrival_minutes=_mean(g.arrival_minutes),
                average_rescue_minutes=_mean(g.rescue_minutes),
                trapping_rate_per_1000_per_month=rate,
            )
        )
    return answers
