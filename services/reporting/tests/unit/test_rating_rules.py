"""Pure decisions of the quarterly contractor rating."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from reporting.indicators.rules import Indicator
from reporting.ratings.rules import (
    AppealOutcome,
    RatingReason,
    appeal_problems,
    decision_problems,
    is_rated,
    quarter_period,
    rescue_deduction,
    score_formula,
)


@pytest.mark.parametrize(
    ("year", "quarter", "first", "last"),
    [
        (2024, 1, date(2024, 1, 1), date(2024, 3, 31)),
        (2024, 2, date(2024, 4, 1), date(2024, 6, 30)),
        (2024, 3, date(2024, 7, 1), date(2024, 9, 30)),
        (2024, 4, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_a_quarter_runs_from_its_first_to_its_last_day(
    year: int, quarter: int, first: date, last: date
) -> None:
    assert quarter_period(year, quarter) == (first, last)


def test_a_fifth_quarter_does_not_exist() -> None:
    with pytest.raises(ValueError, match="quarter"):
        quarter_period(2024, 5)


def test_a_company_needs_the_minimum_of_elevators_to_be_rated() -> None:
    assert is_rated(5, 5)
    assert not is_rated(4, 5)


def test_the_formula_writes_out_a_deduction_with_its_sign() -> None:
    rates = dict.fromkeys(Indicator, Decimal("97.5"))

    formula = score_formula(rates, Decimal("-3"), Decimal("777.00"))

    assert formula.startswith("档案信息完整率 97.50 + 登记率 97.50 + ")
    assert formula.endswith("贴牌率 97.50 - 加分 3.00 = 777.00")


def test_the_formula_writes_out_the_rescue_breaches_after_the_bonus() -> None:
    rates = dict.fromkeys(Indicator, Decimal("100"))

    formula = score_formula(
        rates, Decimal("6"), Decimal("796.00"), breaches=2, points_per_breach=Decimal("5")
    )

    assert formula.endswith("贴牌率 100.00 + 加分 6.00 - 救援超时 2 × 5.00 = 796.00")
    assert rescue_deduction(2, Decimal("5")) == Decimal("10")
    assert rescue_deduction(0, Decimal("5")) == 0


def test_another_company_may_not_appeal_and_one_appeal_waits_at_a_time() -> None:
    company, other = uuid.uuid4(), uuid.uuid4()

    codes = [
        p.code
        for p in appeal_problems(
            caller_is_bureau=False,
            caller_organisation=other,
            company=company,
            statuses=["dismissed", "pending"],
        )
    ]

    assert codes == [RatingReason.not_own_rating, RatingReason.appeal_pending]
    assert not appeal_problems(
        caller_is_bureau=True, caller_organisation=other, company=company, statuses=["dismissed"]
    )


def test_a_decided_appeal_is_not_decided_again_and_only_upholding_corrects_the_score() -> None:
    codes = [
        p.code
        for p in decision_problems(
            status="upheld", outcome=AppealOutcome.dismissed, revised_score=Decimal(500)
        )
    ]

    assert codes == [RatingReason.appeal_decided, RatingReason.revised_score_needs_upheld]
    assert not decision_problems(
        status="pending", outcome=AppealOutcome.upheld, revised_score=Decimal(500)
    )
