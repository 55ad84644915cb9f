"""Keeping the swipes table's monthly partitions made ahead of time."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipes.service import keep_partitions
from tzsb_common.logging import get_logger

log = get_logger(__name__)


async def _keep_once(app: FastAPI) -> bool:
    settings: ElevatorMaintenanceSettings = app.state.settings
    zone = ZoneInfo(settings.business_timezone)
    try:
        made = await keep_partitions(
            app.state.database,
            today=datetime.now(zone).date(),
            zone=zone,
            ahead=settings.swipe_partitions_ahead_months,
        )
    except Exception as exc:  # the database away: the next pass makes them
        log.warning("cannot make swipe partitions yet", error=f"{type(exc).__name__}: {exc}")
        return False
    if made:
        log.info("swipe partitions made", partitions=made)
    return True


async def _keep_running(app: FastAPI, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s * random.uniform(0.9, 1.1))
        await _keep_once(app)


@contextlib.asynccontextmanager
async def swipe_partitions(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan hook: the partitions are made before the first request is served (the
    months around today, and the default partition that takes any other time), and then
    checked every `swipe_partition_check_interval_s`, retried sooner after a failure."""
    settings: ElevatorMaintenanceSettings = app.state.settings
    ready = await _keep_once(app)
    interval = settings.swipe_partition_check_interval_s if ready else 5.0
    task = asyncio.create_task(_keep_running(app, interval), name="swipe-partitions")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
