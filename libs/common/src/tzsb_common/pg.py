"""Raw asyncpg for the hot request paths.

SQLAlchemy's async session costs about a quarter of a single-record request here (statement
compilation, result processing, the greenlet hop); the hot paths — single-record reads and
writes, batch ingestion — talk to asyncpg directly with statements written once as constants,
which asyncpg prepares once per connection and caches. Everything else may keep the ORM.

The pool is built in the app's lifespan (never at import) beside the SQLAlchemy engine; a
request borrows one connection through the `DbConnection` dependency, and the service function
it is handed to opens the transaction (`async with conn.transaction():`) — routes never do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request

from tzsb_common.db import asyncpg_dsn
from tzsb_common.settings import ServiceSettings

Connection = asyncpg.Connection
"""asyncpg's connection, under a name routes and services can import from one place."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, like SQLAlchemy's JSONB type does.
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        asyncpg_dsn(settings.database_url),
        min_size=0,
        max_size=settings.database_pool_size,
        init=_init_connection,
        server_settings={"application_name": f"{settings.service_name}-fast"},
        max_inactive_connection_lifetime=300,
    )
    return pool


async def _connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    pool: asyncpg.Pool = request.app.state.pg_pool
    async with pool.acquire() as conn:
        yield conn


DbConnection = Annotated[asyncpg.Connection, Depends(_connection)]
"""One pooled asyncpg connection for this request; the service function owns its transaction."""


def record_dict(record: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(record) if record is not None else None
