"""Pure decisions on a supervision order (监察指令书): its number, and whether the hazards it
would cover may have one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from inspection.hazards.rules import (
    HazardConflict,
    HazardFacts,
    Transition,
    transition_conflict,
)


class OrderReason(StrEnum):
    """Why an order is refused (422 on the named field). Values are stable API."""

    unknown_hazard = "unknown_hazard"
    duplicate_hazard = "duplicate_hazard"
    deadline_in_past = "deadline_in_past"
    hazards_of_several_units = "hazards_of_several_units"


@dataclass(frozen=True)
class OrderViolation:
    field: tuple[str | int, ...]
    code: OrderReason
    message: str


@dataclass(frozen=True)
class CoveredHazard:
    id: uuid.UUID
    facts: HazardFacts
    answerable_unit: uuid.UUID | None
    """The hazard's own unit if it has one, else its equipment's use unit."""


def order_number(prefix: str, year: int, sequence: int) -> str:
    """文号: 市监特令〔2026〕第12号 — the prefix, the year in 六角括号 (〔〕), the number in the
    year (GB/T 9704-2012 writes the year of a document number in these brackets)."""
    return f"{prefix}〔{year}〕第{sequence}号"


def order_violations(
    hazard_ids: Sequence[uuid.UUID],
    found: dict[uuid.UUID, CoveredHazard],
    *,
    deadline: date,
    today: date,
) -> list[OrderViolation]:
    """Problems with the request itself (422): every one of them at once."""
    violations: list[OrderViolation] = []
    if deadline < today:
        violations.append(
            OrderViolation(("deadline",), OrderReason.deadline_in_past, "a deadline before today")
        )
    seen: set[uuid.UUID] = set()
    for index, hazard_id in enumerate(hazard_ids):
        if hazard_id in seen:
            violations.append(
                OrderViolation(("hazard_ids", index), OrderReason.duplicate_hazard, "named twice")
            )
        elif hazard_id not in found:
            violations.append(
                OrderViolation(("hazard_ids", index), OrderReason.unknown_hazard, "no such hazard")
            )
        seen.add(hazard_id)
    units = {h.answerable_unit for h in found.values()}
    if len(units) > 1:
        violations.append(
            OrderViolation(
                ("hazard_ids",),
                OrderReason.hazards_of_several_units,
                "an order is addressed to one unit: its hazards must all be that unit's",
            )
        )
    return violations


def order_conflict(
    hazards: Sequence[CoveredHazard], *, today: date
) -> tuple[uuid.UUID, HazardConflict] | None:
    """The first hazard whose state forbids an order (409), with the reason."""
    for hazard in hazards:
        reason = transition_conflict(Transition.issue_order, hazard.facts, today=today)
        if reason is not None:
            return hazard.id, reason
    return None
