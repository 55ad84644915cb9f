"""The runner's supervision of one child: exits are reported, restarts back off, a stop ends it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from tzsb_platform.settings import PlatformSettings
from tzsb_platform.up import _Child, _keep_running


class FlakyChild:
    """Exits right after each start, `exits` times, then stays up."""

    def __init__(self, exits: int, *, failing_restarts: int = 0) -> None:
        self.exits_left = exits
        self.failing_restarts = failing_restarts
        self.running = False
        self.restarts = 0
        self.settled = asyncio.Event()
        """Set once it is up for good."""

    def exit_code(self) -> int | Literal["exited"] | None:
        if self.running and self.exits_left > 0:
            self.exits_left -= 1
            self.running = False
        return None if self.running else -9

    async def restart(self) -> None:
        self.restarts += 1
        if self.failing_restarts > 0:
            self.failing_restarts -= 1
            raise RuntimeError("port 9092 on 127.0.0.1 is already in use\nmore detail")
        self.running = True
        if self.exits_left == 0:
            self.settled.set()


def _settings(tmp_path: Path) -> PlatformSettings:
    return PlatformSettings(
        state_dir=tmp_path, restart_backoff_initial_s=0.01, restart_backoff_max_s=0.04
    )


async def _supervise_until_settled(child: FlakyChild, lines: list[str], tmp_path: Path) -> None:
    stop = asyncio.Event()
    supervised = _Child("kafka", tmp_path / "kafka.log", child.exit_code, child.restart)
    watcher = asyncio.create_task(
        _keep_running(supervised, _settings(tmp_path), stop, lines.append)
    )
    try:
        await asyncio.wait_for(child.settled.wait(), timeout=30)
        await asyncio.sleep(1.2)  # more rounds of watching: a child that stays up is left alone
    finally:
        stop.set()
        await watcher


async def test_a_child_that_exits_is_reported_and_restarted_with_a_growing_delay(
    tmp_path: Path,
) -> None:
    child = FlakyChild(exits=3)
    child.running = True
    lines: list[str] = []

    await _supervise_until_settled(child, lines, tmp_path)

    exits = [line for line in lines if "exited" in line]
    assert [line.split("restarting in ")[1].split(" s")[0] for line in exits] == [
        "0.01",
        "0.02",
        "0.04",
    ]
    assert exits[0] == f"kafka exited with code -9; restarting in 0.01 s (log {tmp_path}/kafka.log)"
    assert child.restarts == 3
    assert lines.count("kafka restarted") == 3


async def test_a_restart_that_fails_is_reported_in_one_line_and_tried_again(
    tmp_path: Path,
) -> None:
    child = FlakyChild(exits=0, failing_restarts=2)
    lines: list[str] = []

    await _supervise_until_settled(child, lines, tmp_path)

    assert lines.count("kafka did not restart: port 9092 on 127.0.0.1 is already in use") == 2
    assert child.restarts == 3
    assert child.running
