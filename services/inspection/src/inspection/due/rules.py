"""The three-step due workflow (the Lanzhou report), as dates.

1. reminder 提醒 — two calendar months before the due date (`due_reminder_months`);
2. warning 预警 — on the first day of the due month, with a supervision order drafted;
3. overdue 超期 — the day after the due date: a major hazard 超期未检 and an order to stop use.

Each stage is in effect from its date until the next stage's; the deadline machinery fires the
stage in effect once per equipment and due date. `stage_dates` is the same arithmetic as the
SQL of the rule (`due.queries.due_rule`), for people and tests to read.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from inspection.inspection_rules.rules import add_months


class DueStage(StrEnum):
    reminder = "reminder"
    warning = "warning"
    overdue = "overdue"


def stage_dates(due_on: date, *, reminder_months: int) -> dict[DueStage, date]:
    return {
        DueStage.reminder: add_months(due_on, -reminder_months),
        DueStage.warning: due_on.replace(day=1),
        DueStage.overdue: due_on + timedelta(days=1),
    }


def stage_in_effect(due_on: date, as_of: date, *, reminder_months: int) -> DueStage | None:
    in_effect = None
    for stage, starts in stage_dates(due_on, reminder_months=reminder_months).items():
        if as_of >= starts:
            in_effect = stage
    return in_effect
