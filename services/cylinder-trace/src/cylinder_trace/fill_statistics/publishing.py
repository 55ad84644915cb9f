"""Publishing the daily fill statistics: every `FILL_STATISTICS_PUBLISH_INTERVAL_S`, each
station-day whose counts changed since it was last published goes out once with its totals
(`tzsb.cylinder.fill_statistics.v1`), through the outbox in the transaction that marks it
published.

Why not in the transaction that stores the fills: the station-day's row is locked from the
batch's count to its commit, and every batch of the station waits for it; an outbox write in
that window made each one wait longer (single fills fell from some 480 to 240 a second here).
A pass also folds every batch of a second into one event. Replicas may run passes at once:
each claims its days with SKIP LOCKED, and a day a batch holds is left for the next pass.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from cylinder_trace.fill_statistics import queries
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.app import LifespanHook
from tzsb_common.cancellation import repeat_every, running_in_background
from tzsb_common.contracts import cylinder as contract
from tzsb_common.events import CloudEvent
from tzsb_common.logging import get_logger
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database

_log = get_logger(__name__)
DAYS_PER_TRANSACTION = 500


def _event(row: dict[str, Any], source: str) -> tuple[CloudEvent, str]:
    station_id: uuid.UUID = row["station_id"]
    payload = contract.FillStatisticsV1(
        statistics=contract.FillDayStatistics(
            station_id=station_id,
            day=row["day"],
            accepted=row["accepted"],
            refused=row["refused"],
            accepted_by_medium=row["accepted_by_medium"],
            refused_by_medium=row["refused_by_medium"],
            refused_by_reason=row["refused_by_reason"],
            version=row["version"],
        )
    )
    subject = contract.fill_statistics_subject(station_id, row["day"])
    return payload.to_event(source=source, subject=subject), payload.topic


async def publish_changed_days(database: Database, outbox: Outbox) -> int:
    """Publish every station-day changed since it was last published, `DAYS_PER_TRANSACTION`
    to a transaction; returns how many."""
    published = 0
    source = outbox.settings.service_name
    while True:
        async with database.transaction() as conn:
            days = await queries.claim_unpublished(conn, DAYS_PER_TRANSACTION)
            if days:
                await outbox.add_events_on_connection(conn, [_event(day, source) for day in days])
        published += len(days)
        if len(days) < DAYS_PER_TRANSACTION:
            return published


def fill_statistics_publishing_hook(settings: CylinderTraceSettings) -> LifespanHook:
    async def keep_publishing(app: FastAPI) -> None:
        # PostgreSQL away: the days stay unpublished until a pass works.
        await repeat_every(
            settings.fill_statistics_publish_interval_s,
            lambda: publish_changed_days(app.state.database, app.state.outbox),
            log=_log,
            failure="fill statistics not published",
        )

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        if not settings.run_background_workers:
            yield
            return
        async with running_in_background(keep_publishing(app), name="fill-statistics-publishing"):
            yield

    return hook
