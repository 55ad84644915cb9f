"""How a use unit's risk grade follows from its findings over the last year.

DOMAIN.md: use units carry a risk grade that sets how often they are checked. The score adds
weighted counts of what the last year found at the unit — general and major hazards (隐患),
equipment that went overdue (超期未检), failed inspections (不合格); the bands grade it A (lowest
risk) to D (highest). Weights and bands are settings (`risk_weight_*`, `risk_grade_*_from`).
The counts are absolute, not per piece of equipment: a unit with many findings needs more
visits whatever its size.

The SQL of `risk_grades.queries` computes the same score and grade for many units at once;
this module is the definition people and tests read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from inspection.inspection_rules.rules import add_months


class RiskGrade(StrEnum):
    """Values are stable API."""

    A = "A"  # 低风险
    B = "B"
    C = "C"
    D = "D"  # 高风险


@dataclass(frozen=True)
class RiskWeights:
    general_hazard: int
    major_hazard: int
    overdue_equipment: int
    failed_inspection: int


@dataclass(frozen=True)
class GradeBands:
    b_from: int
    c_from: int
    d_from: int


@dataclass(frozen=True)
class RiskFigures:
    general_hazards: int
    major_hazards: int
    overdue_equipment: int
    failed_inspections: int


def risk_score(figures: RiskFigures, weights: RiskWeights) -> int:
    return (
        figures.general_hazards * weights.general_hazard
        + figures.major_hazards * weights.major_hazard
        + figures.overdue_equipment * weights.overdue_equipment
        + figures.failed_inspections * weights.failed_inspection
    )


def grade_of(score: int, bands: GradeBands) -> RiskGrade:
    """Each band starts at its `*_from` score, included."""
    if score >= bands.d_from:
        return RiskGrade.D
    if score >= bands.c_from:
        return RiskGrade.C
    if score >= bands.b_from:
        return RiskGrade.B
    return RiskGrade.A


def last_year(as_of: date) -> tuple[date, date]:
    """The year that ends on `as_of`, both ends included: 2026-11-25 → 2025-11-26 … 2026-11-25."""
    return add_months(as_of, -12) + timedelta(days=1), as_of


@dataclass(frozen=True)
class Grading:
    """The weights and bands a bureau set (settings)."""

    weights: RiskWeights
    bands: GradeBands
