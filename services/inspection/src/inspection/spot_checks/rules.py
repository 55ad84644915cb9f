"""The draw of a spot check (双随机、一公开) and the checks on a recorded result.

双随机: the units to check and the inspectors to send are both drawn at random; 一公开: the draw
and the results are published. A draw is reproducible: `random.Random(seed)` over candidates in
a fixed order (unit id, inspector id) gives the same picks on every machine and Python version
that keeps `random`'s documented reproducibility (`randrange` and `sample` with the same seed).
Units are drawn without replacement, each with as many lots as its risk grade weighs (DOMAIN.md:
a unit's risk grade sets how often it is checked).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from inspection.risk_grades.rules import RiskGrade

MAX_SEED = 2**63 - 1  # kept in a bigint column


class SpotCheckConclusion(StrEnum):
    compliant = "compliant"  # 未发现问题
    hazards_found = "hazards_found"  # 发现问题
    not_checkable = "not_checkable"  # 无法检查 (closed, moved, refused entry)


class SpotCheckReason(StrEnum):
    """Why a draw or a result was refused. Values are stable API (a problem's `code`)."""

    too_few_candidates = "too_few_candidates"
    too_few_inspectors = "too_few_inspectors"
    unit_not_drawn = "unit_not_drawn"
    checked_before_draw = "checked_before_draw"
    checked_in_future = "checked_in_future"
    hazards_with_compliant = "hazards_with_compliant"
    no_hazards_counted = "no_hazards_counted"
    null_not_allowed = "null_not_allowed"
    hazard_count_mismatch = "hazard_count_mismatch"
    hazards_without_findings = "hazards_without_findings"
    deadline_in_past = "deadline_in_past"
    equipment_not_of_unit = "equipment_not_of_unit"


@dataclass(frozen=True)
class Violation:
    field: tuple[str | int, ...]
    code: SpotCheckReason
    message: str


@dataclass(frozen=True)
class Candidate:
    use_unit_id: uuid.UUID
    grade: RiskGrade
    weight: int


@dataclass(frozen=True)
class Drawn:
    units: list[Candidate]
    inspector_ids: list[uuid.UUID]


def candidates_of(
    grades: Sequence[tuple[uuid.UUID, RiskGrade]], weights: Mapping[RiskGrade, int]
) -> list[Candidate]:
    """The units a draw chooses from, in the fixed order the draw depends on."""
    return sorted(
        (Candidate(unit, grade, weights[grade]) for unit, grade in grades),
        key=lambda c: str(c.use_unit_id),
    )


def check_draw(
    *, unit_count: int, inspector_count: int, candidates: int, inspectors: int
) -> list[Violation]:
    violations = []
    if unit_count > candidates:
        violations.append(
            Violation(
                ("unit_count",),
                SpotCheckReason.too_few_candidates,
                f"only {candidates} use units can be drawn",
            )
        )
    if inspector_count > inspectors:
        violations.append(
            Violation(
                ("inspector_count",),
                SpotCheckReason.too_few_inspectors,
                f"only {inspectors} active inspectors can be drawn",
            )
        )
    return violations


def draw(
    *,
    seed: int,
    candidates: Sequence[Candidate],
    inspector_pool: Sequence[uuid.UUID],
    unit_count: int,
    inspector_count: int,
) -> Drawn:
    """Units first, weighted, without replacement; then inspectors, uniformly. Both from one
    generator seeded with `seed`, over the lists in the order given (store them as given)."""
    rng = random.Random(seed)
    remaining = list(candidates)
    units: list[Candidate] = []
    for _ in range(min(unit_count, len(remaining))):
        lot = rng.randrange(sum(c.weight for c in remaining))
        for index, candidate in enumerate(remaining):
            if lot < candidate.weight:
                units.append(remaining.pop(index))
                break
            lot -= candidate.weight
    inspectors = rng.sample(list(inspector_pool), min(inspector_count, len(inspector_pool)))
    return Drawn(units=units, inspector_ids=inspectors)


def check_result(
    *,
    drawn: bool,
    drawn_on: date,
    checked_on: date,
    today: date,
    conclusion: SpotCheckConclusion,
    hazards_found: int,
) -> list[Violation]:
    violations = []
    if not drawn:
        violations.append(
            Violation(("use_unit_id",), SpotCheckReason.unit_not_drawn, "this unit was not drawn")
        )
    if checked_on < drawn_on:
        violations.append(
            Violation(
                ("checked_on",),
                SpotCheckReason.checked_before_draw,
                f"the draw was made on {drawn_on.isoformat()}",
            )
        )
    if checked_on > today:
        violations.append(
            Violation(("checked_on",), SpotCheckReason.checked_in_future, "a date in the future")
        )
    if conclusion is SpotCheckConclusion.compliant and hazards_found > 0:
        violations.append(
            Violation(
                ("hazards_found",),
                SpotCheckReason.hazards_with_compliant,
                "a compliant check found no hazards",
            )
        )
    if conclusion is SpotCheckConclusion.hazards_found and hazards_found == 0:
        violations.append(
            Violation(
                ("hazards_found",),
                SpotCheckReason.no_hazards_counted,
                "give the number of hazards found",
            )
        )
    return violations


@dataclass(frozen=True)
class FoundHazard:
    """One hazard (隐患) a check found: on a piece of the unit's equipment, or on the unit."""

    severity: str
    description: str
    equipment_code: str | None = None
    deadline: date | None = None


def check_found_hazards(
    hazards: Sequence[FoundHazard],
    *,
    conclusion: SpotCheckConclusion,
    hazards_found: int,
    drawn_unit: uuid.UUID,
    equipment_units: Mapping[str, uuid.UUID],
    today: date,
) -> list[Violation]:
    """The hazards listed with a result: as many as counted, only when the check found some,
    deadlines not yet past, and equipment the replica knows belonging to the unit checked
    (equipment it does not know may be there unregistered: that is itself a finding)."""
    violations = []
    if hazards and conclusion is not SpotCheckConclusion.hazards_found:
        violations.append(
            Violation(
                ("hazards",),
                SpotCheckReason.hazards_without_findings,
                "hazards are listed only with the conclusion hazards_found",
            )
        )
    elif hazards and len(hazards) != hazards_found:
        violations.append(
            Violation(
                ("hazards",),
                SpotCheckReason.hazard_count_mismatch,
                f"{len(hazards)} hazards listed, {hazards_found} counted",
            )
        )
    for n, hazard in enumerate(hazards):
        if hazard.deadline is not None and hazard.deadline < today:
            violations.append(
                Violation(
                    ("hazards", n, "deadline"),
                    SpotCheckReason.deadline_in_past,
                    "a deadline before today",
                )
            )
        owner = equipment_units.get(hazard.equipment_code or "")
        if owner is not None and owner != drawn_unit:
            violations.append(
                Violation(
                    ("hazards", n, "equipment_code"),
                    SpotCheckReason.equipment_not_of_unit,
                    "the registry records this equipment with another use unit",
                )
            )
    return violations


def hazards_to_open(
    hazards: Sequence[FoundHazard], *, hazards_found: int, findings: str
) -> list[FoundHazard]:
    """What a result opens: each hazard listed; or, when hazards were only counted, one hazard
    of the unit carrying the findings, so that no finding is left without a hazard to follow."""
    if hazards:
        return list(hazards)
    if hazards_found > 0:
        return [FoundHazard(severity="general", description=f"双随机抽查发现问题: {findings}")]
    return []
