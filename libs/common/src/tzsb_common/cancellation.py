"""Stopping background loops reliably on Python 3.11."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Protocol


def raise_if_cancelled() -> None:
    """Python 3.11's `asyncio.wait_for` swallows a cancellation that arrives as its inner call
    completes (fixed in 3.12); the request stays counted on the task, so a loop that calls
    this on every turn stops instead of running on while its service shuts down, and keeping
    the shutdown waiting for it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


@asynccontextmanager
async def running_in_background(
    work: Coroutine[Any, Any, None], *, name: str
) -> AsyncIterator[None]:
    """Run `work` as a task while the block runs; on leaving it, cancel the task and wait until
    it has stopped, so a lifespan hook hands back nothing still running."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class WarningLog(Protocol):
    """A standard-library or structlog logger."""

    def warning(self, msg: str, /, *args: Any, **kwargs: Any) -> Any: ...


async def repeat_every(
    interval_s: float,
    work: Callable[[], Awaitable[object]],
    *,
    log: WarningLog,
    failure: str,
) -> None:
    """Run `work` now, then `interval_s` after each pass ends, until cancelled. A pass that
    fails is logged (`failure`, a warning with its traceback) and the next one tries again: a
    background pass outlives an outage of PostgreSQL or Kafka."""
    while True:
        raise_if_cancelled()
        try:
            await work()
        except Exception:
            log.warning(failure, exc_info=True)
        await asyncio.sleep(interval_s)
