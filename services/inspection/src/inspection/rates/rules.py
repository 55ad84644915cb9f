"""How a rate is written: a percentage rounded half-up to two decimals (DOMAIN.md, the
elevator-management indicators: "each is a percentage rounded half-up to two decimals").

A rate over nothing (a zero denominator) is no rate at all — null, not 0 % or 100 %: a park
with no equipment checked has no hazard rate, and reading it as 0 % would flatter it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, half-up to hundredths, in exact integer arithmetic (no
    binary fractions: 1 ÷ 8 is 12.50, and 1 ÷ 3 is 33.33)."""
    if denominator == 0:
        return None
    if numerator < 0 or denominator < 0:
        raise ValueError("counts are never negative")
    hundredths = (numerator * 10_000 * 2 + denominator) // (2 * denominator)
    return Decimal(hundredths).scaleb(-2)


def period_problem(period_start: date, period_end: date) -> str | None:
    if period_end < period_start:
        return "period_end must be on or after period_start"
    return None
