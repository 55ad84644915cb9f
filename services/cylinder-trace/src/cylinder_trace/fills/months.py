"""The fill partitions are made ahead: at start and then every `fill_months_check_interval_s`,
this month's and the next ones exist before the first fill of a month arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from cylinder_trace.fills.service import FillMonths
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.app import LifespanHook
from tzsb_common.cancellation import running_in_background
from tzsb_common.logging import get_logger

_log = get_logger(__name__)


def fill_months_hook(settings: CylinderTraceSettings) -> LifespanHook:
    zone = ZoneInfo(settings.business_timezone)

    async def keep_ahead(app: FastAPI, months: FillMonths) -> None:
        while True:
            await asyncio.sleep(settings.fill_months_check_interval_s)
            try:
                await months.ahead(app.state.database, datetime.now(zone).date())
            except Exception:  # the next pass tries again; a fill makes its month on demand
                _log.warning("fill partitions not made ahead", exc_info=True)

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        months = FillMonths(zone)
        app.state.fill_months = months
        try:
            await months.ahead(app.state.database, datetime.now(zone).date())
        except Exception:  # the database may be away at start; requests answer 503 meanwhile
            _log.warning("fill partitions not made ahead", exc_info=True)
        async with running_in_background(keep_ahead(app, months), name="fill-months"):
            yield

    return hook
