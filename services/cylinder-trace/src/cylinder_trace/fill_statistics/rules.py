"""Pure tallies of fills for the daily statistics (充装统计). No I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class CountedFill:
    """A fill stored for the first time: its business day, status and refusal reasons."""

    day: date
    status: str
    reasons: Sequence[str]


@dataclass(frozen=True, slots=True)
class DailyTallies:
    """What a batch adds to one station's statistics, sorted by day (then reason), so that two
    transactions adding to the same rows lock them in one order and never deadlock."""

    days: list[date]
    accepted: list[int]
    refused: list[int]
    reason_days: list[date]
    reasons: list[str]
    reason_fills: list[int]

    @property
    def empty(self) -> bool:
        return not self.days


def daily_tallies(fills: Iterable[CountedFill]) -> DailyTallies:
    """Fills accepted and refused per day, and refusals per day and reason."""
    accepted: Counter[date] = Counter()
    refused: Counter[date] = Counter()
    by_reason: Counter[tuple[date, str]] = Counter()
    for fill in fills:
        if fill.status == ACCEPTED:
            accepted[fill.day] += 1
        else:
            refused[fill.day] += 1
            by_reason.update((fill.day, reason) for reason in fill.reasons)
    days = sorted(accepted.keys() | refused.keys())
    reason_keys = sorted(by_reason)
    return DailyTallies(
        days=days,
        accepted=[accepted[day] for day in days],
        refused=[refused[day] for day in days],
        reason_days=[day for day, _ in reason_keys],
        reasons=[reason for _, reason in reason_keys],
        reason_fills=[by_reason[key] for key in reason_keys],
    )
