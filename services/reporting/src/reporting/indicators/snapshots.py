"""Keeps the stored indicator counts of the current and recent periods fresh in the background.

The counts of a period over every elevator take seconds on a million elevators (10–35 s of a
core on this two-core machine); a request finds them stored (`indicator_snapshots`) and sums a
few rows instead. This loop counts ahead, at start and every half `indicator_snapshot_seconds`,
the calendar month, quarter and year holding today, so their first request (a dashboard, the
year's report) never waits for a count; and it counts again, before they expire, the other
stored periods that ended within the last two months, which were asked for before. A period
outside both is counted by its first request and stored from then on. The price is a full
count per such period every half `indicator_snapshot_seconds` — three calendar periods on a
million elevators at the default 300 s keep a core busy a fifth of the time or more; a longer
setting trades freshness for that load. Several replicas may each refresh: the counts are the
same and the last write wins, so nothing is locked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from reporting.indicators import service
from reporting.settings import ReportingSettings
from tzsb_common.app import LifespanHook
from tzsb_common.cancellation import repeat_every, running_in_background

_log = logging.getLogger(__name__)


def snapshot_refresh_hook(settings: ReportingSettings) -> LifespanHook:
    zone = ZoneInfo(settings.business_timezone)

    async def refresh(app: FastAPI) -> None:
        today = datetime.now(zone).date()
        for counting in (service.count_calendar_periods_ahead, service.refresh_recent_snapshots):
            await counting(
                app.state.database,
                today=today,
                snapshot_seconds=settings.indicator_snapshot_seconds,
                default_interval_days=settings.maintenance_interval_days,
                count_timeout_s=settings.indicator_count_timeout_s,
            )

    async def keep_fresh(app: FastAPI) -> None:
        # A failed pass: the next one tries again; a request counts on its own meanwhile.
        await repeat_every(
            settings.indicator_snapshot_seconds / 2,
            lambda: refresh(app),
            log=_log,
            failure="indicator counts not refreshed",
        )

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        if settings.indicator_snapshot_seconds <= 0 or not settings.run_background_workers:
            yield
            return
        async with running_in_background(keep_fresh(app), name="indicator-snapshots"):
            yield

    return hook
