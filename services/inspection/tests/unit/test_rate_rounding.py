"""Rates are percentages rounded half-up to two decimals, null over nothing (rates.rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from inspection.rates.rules import percentage, period_problem


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (0, 5, "0.00"),
        (5, 5, "100.00"),
        (1, 8, "12.50"),
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 800, "0.13"),  # 0.125: half goes up, not to the even 0.12
        (1, 1600, "0.06"),  # 0.0625
        (37, 10_000, "0.37"),  # the seed's hazard rate
        (9779, 10_000, "97.79"),
        (99_995, 100_000, "100.00"),  # 99.995 rounds up to a whole
        (3, 2, "150.00"),
    ],
)
def test_a_rate_is_rounded_half_up_to_hundredths(
    numerator: int, denominator: int, expected: str
) -> None:
    rate = percentage(numerator, denominator)
    assert rate == Decimal(expected)
    assert str(rate) == expected


def test_a_rate_over_nothing_is_null() -> None:
    assert percentage(0, 0) is None
    assert percentage(3, 0) is None


def test_a_period_ends_on_or_after_it_starts() -> None:
    assert period_problem(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert period_problem(date(2026, 1, 2), date(2026, 1, 1)) is not None
