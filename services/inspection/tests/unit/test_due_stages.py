"""The due workflow's stage dates at the calendar's edges: month ends, leap days, year ends."""

from __future__ import annotations

from datetime import date

import pytest

from inspection.due.rules import DueStage, stage_dates, stage_in_effect


@pytest.mark.parametrize(
    ("due_on", "reminder", "warning", "overdue"),
    [
        # Two calendar months back from a day the earlier month lacks ends at its last day.
        (date(2026, 4, 30), date(2026, 2, 28), date(2026, 4, 1), date(2026, 5, 1)),
        (date(2028, 4, 30), date(2028, 2, 29), date(2028, 4, 1), date(2028, 5, 1)),
        (date(2026, 4, 29), date(2026, 2, 28), date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 3, 31), date(2026, 1, 31), date(2026, 3, 1), date(2026, 4, 1)),
        (date(2026, 12, 31), date(2026, 10, 31), date(2026, 12, 1), date(2027, 1, 1)),
        # Across the year, and a leap day's own due date.
        (date(2027, 1, 15), date(2026, 11, 15), date(2027, 1, 1), date(2027, 1, 16)),
        (date(2028, 2, 29), date(2027, 12, 29), date(2028, 2, 1), date(2028, 3, 1)),
        # Due on the first of a month: the warning and the due date are the same day.
        (date(2026, 6, 1), date(2026, 4, 1), date(2026, 6, 1), date(2026, 6, 2)),
    ],
)
def test_each_stage_falls_on_its_day(
    due_on: date, reminder: date, warning: date, overdue: date
) -> None:
    assert stage_dates(due_on, reminder_months=2) == {
        DueStage.reminder: reminder,
        DueStage.warning: warning,
        DueStage.overdue: overdue,
    }


def test_the_stage_in_effect_moves_on_at_each_stage_day_and_not_before() -> None:
    due_on = date(2026, 4, 30)
    days = {
        date(2026, 2, 27): None,
        date(2026, 2, 28): DueStage.reminder,
        date(2026, 3, 31): DueStage.reminder,
        date(2026, 4, 1): DueStage.warning,
        date(2026, 4, 30): DueStage.warning,  # the due date itself is not yet overdue
        date(2026, 5, 1): DueStage.overdue,
        date(2027, 5, 1): DueStage.overdue,
    }
    for as_of, stage in days.items():
        assert stage_in_effect(due_on, as_of, reminder_months=2) is stage, as_of


def test_a_longer_lead_time_reminds_earlier() -> None:
    assert stage_dates(date(2026, 8, 31), reminder_months=3)[DueStage.reminder] == date(2026, 5, 31)
    assert stage_dates(date(2026, 5, 31), reminder_months=3)[DueStage.reminder] == date(2026, 2, 28)
