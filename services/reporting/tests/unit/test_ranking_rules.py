"""Table 4's score, the star rating (星级) and which bonuses are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting.rankings.rules import BonusReason, bonus_problems, score, star_rating

FLOORS = (790.0, 760.0, 720.0, 680.0)


def test_the_score_adds_the_bonus_to_the_composite_as_in_the_seed() -> None:
    assert score(Decimal("800.00"), Decimal("6")) == Decimal("806.00")
    assert score(None, Decimal(6)) is None


@pytest.mark.parametrize(
    ("value", "stars"),
    [
        ("806", 5),
        ("790.00", 5),  # a floor belongs to the band above it
        ("789.99", 4),
        ("760", 4),
        ("720", 3),
        ("680", 2),
        ("679.99", 1),
        ("0", 1),
    ],
)
def test_stars_follow_the_score_bands(value: str, stars: int) -> None:
    assert star_rating(Decimal(value), FLOORS) == stars


def test_a_company_without_a_score_has_no_stars() -> None:
    assert star_rating(None, FLOORS) is None


def test_a_bonus_for_an_organisation_reporting_has_not_seen_is_refused() -> None:
    (problem,) = bonus_problems(points=Decimal(5), company_kind=None)

    assert (problem.field, problem.code) == (
        "maintenance_company_id",
        BonusReason.unknown_maintenance_company,
    )


def test_a_bonus_for_a_use_unit_is_refused() -> None:
    (problem,) = bonus_problems(points=Decimal(5), company_kind="use_unit")

    assert problem.code is BonusReason.not_a_maintenance_company


def test_a_bonus_of_no_points_is_refused_and_a_deduction_is_not() -> None:
    assert [
        p.code for p in bonus_problems(points=Decimal(0), company_kind="maintenance_company")
    ] == [BonusReason.zero_points]
    assert bonus_problems(points=Decimal(-3), company_kind="maintenance_company") == []
