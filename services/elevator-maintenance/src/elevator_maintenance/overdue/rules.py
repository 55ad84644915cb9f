"""Overdue maintenance as dates (TSG T5002: the gap between two visits of an elevator in use
must not exceed 15 days, or the on-demand interval 按需维保 its contract sets).

An overdue spell of an elevator is named by its due date: the day its last visit ended plus
the allowed interval. It is overdue from the day after; the deadline machinery fires the one
stage `overdue` once per elevator and due date. A visit moves the due date, which ends the
spell: the next spell has another due date and fires again only when it, too, is missed.
`spell_dates` is the arithmetic of the rule's SQL (overdue.queries), for people and tests, and
agrees with `visits.rules.maintenance_standing`, which answers an elevator's standing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class OverdueStage(StrEnum):
    overdue = "overdue"  # 维保超期


@dataclass(frozen=True, slots=True)
class SpellDates:
    due_by: date
    """the last day the next visit may end; names the spell"""
    overdue_on: date
    """the first day the elevator is overdue"""


def spell_dates(last_visit_on: date, interval_days: int) -> SpellDates:
    due_by = last_visit_on + timedelta(days=interval_days)
    return SpellDates(due_by=due_by, overdue_on=due_by + timedelta(days=1))


def is_overdue(last_visit_on: date, interval_days: int, as_of: date) -> bool:
    return as_of >= spell_dates(last_visit_on, interval_days).overdue_on
