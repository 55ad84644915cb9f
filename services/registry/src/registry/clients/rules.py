"""Pure decisions about API clients (接口客户端) and the token endpoint."""

from __future__ import annotations

import math
import re
from enum import StrEnum

CLIENT_ID_PATTERN = re.compile(r"tzsb_[0-9a-f]{24}")


class ClientRefusal(StrEnum):
    """Why a new client is refused. Values are stable API."""

    client_limit_reached = "client_limit_reached"


def check_new_client(*, active_clients: int, max_clients: int) -> ClientRefusal | None:
    """An organisation holds at most `max_clients` unrevoked clients: each is a credential the
    bureau must track, and an unbounded number is an unbounded attack surface."""
    if active_clients >= max_clients:
        return ClientRefusal.client_limit_reached
    return None


def is_well_formed_client_id(client_id: str) -> bool:
    return CLIENT_ID_PATTERN.fullmatch(client_id) is not None


class SlidingWindowLimit:
    """At most `limit` events per key in any `window_s` seconds, approximated the usual way:
    the current fixed window's count plus the previous one's, weighted by how much of it still
    overlaps the sliding window. Pure: the caller passes the time."""

    def __init__(self, *, limit: int, window_s: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._counts: dict[str, tuple[int, int, int]] = {}  # key -> (window, count, previous)

    def hit(self, key: str, now: float) -> int | None:
        """Counts one event; None if allowed, else the seconds to wait before a retry."""
        window = int(now // self.window_s)
        started, count, previous = self._counts.get(key, (window, 0, 0))
        if started != window:
            previous = count if started == window - 1 else 0
            started, count = window, 0
        elapsed = now / self.window_s - window
        estimate = previous * (1.0 - elapsed) + count
        if estimate >= self.limit:
            self._counts[key] = (started, count, previous)
            if previous == 0 or count >= self.limit:
                return max(1, math.ceil((1.0 - elapsed) * self.window_s))
            # The previous window's share shrinks as time passes; wait until it is small enough.
            needed = 1.0 - (self.limit - count - 1) / previous
            return max(1, math.ceil((needed - elapsed) * self.window_s))
        self._counts[key] = (started, count + 1, previous)
        if len(self._counts) > self.max_keys:
            self._forget_old(window)
        return None

    def _forget_old(self, window: int) -> None:
        # Keys idle for two windows carry no weight any more.
        stale = [key for key, (started, _, _) in self._counts.items() if started < window - 1]
        for key in stale:
            del self._counts[key]
        if len(self._counts) > self.max_keys:  # a flood of distinct keys: start afresh
            self._counts.clear()
