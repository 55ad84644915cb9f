"""Risk grade bands and the year graded (risk_grades.rules)."""

from __future__ import annotations

from datetime import date

import pytest

from inspection.risk_grades.rules import (
    GradeBands,
    RiskFigures,
    RiskGrade,
    RiskWeights,
    grade_of,
    last_year,
    risk_score,
)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(0, "A"), (2, "A"), (3, "B"), (7, "B"), (8, "C"), (14, "C"), (15, "D"), (99, "D")],
)
def test_each_band_starts_at_its_lowest_score(score: int, grade: str) -> None:
    assert grade_of(score, GradeBands(b_from=3, c_from=8, d_from=15)) is RiskGrade(grade)


def test_the_year_graded_ends_on_the_day_asked_and_spans_a_leap_day() -> None:
    assert last_year(date(2024, 2, 29)) == (date(2023, 3, 1), date(2024, 2, 29))
    assert last_year(date(2026, 1, 1)) == (date(2025, 1, 2), date(2026, 1, 1))


def test_the_score_weighs_each_finding() -> None:
    weights = RiskWeights(general_hazard=1, major_hazard=5, overdue_equipment=3,
                          failed_inspection=3)  # fmt: skip
    figures = RiskFigures(general_hazards=2, major_hazards=1, overdue_equipment=1,
                          failed_inspections=2)  # fmt: skip
    assert risk_score(figures, weights) == 2 + 5 + 3 + 6
