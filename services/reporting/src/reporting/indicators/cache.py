"""Answers to report requests kept for a short while, per process.

A report over every elevator of a province reads every elevator's row however it is indexed;
the bureau's dashboards and exports ask the same question again and again within minutes,
while the read models behind it change only as events arrive. Each answer is kept for
`report_cache_seconds` (0 turns this off), so a repeated request costs a dictionary lookup; a
figure is at most that much older than the read models, which themselves trail the events.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Annotated, Any

from fastapi import Depends, Request


class ReportCache:
    def __init__(
        self,
        ttl_s: float,
        *,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        self._entries[key] = (self._clock() + self.ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop the answers a change in this process made stale (a bonus awarded here)."""
        for key in [k for k in self._entries if predicate(k)]:
            del self._entries[key]


async def _report_cache(request: Request) -> ReportCache:
    state = request.app.state
    cache: ReportCache | None = getattr(state, "report_cache", None)
    if cache is None:
        cache = ReportCache(state.settings.report_cache_seconds)
        state.report_cache = cache
    return cache


CurrentReportCache = Annotated[ReportCache, Depends(_report_cache)]
