"""The hazard (隐患) state machine and the seal (查封) limits, as pure decisions.

open → order_issued (a supervision order 监察指令书 covers it) → rectifying (the unit began) →
rectified (the unit reported it done, with evidence) → closed (the bureau verified it, 销号).
A verification that finds the work wanting sends it back to rectifying. Beside the chain, a
major hazard (重大隐患) may be put under supervision (挂牌督办) and its equipment sealed (查封): a
seal lasts at most 15 days and may be extended once, by at most 30 (settings), and is released
before the hazard is closed.

Every function answers the reason a step is refused, or None; the service turns a reason into
a 409 (or a 422 for a number out of bounds) and never writes a refused step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class HazardState(StrEnum):
    open = "open"  # 待处理
    order_issued = "order_issued"  # 已下达指令书
    rectifying = "rectifying"  # 整改中
    rectified = "rectified"  # 已整改, awaiting verification
    closed = "closed"  # 已验证销号


class HazardSource(StrEnum):
    inspection = "inspection"  # 检验
    due_workflow = "due_workflow"  # 超期未检
    online_patrol = "online_patrol"  # 网上巡查
    maintenance = "maintenance"  # 维保
    filling = "filling"  # 充装
    rescue = "rescue"  # 应急救援
    spot_check = "spot_check"  # 双随机抽查
    complaint = "complaint"  # 投诉
    supervision = "supervision"  # 日常监督检查


MANUAL_SOURCES = frozenset(
    {
        HazardSource.online_patrol,
        HazardSource.spot_check,
        HazardSource.complaint,
        HazardSource.supervision,
    }
)
"""Where a hazard the bureau opens by hand was found; the others have their own way in."""

SIGNAL_SOURCES: dict[str, HazardSource] = {
    "maintenance_overdue": HazardSource.maintenance,
    "certificate_lending": HazardSource.maintenance,
    "trapped_passenger_alarm": HazardSource.rescue,
    "rescue_breach": HazardSource.rescue,
    "refused_fill_filled": HazardSource.filling,
    "complaint": HazardSource.complaint,
}
"""The source of a hazard opened from a `tzsb.hazard.signal.v1`, by the signal's kind."""


def source_of_signal(kind: str) -> HazardSource:
    """A kind added to the contract before this table knows it still opens a hazard: as a
    complaint-like lead for the bureau to look at, rather than a dead letter."""
    return SIGNAL_SOURCES.get(kind, HazardSource.complaint)


class HazardConflict(StrEnum):
    """Why a step is refused in the hazard's present state (409). Values are stable API."""

    hazard_closed = "hazard_closed"
    hazard_not_open = "hazard_not_open"
    hazard_not_order_issued = "hazard_not_order_issued"
    hazard_not_rectifying = "hazard_not_rectifying"
    hazard_not_rectified = "hazard_not_rectified"
    evidence_required = "evidence_required"
    hazard_not_major = "hazard_not_major"
    already_supervised = "already_supervised"
    no_equipment_to_seal = "no_equipment_to_seal"
    already_sealed = "already_sealed"
    not_sealed = "not_sealed"
    seal_already_extended = "seal_already_extended"
    seal_expired = "seal_expired"
    seal_active = "seal_active"


class OpeningReason(StrEnum):
    """Why a hazard the bureau opens by hand is refused (422). Values are stable API."""

    source_not_manual = "source_not_manual"
    deadline_in_past = "deadline_in_past"
    unit_required = "unit_required"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    code: OpeningReason | SealReason
    message: str


def opening_violations(
    *, source: HazardSource, deadline: date | None, answerable_known: bool, today: date
) -> list[FieldViolation]:
    """A hazard opened by hand comes from the bureau's own findings, has a deadline not yet
    past, and someone to answer for it: its equipment's use unit or a unit named."""
    violations = []
    if source not in MANUAL_SOURCES:
        violations.append(
            FieldViolation(
                "source",
                OpeningReason.source_not_manual,
                "inspections, signals and the due workflow open these themselves",
            )
        )
    if deadline is not None and deadline < today:
        violations.append(
            FieldViolation("deadline", OpeningReason.deadline_in_past, "a deadline before today")
        )
    if not answerable_known:
        violations.append(
            FieldViolation(
                "unit_id",
                OpeningReason.unit_required,
                "name the answerable unit: the equipment is unknown or not given",
            )
        )
    return violations


class SealReason(StrEnum):
    """A seal's length out of bounds (422 on `days`). Values are stable API."""

    seal_days_exceed_limit = "seal_days_exceed_limit"
    extension_days_exceed_limit = "extension_days_exceed_limit"


class Transition(StrEnum):
    issue_order = "issue_order"
    start_rectification = "start_rectification"
    report_rectified = "report_rectified"
    accept = "accept"  # verification passed: closed
    reject = "reject"  # verification failed: back to rectifying


_FROM: dict[Transition, tuple[HazardState, HazardConflict]] = {
    Transition.issue_order: (HazardState.open, HazardConflict.hazard_not_open),
    Transition.start_rectification: (
        HazardState.order_issued,
        HazardConflict.hazard_not_order_issued,
    ),
    Transition.report_rectified: (HazardState.rectifying, HazardConflict.hazard_not_rectifying),
    Transition.accept: (HazardState.rectified, HazardConflict.hazard_not_rectified),
    Transition.reject: (HazardState.rectified, HazardConflict.hazard_not_rectified),
}
TARGET: dict[Transition, HazardState] = {
    Transition.issue_order: HazardState.order_issued,
    Transition.start_rectification: HazardState.rectifying,
    Transition.report_rectified: HazardState.rectified,
    Transition.accept: HazardState.closed,
    Transition.reject: HazardState.rectifying,
}


@dataclass(frozen=True)
class HazardFacts:
    """What the decisions look at."""

    state: HazardState
    severity: str
    equipment_code: str | None = None
    evidence_count: int = 0
    supervised: bool = False
    sealed_on: date | None = None
    seal_ends_on: date | None = None
    seal_extended: bool = False
    seal_released_on: date | None = None
    seal_expired_on: date | None = None

    @property
    def major(self) -> bool:
        return self.severity == "major"

    def sealed(self, today: date) -> bool:
        """Under an active seal: sealed, not released, not past its last day, and not found run
        out by the deadline scan (a pass for a later day may find it so before the calendar
        does)."""
        return (
            self.sealed_on is not None
            and self.seal_released_on is None
            and self.seal_expired_on is None
            and self.seal_ends_on is not None
            and today <= self.seal_ends_on
        )

    def holds_seal(self) -> bool:
        """A seal not released, whether or not its days have run out."""
        return self.sealed_on is not None and self.seal_released_on is None


def transition_conflict(
    transition: Transition, hazard: HazardFacts, *, today: date
) -> HazardConflict | None:
    """Whether the chain allows `transition` now."""
    if hazard.state is HazardState.closed:
        return HazardConflict.hazard_closed
    required, conflict = _FROM[transition]
    if hazard.state is not required:
        return conflict
    if transition is Transition.report_rectified and hazard.evidence_count == 0:
        return HazardConflict.evidence_required
    if transition is Transition.accept and hazard.holds_seal():
        return HazardConflict.seal_active
    return None


def supervision_conflict(hazard: HazardFacts) -> HazardConflict | None:
    """挂牌督办: a major hazard still open, once."""
    if hazard.state is HazardState.closed:
        return HazardConflict.hazard_closed
    if not hazard.major:
        return HazardConflict.hazard_not_major
    if hazard.supervised:
        return HazardConflict.already_supervised
    return None


def seal_conflict(hazard: HazardFacts) -> HazardConflict | None:
    """查封: the equipment of a major hazard still open, with no seal held on it."""
    if hazard.state is HazardState.closed:
        return HazardConflict.hazard_closed
    if not hazard.major:
        return HazardConflict.hazard_not_major
    if hazard.equipment_code is None:
        return HazardConflict.no_equipment_to_seal
    if hazard.holds_seal():
        return HazardConflict.already_sealed
    return None


def seal_days_problem(days: int, *, max_days: int) -> SealReason | None:
    return SealReason.seal_days_exceed_limit if days > max_days else None


def extension_conflict(hazard: HazardFacts, *, today: date) -> HazardConflict | None:
    """A seal is extended once, while it lasts."""
    if hazard.state is HazardState.closed:
        return HazardConflict.hazard_closed
    if not hazard.holds_seal():
        return HazardConflict.not_sealed
    if hazard.seal_extended:
        return HazardConflict.seal_already_extended
    if not hazard.sealed(today):
        return HazardConflict.seal_expired
    return None


def extension_days_problem(days: int, *, max_days: int) -> SealReason | None:
    return SealReason.extension_days_exceed_limit if days > max_days else None


def release_conflict(hazard: HazardFacts) -> HazardConflict | None:
    """解封: only a seal held may be released (an expired one too, to record it)."""
    return None if hazard.holds_seal() else HazardConflict.not_sealed


def evidence_conflict(hazard: HazardFacts) -> HazardConflict | None:
    """Evidence is added until the hazard is closed."""
    return HazardConflict.hazard_closed if hazard.state is HazardState.closed else None


def seal_ends_on(sealed_on: date, days: int) -> date:
    """The last day of a seal of `days` days that starts on `sealed_on` (counted inclusive)."""
    return sealed_on + timedelta(days=days - 1)


def within_deadline(done_on: date | None, deadline: date | None) -> bool | None:
    """整改率 counts a hazard rectified on or before its deadline; None without a deadline."""
    if deadline is None or done_on is None:
        return None
    return done_on <= deadline
