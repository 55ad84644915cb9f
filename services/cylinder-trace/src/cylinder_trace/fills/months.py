"""The monthly partitions of `fills`: made ahead at start and then every
`fill_months_check_interval_s`, so this month's and the next ones exist before the first fill of
a month arrives, and on demand for a late fill of an older month."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from cylinder_trace.fills import queries
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.app import LifespanHook
from tzsb_common.cancellation import running_in_background
from tzsb_common.logging import get_logger
from tzsb_common.pg import Database

_log = get_logger(__name__)
MONTHS_AHEAD = 2


def month_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=zone)


def next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def partition_name(start: datetime) -> str:
    return f"fills_{start.year:04d}_{start.month:02d}"


class FillMonths:
    """The monthly partitions of `fills` that exist, created ahead (this month and the next
    `MONTHS_AHEAD`) and on demand for a late fill of an older month. Remembered once seen, so
    the request path asks the database only about a month it has not met."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._known: set[str] = set()
        self._lock = asyncio.Lock()

    def month_of(self, day: date) -> datetime:
        """The month of a business day."""
        return month_start(day, self.zone)

    async def ensure(self, database: Database, months: Iterable[datetime]) -> None:
        missing = {m for m in months if partition_name(m) not in self._known}
        if not missing:
            return
        async with self._lock:
            async with database.connection() as conn:
                self._known |= await queries.month_partitions(conn)
            for start in sorted(missing):
                name = partition_name(start)
                if name in self._known:
                    continue
                async with database.transaction() as conn:
                    await queries.create_month_partition(conn, name, start, next_month(start))
                _log.info("fill partition created", partition=name)
                self._known.add(name)

    async def ahead(self, database: Database, today: date) -> None:
        start = month_start(today, self.zone)
        months = [start]
        for _ in range(MONTHS_AHEAD):
            months.append(next_month(months[-1]))
        await self.ensure(database, months)


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
