"""Pure tallies of swipes for the daily swipe statistics (刷卡统计). No I/O."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class CountedSwipe:
    """A swipe stored for the first time: when it was made, its status and rejection reasons."""

    at: datetime
    status: str
    """accepted | rejected"""
    reasons: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class DayTally:
    """What a batch adds to one company's day."""

    day: date
    accepted: int
    rejected: int
    rejected_by_reason: dict[str, int]


def business_day(at: datetime, zone: ZoneInfo) -> date:
    """The business date (Asia/Shanghai) of a swipe, as contracts and certificates judge it."""
    return at.astimezone(zone).date()


def daily_tallies(swipes: Iterable[CountedSwipe], zone: ZoneInfo) -> list[DayTally]:
    """Swipes accepted and rejected per business day, and rejections per day and reason (a
    swipe rejected for two reasons counts under both). Sorted by day, so that two transactions
    adding to the same days lock their rows in one order and never deadlock."""
    accepted: Counter[date] = Counter()
    rejected: Counter[date] = Counter()
    by_reason: dict[date, Counter[str]] = {}
    for swipe in swipes:
        day = business_day(swipe.at, zone)
        if swipe.status == ACCEPTED:
            accepted[day] += 1
        else:
            rejected[day] += 1
            by_reason.setdefault(day, Counter()).update(set(swipe.reasons))
    return [
        DayTally(
            day=day,
            accepted=accepted[day],
            rejected=rejected[day],
            rejected_by_reason=dict(sorted(by_reason.get(day, Counter()).items())),
        )
        for day in sorted(accepted.keys() | rejected.keys())
    ]


def merged_tallies(
    pending: Iterable[tuple[uuid.UUID, DayTally]],
) -> list[tuple[uuid.UUID, DayTally]]:
    """Tallies of many batches summed per company and day (reasons key by key), sorted by
    company and day: the order in which every fold locks the days, so two never deadlock."""
    sums: dict[tuple[uuid.UUID, date], tuple[int, int, Counter[str]]] = {}
    for company_id, tally in pending:
        accepted, rejected, by_reason = sums.get((company_id, tally.day), (0, 0, Counter()))
        by_reason.update(tally.rejected_by_reason)
        sums[(company_id, tally.day)] = (
            accepted + tally.accepted,
            rejected + tally.rejected,
            by_reason,
        )
    return [
        (company_id, DayTally(day, accepted, rejected, dict(sorted(by_reason.items()))))
        for (company_id, day), (accepted, rejected, by_reason) in sorted(sums.items())
    ]
