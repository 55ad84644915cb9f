"""The Table 3 arithmetic: half-up rounding with decimal, the composite, competition ranks,
a region with nothing to count, and how a period splits into whole and partial months."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from reporting.indicators.rules import (
    Indicator,
    PeriodMonths,
    calendar_periods,
    competition_ranks,
    composite,
    last_day_of_month,
    percentage,
    period_months,
    ranked,
    rates_of,
)


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        (1, 800, "0.13"),  # 0.125: float rounding (half-even on an exact binary) gives 0.12
        (107, 4000, "2.68"),  # 2.675: float(2.675) is 2.67499…, round() gives 2.67
        (19999, 20000, "100.00"),  # 99.995 rounds up to a whole hundred
        (3, 800, "0.38"),  # 0.375
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (2980, 2981, "99.97"),  # the seed's record completeness, 兰州新区
        (0, 7, "0.00"),
        (7, 7, "100.00"),
    ],
)
def test_a_rate_is_rounded_half_up_at_the_third_decimal(
    count: int, total: int, expected: str
) -> None:
    assert percentage(count, total) == Decimal(expected)


def test_the_boundary_rounds_up_where_float_rounding_would_not() -> None:
    assert round(0.125, 2) == 0.12  # what the rule must not do
    assert percentage(1, 800) == Decimal("0.13")


def test_a_region_with_no_elevators_has_no_rates_and_no_composite() -> None:
    rates = rates_of(dict.fromkeys(Indicator, 0), 0)

    assert set(rates) == set(Indicator)
    assert all(rate is None for rate in rates.values())
    assert composite(rates) is None


def test_a_share_larger_than_the_whole_is_refused() -> None:
    with pytest.raises(ValueError, match="not a share"):
        percentage(3, 2)


def test_the_composite_is_the_sum_of_the_rounded_rates_as_in_the_seed() -> None:
    seed = ["99.97", "100", "100", "97.79", "94.11", "90.29", "99.96", "96"]
    rates = {indicator: Decimal(v) for indicator, v in zip(Indicator, seed, strict=True)}

    assert composite(rates) == Decimal("778.12")


def test_the_composite_adds_rounded_rates_not_raw_shares() -> None:
    # 1/3 and 2/3 of 3 elevators: 33.33 + 66.67 = 100.00 however the raw shares would add.
    counts = dict.fromkeys(Indicator, 3)
    counts[Indicator.record_completeness] = 1
    counts[Indicator.registration] = 2
    rates = rates_of(counts, 3)

    assert rates[Indicator.record_completeness] == Decimal("33.33")
    assert composite(rates) == Decimal("33.33") + Decimal("66.67") + 6 * Decimal("100.00")


def test_tied_scores_share_a_rank_and_the_next_skips_the_places_they_took() -> None:
    # The seed's Table 4: 806, then nine companies at 800, all second.
    scores = [Decimal(806), *[Decimal(800)] * 9, Decimal("799.99")]

    assert competition_ranks(scores) == [1, *[2] * 9, 11]


def test_competition_ranks_do_not_depend_on_input_order() -> None:
    scores = [Decimal(5), Decimal(9), Decimal(5), Decimal(9), Decimal(1)]

    assert competition_ranks(scores) == [3, 1, 3, 1, 5]


def test_a_region_without_a_score_has_no_rank_and_comes_last() -> None:
    items = [("a", None), ("b", Decimal(700)), ("c", Decimal(700)), ("d", Decimal(701))]

    ordered = ranked(items, lambda item: item[1])

    assert [(rank, name) for rank, (name, _) in ordered] == [
        (1, "d"),
        (2, "b"),
        (2, "c"),
        (None, "a"),
    ]


def test_a_calendar_year_is_twelve_whole_months_and_no_visit_is_read_raw() -> None:
    assert period_months(date(2020, 1, 1), date(2020, 12, 31)) == PeriodMonths(
        date(2020, 1, 1), date(2020, 12, 1), ()
    )


def test_a_period_cut_mid_month_reads_only_its_edge_days_raw() -> None:
    assert period_months(date(2020, 1, 15), date(2020, 3, 10)) == PeriodMonths(
        date(2020, 2, 1),
        date(2020, 2, 1),
        ((date(2020, 1, 15), date(2020, 1, 31)), (date(2020, 3, 1), date(2020, 3, 10))),
    )


def test_a_period_without_a_whole_month_is_read_raw() -> None:
    assert period_months(date(2020, 1, 15), date(2020, 2, 10)) == PeriodMonths(
        None, None, ((date(2020, 1, 15), date(2020, 2, 10)),)
    )
    assert period_months(date(2020, 2, 1), date(2020, 2, 28)) == PeriodMonths(
        None, None, ((date(2020, 2, 1), date(2020, 2, 28)),)
    )  # 2020 is a leap year: 28 February does not end the month


def test_a_whole_first_month_and_a_partial_last_one() -> None:
    assert period_months(date(2021, 2, 1), date(2021, 3, 30)) == PeriodMonths(
        date(2021, 2, 1), date(2021, 2, 1), ((date(2021, 3, 1), date(2021, 3, 30)),)
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_every_day_of_any_period_is_read_exactly_once() -> None:
    origin = date(2019, 11, 1)  # across a year end and 2020's 29 February
    for start_offset in range(0, 130, 3):
        for length in range(0, 420, 11):
            start = origin + timedelta(days=start_offset)
            end = start + timedelta(days=length)
            months = period_months(start, end)
            read: list[date] = []
            if months.whole_from is not None and months.whole_to is not None:
                read += _days(months.whole_from, last_day_of_month(months.whole_to))
            for first, last in months.partial:
                read += _days(first, last)
            assert sorted(read) == _days(start, end), (start, end, months)
            assert len(months.partial) <= 2


def test_regional_counts_sum_parks_as_a_filtered_grouped_count_would() -> None:
    from reporting.indicators.rules import COUNT_COLUMNS, regional_counts

    def park(district: str, name: str | None, in_use: int) -> dict[str, object]:
        return {
            "province": "甘肃省",
            "city": "兰州市",
            "district": district,
            "park": name,
            **{column: in_use for column in COUNT_COLUMNS},
        }

    rows = [park("城关区", "一园", 3), park("城关区", None, 2), park("新区", "一园", 5)]

    [everything] = regional_counts(rows, {}, ())
    assert everything["elevators_in_use"] == 10
    # A named park leaves out the rows whose park is not named, as `park = $1` does.
    [named] = regional_counts(rows, {"park": "一园"}, ())
    assert named["label"] == 8
    by_district = regional_counts(rows, {}, ("province", "city", "district"))
    assert {r["district"]: r["elevators_in_use"] for r in by_district} == {"城关区": 5, "新区": 5}
    levels = ("province", "city", "district", "park")
    by_park = regional_counts(rows, {"district": "城关区"}, levels)
    assert {r["park"]: r["registration"] for r in by_park} == {"一园": 3, None: 2}
    # No elevators: one row of zeros ungrouped, none grouped, as the statement answers.
    assert regional_counts(rows, {"province": "四川省"}, ()) == [
        {column: 0 for column in COUNT_COLUMNS}
    ]
    assert regional_counts(rows, {"province": "四川省"}, ("province", "city")) == []


def test_the_judgement_key_changes_with_any_version_or_parameter() -> None:
    from reporting.indicators.rules import Indicator, Judgement, judgement_key

    versions = dict.fromkeys(Indicator, 1)
    base = Judgement(interval_days=15, passing_conclusions=("pass",), versions=versions)
    assert judgement_key(base) == judgement_key(
        Judgement(interval_days=15, passing_conclusions=("pass",), versions=dict(versions))
    )
    others = [
        Judgement(15, ("pass",), {**versions, Indicator.label: 2}),
        Judgement(10, ("pass",), versions),
        Judgement(15, ("pass", "pass_after_reinspection"), versions),
    ]
    assert len({judgement_key(j) for j in [base, *others]}) == 4


@pytest.mark.parametrize(
    ("today", "month", "quarter", "year"),
    [
        (date(2026, 11, 26), ("2026-11-01", "2026-11-30"), ("2026-10-01", "2026-12-31"), 2026),
        (date(2024, 2, 29), ("2024-02-01", "2024-02-29"), ("2024-01-01", "2024-03-31"), 2024),
        (date(2026, 6, 30), ("2026-06-01", "2026-06-30"), ("2026-04-01", "2026-06-30"), 2026),
        (date(2027, 7, 1), ("2027-07-01", "2027-07-31"), ("2027-07-01", "2027-09-30"), 2027),
    ],
)
def test_calendar_periods_are_the_month_quarter_and_year_holding_the_day(
    today: date, month: tuple[str, str], quarter: tuple[str, str], year: int
) -> None:
    def days(pair: tuple[str, str]) -> tuple[date, date]:
        return date.fromisoformat(pair[0]), date.fromisoformat(pair[1])

    assert calendar_periods(today) == (
        days(month),
        days(quarter),
        (date(year, 1, 1), date(year, 12, 31)),
    )
