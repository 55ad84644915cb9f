"""Stopping background loops reliably on Python 3.11."""

from __future__ import annotations

import asyncio


def raise_if_cancelled() -> None:
    """Python 3.11's `asyncio.wait_for` swallows a cancellation that arrives as its inner call
    completes (fixed in 3.12); the request stays counted on the task, so a loop that calls
    this on every turn stops instead of running on while its service shuts down, and keeping
    the shutdown waiting for it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
