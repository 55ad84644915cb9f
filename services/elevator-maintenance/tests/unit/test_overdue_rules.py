"""Overdue spells as dates, agreeing with an elevator's maintenance standing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from elevator_maintenance.overdue.rules import is_overdue, spell_dates
from elevator_maintenance.visits.rules import maintenance_standing

LAST = date(2026, 11, 1)


def test_a_spell_is_named_by_the_last_day_allowed_and_starts_the_day_after() -> None:
    dates = spell_dates(LAST, 15)
    assert dates.due_by == date(2026, 11, 16)
    assert dates.overdue_on == date(2026, 11, 17)


def test_the_fifteenth_day_is_in_time_and_the_sixteenth_overdue() -> None:
    assert not is_overdue(LAST, 15, LAST + timedelta(days=15))
    assert is_overdue(LAST, 15, LAST + timedelta(days=16))


def test_an_on_demand_interval_moves_the_spell() -> None:
    assert not is_overdue(LAST, 30, LAST + timedelta(days=16))
    assert spell_dates(LAST, 30).overdue_on == LAST + timedelta(days=31)


@pytest.mark.parametrize("days_after", [0, 14, 15, 16, 40])
@pytest.mark.parametrize("interval", [None, 30])
def test_the_scan_and_the_standing_agree(days_after: int, interval: int | None) -> None:
    as_of = LAST + timedelta(days=days_after)
    standing = maintenance_standing(LAST, interval_days=interval, today=as_of)
    assert is_overdue(LAST, standing.interval_days, as_of) == (standing.overdue_since is not None)
    if standing.overdue_since is not None:
        assert standing.overdue_since == spell_dates(LAST, standing.interval_days).overdue_on
