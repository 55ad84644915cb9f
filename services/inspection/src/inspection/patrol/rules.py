"""The patrol's questions and which observations count as signs of use.

DOMAIN.md ("Periodic inspection"): the bureau's daily online patrol asks four questions — in
use past its due date, in use never inspected, elevator in use without a valid maintenance
contract, in use after a failed inspection. The fifth asks for equipment that shows signs of
use but is not registered (the Special Equipment Safety Law, Art. 84: using unregistered
equipment is fined).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

ELEVATOR_CATEGORY = "3000"  # 电梯, 特种设备目录


class PatrolQuestion(StrEnum):
    """Values are stable API: the `{question}` of `GET /api/v1/patrol/{question}`."""

    past_due = "past_due"  # 在用超期未检
    never_inspected = "never_inspected"  # 在用未检验
    no_maintenance_contract = "no_maintenance_contract"  # 在用电梯无有效维保合同
    failed_inspection = "failed_inspection"  # 检验不合格仍在用
    unregistered_in_use = "unregistered_in_use"  # 未登记仍使用


class SightingSource(StrEnum):
    hazard_signal = "hazard_signal"  # 隐患线索 (tzsb.hazard.signal.v1)
    inspection_post = "inspection_post"  # an agency's report on a code the registry lacks
    rescue = "rescue"  # 96333 困人 incident dispatched for the code (tzsb.elevator.rescue)
    monitoring_alarm = "monitoring_alarm"  # 远程监测 device raised a trapped-passenger alarm


# A refused-fill signal names a gas cylinder: cylinders are registered by their filling
# station in cylinder trace, not in the equipment registry, so their codes are never in it.
_NOT_EQUIPMENT_CODES = frozenset({"refused_fill_filled"})


def rescue_sighting_source(reported_by: str) -> SightingSource:
    """A rescue raised by the elevator's own monitoring device is a monitoring sighting: the
    device reports from the car, so the code is in use whatever a caller said."""
    return (
        SightingSource.monitoring_alarm
        if reported_by == "monitoring_alarm"
        else SightingSource.rescue
    )


def signal_names_equipment(kind: str, equipment_code: str | None) -> bool:
    """Whether a hazard signal names a piece of registrable equipment (a sign of its use)."""
    return equipment_code is not None and kind not in _NOT_EQUIPMENT_CODES


@dataclass(frozen=True)
class Sighting:
    equipment_code: str
    source: SightingSource
    unit_id: Any
    reference: str
    seen_at: datetime


def merge_sightings(sightings: Iterable[Sighting]) -> list[dict[str, Any]]:
    """One row per code and source (a chunk of events may name one code several times), in a
    stable order: first and last seen, how often, and the latest reference and unit named."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for s in sorted(sightings, key=lambda s: s.seen_at):
        key = (s.equipment_code, s.source.value)
        row = merged.get(key)
        if row is None:
            merged[key] = {
                "equipment_code": s.equipment_code,
                "source": s.source.value,
                "unit_id": s.unit_id,
                "last_reference": s.reference,
                "times_seen": 1,
                "first_seen_at": s.seen_at,
                "last_seen_at": s.seen_at,
            }
            continue
        row["times_seen"] += 1
        row["last_seen_at"] = s.seen_at
        row["last_reference"] = s.reference
        row["unit_id"] = s.unit_id if s.unit_id is not None else row["unit_id"]
    return [merged[key] for key in sorted(merged)]


# -- hazards opened from the patrol's lists (网上巡查发现隐患) ------------------------------

_QUESTION_HAZARDS: dict[PatrolQuestion, tuple[str, str]] = {
    # Using equipment past its due date or never inspected, or after it failed, is what the
    # Special Equipment Safety Law fines (Art. 84): major, like the due workflow's 超期未检.
    PatrolQuestion.past_due: ("major", "网上巡查: 在用设备超期未检"),
    PatrolQuestion.never_inspected: ("major", "网上巡查: 在用设备未经定期检验"),
    PatrolQuestion.no_maintenance_contract: ("general", "网上巡查: 在用电梯无有效维保合同"),
    PatrolQuestion.failed_inspection: ("major", "网上巡查: 检验不合格仍在使用"),
    PatrolQuestion.unregistered_in_use: ("major", "网上巡查: 设备有使用迹象但未办理使用登记"),
}


class PatrolHazardOutcome(StrEnum):
    """What asking for a hazard on one code did. Values are stable API."""

    opened = "opened"  # a hazard was opened and published as found
    already_open = "already_open"  # one this question (or the due workflow) opened is still open
    not_on_list = "not_on_list"  # the question does not name this code on that day
    no_answerable_unit = "no_answerable_unit"  # unknown to the registry, no unit ever named


class PatrolHazardReason(StrEnum):
    """Why a request to open patrol hazards is refused (422). Values are stable API."""

    codes_or_all = "codes_or_all"
    deadline_in_past = "deadline_in_past"


@dataclass(frozen=True)
class PatrolHazardViolation:
    field: str
    code: PatrolHazardReason
    message: str


def patrol_hazard_violations(
    *, codes: Sequence[str] | None, all_listed: bool, deadline: date | None, today: date
) -> list[PatrolHazardViolation]:
    violations = []
    if (codes is None) == (not all_listed):
        violations.append(
            PatrolHazardViolation(
                "equipment_codes",
                PatrolHazardReason.codes_or_all,
                "give either equipment_codes or all: true",
            )
        )
    if deadline is not None and deadline < today:
        violations.append(
            PatrolHazardViolation(
                "deadline", PatrolHazardReason.deadline_in_past, "a deadline before today"
            )
        )
    return violations


def patrol_hazard(
    question: PatrolQuestion, *, due_on: date | None, severity: str | None
) -> tuple[str, str]:
    """The severity and description of the hazard a question opens on one piece of equipment."""
    default_severity, description = _QUESTION_HAZARDS[question]
    if question is PatrolQuestion.past_due and due_on is not None:
        description = f"{description} (检验到期日 {due_on.isoformat()})"
    return severity or default_severity, description
