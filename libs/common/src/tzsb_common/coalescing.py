"""Small concurrent writes of one key written as one transaction (group commit in the service).

A maintenance company's swipes all extend its hash chain, and a station's fills all add to its
day: one transaction per request serialises every request of that key on one row, held from
the statement that takes it to the commit. Posted one by one by 32 terminals at once, a company
wrote some 220 swipes a second here, each waiting for the one before it.

`Coalescer.submit` runs a key's writes one transaction at a time. A request that finds none
running starts one at once, with its own items only (no added latency when it is quiet); the
requests that arrive for the key meanwhile wait, and the next transaction takes them all, up
to `max_items`, each answered with its own slice of the answers in the order sent. Under load
a transaction carries many requests, and the row is taken once for them.

Under load, the next transaction waits `gather_s` before it takes what waits. Terminals post
their next item as soon as they have their answer, so the answers of one transaction set off
a burst of posts; started at once, the next transaction took only the posts that were there
before the burst, and the burst waited for the whole of it. With 32 terminals of one company
posting one swipe each: about 16 posts a transaction and 1,200 posts a second written at once,
about 1,750 with a window of 1 ms (1,400 with 0.5 ms; 2 and 4 ms no better than 1). A
transaction that finds none running still starts at once.

What is shared: one transaction. PostgreSQL away fails every request of it, each answered as it
would have been alone. Any other failure may be one request's doing (a value the database
refuses): then each request of the transaction is written again alone, so only its own fails.
Items of two requests are judged as one batch: the second of two posts of one id is answered as
a duplicate of the first, as it is when the two commit one after the other.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tzsb_common.metrics import COALESCED_POSTS, COALESCED_TRANSACTIONS
from tzsb_common.problems import ServiceUnavailable, is_database_unavailable

K = TypeVar("K", bound=Hashable)
I = TypeVar("I")  # noqa: E741 (an item, beside K and R)
R = TypeVar("R")


@dataclass(slots=True)
class _Waiting(Generic[I, R]):
    items: Sequence[I]
    answer: asyncio.Future[list[R]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _unavailable(exc: Exception) -> bool:
    """PostgreSQL cannot be reached (or the pool has no connection to give): writing each
    request alone would only fail each again, later."""
    return isinstance(exc, ServiceUnavailable) or is_database_unavailable(exc)


def _stopping() -> ServiceUnavailable:
    return ServiceUnavailable("the service is stopping; post again", retry_after_s=1)


class Coalescer(Generic[K, I, R]):
    def __init__(
        self,
        write: Callable[[K, list[I]], Awaitable[Sequence[R]]],
        *,
        max_items: int,
        gather_s: float = 0.0,
        metric_labels: tuple[str, str] = ("", ""),
    ) -> None:
        """`write(key, items)` writes the items in one transaction and answers one result per
        item, in order. `gather_s`: how long a transaction that follows another of its key
        waits for posts to join it. `metric_labels`: the service and path the metrics count it
        under."""
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        if gather_s < 0:
            raise ValueError("gather_s must not be negative")
        self._gather_s = gather_s
        self._posts = COALESCED_POSTS.labels(*metric_labels)
        self._transactions = COALESCED_TRANSACTIONS.labels(*metric_labels)
        self._write = write
        self._max_items = max_items
        self._queues: dict[K, deque[_Waiting[I, R]]] = {}
        self._drains: set[asyncio.Task[None]] = set()

    @property
    def keys_running(self) -> int:
        return len(self._queues)

    async def submit(self, key: K, items: Sequence[I]) -> list[R]:
        """The answers to `items`, written with whatever else of `key` is waiting."""
        if not items:
            return []
        waiting: _Waiting[I, R] = _Waiting(items)
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(waiting)
        else:
            self._queues[key] = deque([waiting])
            # A context of its own: the transaction is no one request's (its log lines must not
            # carry the request id of whichever started it).
            drain = asyncio.get_running_loop().create_task(
                self._drain(key), name=f"coalesced writes {key!r}", context=contextvars.Context()
            )
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)
        # A request cancelled here (its client gone) cancels its answer only: a transaction
        # already writing its items goes on for the others.
        return await waiting.answer

    def _next_group(self, queue: deque[_Waiting[I, R]]) -> list[_Waiting[I, R]]:
        group: list[_Waiting[I, R]] = []
        size = 0
        while queue and (not group or size + len(queue[0].items) <= self._max_items):
            waiting = queue.popleft()
            if waiting.answer.cancelled():  # nobody to answer: its items are not written
                continue
            group.append(waiting)
            size += len(waiting.items)
        return group

    async def _drain(self, key: K) -> None:
        queue = self._queues[key]
        try:
            while queue:
                group = self._next_group(queue)
                if group:
                    await self._write_group(key, group)
                    if queue and self._gather_s:
                        await asyncio.sleep(self._gather_s)
        finally:
            del self._queues[key]
            for waiting in queue:  # only when this task is cancelled (the service stopping)
                if not waiting.answer.done():
                    waiting.answer.set_exception(_stopping())

    async def _write_group(self, key: K, group: list[_Waiting[I, R]]) -> None:
        self._posts.inc(len(group))
        self._transactions.inc()
        try:
            answers = await self._write(key, [item for waiting in group for item in waiting.items])
        except Exception as exc:
            if len(group) > 1 and not _unavailable(exc):
                for waiting in group:
                    if not waiting.answer.done():
                        await self._write_group(key, [waiting])
                return
            for waiting in group:
                if not waiting.answer.done():
                    waiting.answer.set_exception(exc)
            return
        except BaseException:  # cancelled: the service is stopping
            for waiting in group:
                if not waiting.answer.done():
                    waiting.answer.set_exception(_stopping())
            raise
        start = 0
        for waiting in group:
            end = start + len(waiting.items)
            if not waiting.answer.done():
                waiting.answer.set_result(list(answers[start:end]))
            start = end

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Let the transactions running finish (their requests are answered first when the
        server drains), then cancel what is left after `timeout_s`."""
        if not self._drains:
            return
        _, late = await asyncio.wait(set(self._drains), timeout=timeout_s)
        for drain in late:
            drain.cancel()
        await asyncio.gather(*late, return_exceptions=True)
