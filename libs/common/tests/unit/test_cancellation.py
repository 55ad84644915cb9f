"""A background loop stops on the first cancellation, even one an inner call swallowed, and
work run beside a block has stopped when the block is left."""

from __future__ import annotations

import asyncio
import contextlib

from tzsb_common.cancellation import raise_if_cancelled, repeat_every, running_in_background


async def test_a_loop_stops_after_its_cancellation_was_swallowed_once() -> None:
    turns = 0

    async def loop() -> None:
        nonlocal turns
        while True:
            raise_if_cancelled()
            turns += 1
            # What Python 3.11's wait_for does when its inner call has just finished:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(10)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    try:
        assert task.cancelled()
        assert turns == 1
    finally:
        task.cancel()


async def test_a_task_nobody_cancelled_goes_on() -> None:
    async def once() -> str:
        raise_if_cancelled()
        return "went on"

    assert await once() == "went on"


async def test_work_runs_while_the_block_does_and_has_stopped_when_it_is_left() -> None:
    started, stopped = asyncio.Event(), asyncio.Event()

    async def work() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    async with running_in_background(work(), name="work"):
        await asyncio.wait_for(started.wait(), timeout=5)
        assert not stopped.is_set()
    assert stopped.is_set()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "work"]


async def test_a_repeated_pass_that_fails_is_logged_and_the_next_one_runs() -> None:
    passes = 0
    third = asyncio.Event()
    warnings: list[str] = []

    class Log:
        def warning(self, event: str, **_: object) -> None:
            warnings.append(event)

    async def work() -> None:
        nonlocal passes
        passes += 1
        if passes == 3:
            third.set()
        if passes == 1:
            raise ConnectionError("database away")

    task = asyncio.create_task(repeat_every(0.001, work, log=Log(), failure="pass failed"))
    await asyncio.wait_for(third.wait(), timeout=5)
    task.cancel()
    await asyncio.wait({task}, timeout=5)

    assert task.cancelled()
    assert warnings == ["pass failed"]
