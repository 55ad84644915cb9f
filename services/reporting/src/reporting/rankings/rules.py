"""Pure decisions of the maintenance-company ranking (Table 4): the score, the star rating
(星级) and whether a bonus may be awarded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

MAINTENANCE_COMPANY = "maintenance_company"


class BonusReason(StrEnum):
    """Why a bonus is refused. Values are stable API (the problem's `code`)."""

    unknown_maintenance_company = "unknown_maintenance_company"
    not_a_maintenance_company = "not_a_maintenance_company"
    zero_points = "zero_points"


@dataclass(frozen=True)
class BonusViolation:
    field: str
    code: BonusReason
    message: str


def bonus_problems(*, points: Decimal, company_kind: str | None) -> list[BonusViolation]:
    """`company_kind` is the organisation's kind in the read model, None if it is not there."""
    problems = []
    if company_kind is None:
        problems.append(
            BonusViolation(
                "maintenance_company_id",
                BonusReason.unknown_maintenance_company,
                "no organisation with this id is known (yet) to reporting",
            )
        )
    elif company_kind != MAINTENANCE_COMPANY:
        problems.append(
            BonusViolation(
                "maintenance_company_id",
                BonusReason.not_a_maintenance_company,
                f"the organisation is a {company_kind}, not a maintenance company (维保单位)",
            )
        )
    if points == 0:
        problems.append(
            BonusViolation("points", BonusReason.zero_points, "a bonus of 0 points changes nothing")
        )
    return problems


def score(composite: Decimal | None, bonus_points: Decimal) -> Decimal | None:
    """综合得分 of Table 4: the eight rounded rates' sum plus the bureau's bonus points (the
    seed's first company: 800 + 6 = 806)."""
    return None if composite is None else composite + bonus_points


def star_rating(score_value: Decimal | None, floors: Sequence[float]) -> int | None:
    """星级 (the Lanzhou plan's 星级评定): five stars at or above the first floor, four at or
    above the second, and so on; one star below the last. `floors` are descending, one fewer
    than the five ratings."""
    if score_value is None:
        return None
    for stars, floor in zip(range(5, 1, -1), floors, strict=True):
        if score_value >= Decimal(str(floor)):
            return stars
    return 1
