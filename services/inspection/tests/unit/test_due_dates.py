"""The due-date functions over every row the migration seeds, and at the calendar's edges."""

from __future__ import annotations

import calendar
import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inspection.inspection_rules.rules import (
    DueKind,
    InspectionRule,
    NextDue,
    RuleReason,
    Schedule,
    add_months,
    applicable_rule,
    check_rules,
    elevator_check_kind,
    first_due,
    latest_allowed_due,
    monitored_use_rule,
    next_due,
)
from inspection.inspection_rules.service import to_rule

_MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0004_inspection_rules.py"


def _seed() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("seed_0004", _MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seed: list[dict[str, Any]] = module.SEED
    return seed


SEED = [to_rule(row) for row in _seed()]
MONTHS_ROWS = [r for r in SEED if r.schedule is Schedule.months]


def _ids(rule: InspectionRule) -> str:
    return f"{rule.category}/{rule.variety or '*'}/g{rule.safety_grade or '*'}/{rule.valid_from}"


def test_the_seed_is_a_consistent_rules_table() -> None:
    assert check_rules(SEED) == []
    assert {r.schedule for r in SEED} == set(Schedule)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 5, 31), -2, date(2024, 3, 31)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 8, 31), -6, date(2026, 2, 28)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
    ],
)
def test_calendar_months_end_at_the_end_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def _years_later(day: date, years: int) -> date:
    """Independent of add_months: the same day, or 28 February when 29 February is missing."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


@pytest.mark.parametrize("rule", MONTHS_ROWS, ids=_ids)
@pytest.mark.parametrize("inspected_on", [date(2024, 2, 29), date(2025, 1, 31), date(2026, 12, 31)])
def test_every_months_row_is_due_its_interval_after_the_inspection(
    rule: InspectionRule, inspected_on: date
) -> None:
    assert rule.interval_months is not None
    assert rule.interval_months % 12 == 0  # the seed counts in whole years
    expected = _years_later(inspected_on, rule.interval_months // 12)

    due = next_due(rule, inspected_on=inspected_on, commissioned_on=date(2020, 1, 1))

    assert due == NextDue(expected, DueKind.periodic)


@pytest.mark.parametrize("rule", MONTHS_ROWS, ids=_ids)
def test_every_months_row_is_first_due_its_first_inspection_deadline_after_commissioning(
    rule: InspectionRule,
) -> None:
    months = rule.first_inspection_months or rule.interval_months
    assert months is not None

    due = first_due(rule, commissioned_on=date(2024, 2, 29))

    assert due == NextDue(_years_later(date(2024, 2, 29), months // 12), DueKind.periodic)


@pytest.mark.parametrize("rule", MONTHS_ROWS, ids=_ids)
def test_an_agency_may_set_a_due_date_up_to_the_longest_interval_of_every_months_row(
    rule: InspectionRule,
) -> None:
    longest = rule.max_interval_months or rule.interval_months
    assert longest is not None

    latest = latest_allowed_due(rule, inspected_on=date(2025, 3, 31), commissioned_on=None)

    assert latest == add_months(date(2025, 3, 31), longest)


def test_grade_5_equipment_must_not_be_used_and_nothing_is_due() -> None:
    [rule] = [r for r in SEED if r.schedule is Schedule.not_permitted]
    assert rule.safety_grade == 5
    assert next_due(rule, inspected_on=date(2026, 1, 1), commissioned_on=None) is None
    assert first_due(rule, commissioned_on=date(2026, 1, 1)) is None


ELEVATOR = applicable_rule(
    SEED, category="3000", variety="3110", safety_grade=None, on=date(2026, 1, 1)
)


def test_tsg_t7001_2023_inspects_in_years_1_4_7_9_11_13_15_and_yearly_after() -> None:
    assert ELEVATOR is not None
    assert ELEVATOR.schedule is Schedule.elevator_years
    kinds = [elevator_check_kind(ELEVATOR, year).value for year in range(1, 20)]
    assert kinds == [
        "periodic", "self_test", "self_test", "periodic", "self_test", "self_test", "periodic",
        "self_test", "periodic", "self_test", "periodic", "self_test", "periodic", "self_test",
        "periodic", "periodic", "periodic", "periodic", "periodic",
    ]  # fmt: skip


def test_an_elevator_commissioned_on_29_february_is_due_on_its_anniversaries() -> None:
    assert ELEVATOR is not None
    commissioned = date(2024, 2, 29)

    assert first_due(ELEVATOR, commissioned_on=commissioned) == NextDue(
        date(2025, 2, 28), DueKind.periodic
    )
    after_year_1 = next_due(ELEVATOR, inspected_on=date(2025, 2, 28), commissioned_on=commissioned)
    after_year_3 = next_due(ELEVATOR, inspected_on=date(2027, 3, 15), commissioned_on=commissioned)
    after_year_4 = next_due(ELEVATOR, inspected_on=date(2028, 2, 29), commissioned_on=commissioned)

    assert after_year_1 == NextDue(date(2026, 2, 28), DueKind.self_test)
    assert after_year_3 == NextDue(date(2028, 2, 29), DueKind.periodic)  # year 4: leap again
    assert after_year_4 == NextDue(date(2029, 2, 28), DueKind.self_test)


def test_an_elevator_check_up_to_two_months_early_counts_for_its_year() -> None:
    assert ELEVATOR is not None
    commissioned = date(2020, 6, 30)  # year 7 is due 2027-06-30

    in_window = next_due(ELEVATOR, inspected_on=date(2027, 4, 30), commissioned_on=commissioned)
    too_early = next_due(ELEVATOR, inspected_on=date(2027, 4, 29), commissioned_on=commissioned)
    late = next_due(ELEVATOR, inspected_on=date(2027, 9, 1), commissioned_on=commissioned)

    assert in_window == NextDue(date(2028, 6, 30), DueKind.self_test)  # year 8
    assert too_early == NextDue(date(2027, 6, 30), DueKind.periodic)  # year 7 still due
    assert late == NextDue(date(2028, 6, 30), DueKind.self_test)


def test_elevators_were_inspected_yearly_before_tsg_t7001_2023_took_effect() -> None:
    before = applicable_rule(
        SEED, category="3000", variety="3310", safety_grade=None, on=date(2024, 4, 1)
    )
    after = applicable_rule(
        SEED, category="3000", variety="3310", safety_grade=None, on=date(2024, 4, 2)
    )
    assert before is not None
    assert before.schedule is Schedule.months
    assert after is ELEVATOR


@pytest.mark.parametrize(
    ("category", "variety", "grade", "interval"),
    [
        ("4000", "4310", None, 12),  # tower crane: its class row
        ("4000", "4150", None, 12),  # metallurgical crane: its own row
        ("4000", "4110", None, 24),  # bridge crane: the category
        ("4000", "4D00", None, 24),  # parking equipment is a crane variety
        ("5000", "5210", None, 12),  # sightseeing car
        ("5000", "5110", None, 24),  # forklift
        ("2000", "2150", 1, 36),
        ("2000", "2150", 3, 36),
        ("2000", "2150", None, 36),
        ("8000", "8310", 2, 72),
        ("8000", "8310", 3, 36),
        ("8000", "8310", 4, 12),
        ("9000", "9110", None, 12),
        ("6000", "6200", None, 12),
    ],
)
def test_the_most_specific_rule_applies(
    category: str, variety: str, grade: int | None, interval: int
) -> None:
    rule = applicable_rule(
        SEED, category=category, variety=variety, safety_grade=grade, on=date(2026, 1, 1)
    )
    assert rule is not None
    assert rule.interval_months == interval


def test_no_rule_applies_to_a_category_without_periodic_inspection() -> None:
    assert (
        applicable_rule(
            SEED, category="7000", variety="7100", safety_grade=None, on=date(2026, 1, 1)
        )
        is None
    )


def test_grade_4_monitored_use_is_inspected_yearly_and_ends_after_three_years() -> None:
    rule = monitored_use_rule(SEED, category="2000", variety="2150", on=date(2026, 1, 1))
    assert rule is not None
    since = date(2024, 1, 15)

    def due_after(day: date) -> NextDue | None:
        return next_due(rule, inspected_on=day, commissioned_on=None, monitored_since=since)

    assert due_after(since) == NextDue(date(2025, 1, 15), DueKind.periodic)
    assert due_after(date(2026, 1, 10)) == NextDue(date(2027, 1, 10), DueKind.periodic)
    assert due_after(date(2026, 3, 1)) == NextDue(date(2027, 1, 15), DueKind.periodic)  # the cap
    assert due_after(date(2027, 1, 15)) is None  # three years used up
    assert latest_allowed_due(
        rule, inspected_on=date(2026, 3, 1), commissioned_on=None, monitored_since=since
    ) == date(2027, 1, 15)


def test_monitored_use_exists_only_where_the_regulation_has_it() -> None:
    assert monitored_use_rule(SEED, category="3000", variety="3110", on=date(2026, 1, 1)) is None


def test_a_rules_table_with_two_rows_for_one_key_or_a_foreign_variety_is_refused() -> None:
    crane = next(r for r in SEED if r.category == "4000" and r.variety is None)
    vessel_row = next(r for r in SEED if r.category == "2000" and r.safety_grade == 1)
    broken = [
        crane,
        crane,
        InspectionRule(**{**crane.__dict__, "variety": "3110"}),
        InspectionRule(**{**vessel_row.__dict__, "interval_months": None}),
        InspectionRule(**{**vessel_row.__dict__, "max_interval_months": 12, "safety_grade": 2}),
    ]
    codes = [(v.index, v.code) for v in check_rules(broken)]
    assert codes == [
        (1, RuleReason.duplicate_rule),
        (2, RuleReason.variety_not_in_category),
        (3, RuleReason.interval_required),
        (4, RuleReason.max_interval_below_interval),
    ]
