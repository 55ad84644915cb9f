"""The connections swipes are written on.

Batches go in with binary COPY (tzsb_common.bulk), also into the idempotency table's jsonb
columns. The shared request pool (tzsb_common.pg) decodes jsonb with a text-format codec, which
binary COPY cannot use; so ingestion has a pool of its own that keeps asyncpg's own codecs
(jsonb as JSON text in binary format, as `connect_outside_pool` does for one connection), with
the same time-outs. Nothing on this path reads jsonb back as objects: the bulk writer parses
the stored outcomes itself.

Small posts of one company (and API client) are written together (tzsb_common.coalescing):
every one of them extends the company's hash chain, so written one transaction each they
would queue on its head.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, Request

from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipes.schemas import InvalidSwipe, SwipeIn
from elevator_maintenance.swipes.service import SwipeAnswer, ingest_swipes
from tzsb_common.coalescing import Coalescer
from tzsb_common.db import asyncpg_dsn, connect_args
from tzsb_common.pg import Database

SwipeSource = tuple[uuid.UUID, str]
"""The company and the API client a post's swipes come from (a key of the shared writes)."""
SwipeWrites = Coalescer[SwipeSource, SwipeIn | InvalidSwipe, SwipeAnswer]
WriteSwipes = Callable[[SwipeSource, list[SwipeIn | InvalidSwipe]], Awaitable[list[SwipeAnswer]]]
"""Writes a post's items (malformed ones answered, not stored): one answer per item, in order."""


def _write_alone(app: FastAPI) -> WriteSwipes:
    settings: ElevatorMaintenanceSettings = app.state.settings

    async def write(
        source: SwipeSource, items: Sequence[SwipeIn | InvalidSwipe]
    ) -> list[SwipeAnswer]:
        company_id, client_id = source
        return await ingest_swipes(
            app.state.ingestion,
            app.state.outbox,
            company_id=company_id,
            client_id=client_id,
            items=items,
            settings=settings,
        )

    return write


def _swipe_writes(app: FastAPI) -> SwipeWrites:
    settings: ElevatorMaintenanceSettings = app.state.settings
    return Coalescer(
        _write_alone(app),
        max_items=settings.max_batch_items,
        gather_s=settings.swipe_coalesce_gather_ms / 1000,
        metric_labels=(settings.service_name, "/api/v1/swipes"),
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing on this path sets session state (see tzsb_common.pg._keep_session)."""


@contextlib.asynccontextmanager
async def ingestion_pool(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan hook: `app.state.ingestion` and `app.state.swipe_writes` while the app
    runs."""
    settings: ElevatorMaintenanceSettings = app.state.settings
    arguments = connect_args(settings)
    arguments["server_settings"]["application_name"] = f"{settings.service_name}-ingest"
    # Every statement here reads a few index entries per swipe. Estimated over the batch, some
    # cross the parallel-plan threshold, and starting two workers then cost 5 ms where the
    # statement itself took under 1 ms.
    arguments["server_settings"]["max_parallel_workers_per_gather"] = "0"
    pool: asyncpg.Pool = await asyncpg.create_pool(
        asyncpg_dsn(settings.database_url),
        min_size=0,
        max_size=settings.swipe_pool_size,
        reset=_keep_session,
        max_inactive_connection_lifetime=300,
        **arguments,
    )
    app.state.ingestion = Database(pool, acquire_timeout_s=settings.database_pool_timeout_s)
    app.state.swipe_writes = _swipe_writes(app)
    try:
        yield
    finally:
        await app.state.swipe_writes.stop()
        try:
            await asyncio.wait_for(pool.close(), timeout=10)
        except TimeoutError:
            pool.terminate()


async def _swipe_writer(request: Request) -> WriteSwipes:
    """Small posts through the company's shared transactions, larger ones alone."""
    app = request.app
    settings: ElevatorMaintenanceSettings = app.state.settings
    writes: SwipeWrites = app.state.swipe_writes
    alone = _write_alone(app)

    async def write(source: SwipeSource, items: list[SwipeIn | InvalidSwipe]) -> list[SwipeAnswer]:
        if len(items) <= settings.swipe_coalesce_max_items:
            return await writes.submit(source, items)
        return await alone(source, items)

    return write


SwipeWriter = Annotated[WriteSwipes, Depends(_swipe_writer)]
