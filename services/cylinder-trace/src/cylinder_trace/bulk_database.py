"""A second, small pool for the batch paths, with asyncpg's own codecs.

The bulk-write primitive COPYs the idempotency keys, whose outcome columns are jsonb; COPY
needs jsonb's binary codec, which the shared pool replaces with a text one (tzsb_common.pg).
Connecting per request (`connect_outside_pool`) would cost a connection set-up per fill posted
alone, so the fill path keeps a pool of such connections, built in the lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, Request

from tzsb_common.app import LifespanHook
from tzsb_common.db import asyncpg_dsn, connect_args
from tzsb_common.pg import Database
from tzsb_common.settings import ServiceSettings


async def create_bulk_pool(settings: ServiceSettings) -> asyncpg.Pool:
    arguments = connect_args(settings)
    arguments["server_settings"]["application_name"] = f"{settings.service_name}-bulk"
    pool: asyncpg.Pool = await asyncpg.create_pool(
        asyncpg_dsn(settings.database_url),
        min_size=0,
        max_size=settings.database_pool_size,
        max_inactive_connection_lifetime=300,
        **arguments,
    )
    return pool


def bulk_database_hook(settings: ServiceSettings) -> LifespanHook:
    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_bulk_pool(settings)
        app.state.bulk_database = Database(pool, acquire_timeout_s=settings.database_pool_timeout_s)
        try:
            yield
        finally:
            await pool.close()

    return hook


async def _bulk_database(request: Request) -> Database:
    database: Database = request.app.state.bulk_database
    return database


BulkDatabase = Annotated[Database, Depends(_bulk_database)]
"""The batch paths' database: connections that can COPY into jsonb columns."""
