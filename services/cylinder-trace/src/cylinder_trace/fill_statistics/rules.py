"""Pure tallies of fills for the daily statistics (充装统计). No I/O."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

ACCEPTED = "accepted"


class CountedFill(NamedTuple):
    """A fill stored for the first time: its business day, status, refusal reasons and
    medium. A tuple, so a batch's fills are grouped by hashing them in C."""

    day: date
    status: str
    reasons: tuple[str, ...]
    medium: str


@dataclass(frozen=True, slots=True)
class DailyTallies:
    """What a batch adds to one station's statistics, sorted by day, so that two transactions
    adding to the same rows lock them in one order and never deadlock. The counts by medium and
    by reason are JSON objects, one per day (the statement merges them key by key)."""

    days: list[date]
    accepted: list[int]
    refused: list[int]
    accepted_by_medium: list[str]
    refused_by_medium: list[str]
    refused_by_reason: list[str]

    @property
    def empty(self) -> bool:
        return not self.days


def daily_tallies(fills: Iterable[CountedFill]) -> DailyTallies:
    """Fills accepted and refused per day, in all and per medium, and refusals per day and
    reason."""
    accepted: Counter[date] = Counter()
    refused: Counter[date] = Counter()
    accepted_media: dict[date, Counter[str]] = {}
    refused_media: dict[date, Counter[str]] = {}
    by_reason: dict[date, Counter[str]] = {}
    # A batch holds a handful of distinct (day, status, reasons, medium): count those.
    for (day, status, reasons, medium), n in Counter(fills).items():
        if status == ACCEPTED:
            accepted[day] += n
            accepted_media.setdefault(day, Counter())[medium] += n
        else:
            refused[day] += n
            refused_media.setdefault(day, Counter())[medium] += n
            day_reasons = by_reason.setdefault(day, Counter())
            for reason in reasons:
                day_reasons[reason] += n
    days = sorted(accepted.keys() | refused.keys())
    return DailyTallies(
        days=days,
        accepted=[accepted[day] for day in days],
        refused=[refused[day] for day in days],
        accepted_by_medium=[_counts_json(accepted_media.get(day)) for day in days],
        refused_by_medium=[_counts_json(refused_media.get(day)) for day in days],
        refused_by_reason=[_counts_json(by_reason.get(day)) for day in days],
    )


def _counts_json(counts: Counter[str] | None) -> str:
    return json.dumps(dict(sorted(counts.items())) if counts else {})
