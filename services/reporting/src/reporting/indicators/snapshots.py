"""Keeps the stored indicator counts of recent periods fresh in the background.

The counts of a period over every elevator take seconds on a million elevators; a request finds
them stored (`indicator_snapshots`) when a count of that period was asked for before. This loop
counts the recent stored periods again before they expire, so the dashboards' repeated
questions never wait for a count. Its price is a full count per recent stored period every
half `indicator_snapshot_seconds` (on a million elevators 25–35 s of one core on a shared
two-core machine, so a few periods at the default 300 s keep a core busy a fifth of the time
or more); a longer setting trades freshness for that load. Several replicas may each
refresh: the counts are the same and the last write wins, so nothing is locked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from reporting.indicators import service
from reporting.settings import ReportingSettings
from tzsb_common.app import LifespanHook

_log = logging.getLogger(__name__)


def snapshot_refresh_hook(settings: ReportingSettings) -> LifespanHook:
    zone = ZoneInfo(settings.business_timezone)

    async def keep_fresh(app: FastAPI) -> None:
        while True:
            await asyncio.sleep(settings.indicator_snapshot_seconds / 2)
            try:
                await service.refresh_recent_snapshots(
                    app.state.database,
                    today=datetime.now(zone).date(),
                    snapshot_seconds=settings.indicator_snapshot_seconds,
                    default_interval_days=settings.maintenance_interval_days,
                    count_timeout_s=settings.indicator_count_timeout_s,
                )
            except Exception:  # the next pass tries again; a request counts on its own meanwhile
                _log.warning("indicator counts not refreshed", exc_info=True)

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        if settings.indicator_snapshot_seconds <= 0 or not settings.run_background_workers:
            yield
            return
        task = asyncio.create_task(keep_fresh(app), name="indicator-snapshots")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return hook
