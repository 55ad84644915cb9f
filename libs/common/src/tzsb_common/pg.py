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

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request

from tzsb_common.db import asyncpg_dsn, connect_args
from tzsb_common.settings import ServiceSettings

Connection = asyncpg.Connection
"""asyncpg's connection, under a name routes and services can import from one place."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, like SQLAlchemy's JSONB type does.
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Run when a connection goes back to the pool, after asyncpg rolled back any transaction
    left open. asyncpg's default reset (`RESET ALL`, `UNLISTEN *`, advisory unlock, `CLOSE ALL`)
    is one more round trip per request; nothing on these paths sets session state — advisory
    locks are transaction-scoped, nobody LISTENs or keeps cursors — so there is nothing to
    undo."""


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    arguments = connect_args(settings)
    arguments["server_settings"]["application_name"] = f"{settings.service_name}-fast"
    pool: asyncpg.Pool = await asyncpg.create_pool(
        asyncpg_dsn(settings.database_url),
        min_size=0,
        max_size=settings.database_pool_size,
        init=_init_connection,
        reset=_keep_session,
        max_inactive_connection_lifetime=300,
        **arguments,
    )
    return pool


async def connect_outside_pool(settings: ServiceSettings) -> asyncpg.Connection:
    """A connection of its own for long bulk work (an import of many chunks), so that the work
    holds none of the pool's connections, with the same time-outs.

    It keeps asyncpg's own codecs: jsonb travels as JSON text, in binary format. That is what
    COPY needs (the pool's jsonb codec is a text-format one, which COPY cannot use) and what
    the bulk-write primitive passes (tzsb_common.bulk). The caller closes it."""
    arguments = connect_args(settings)
    arguments["server_settings"]["application_name"] = f"{settings.service_name}-bulk"
    connection: asyncpg.Connection = await asyncpg.connect(
        asyncpg_dsn(settings.database_url), **arguments
    )
    return connection


class Database:
    """The pool as service functions use it: a connection for reads, a transaction for a use
    case. Each borrows a connection only for as long as it needs one, and waits at most the
    pool time-out for it (a 503 after that, like every other wait on the database).

    Borrowers wait their turn in arrival order, on a semaphore sized to the pool (FIFO since
    Python 3.11.1), so a borrower that has its turn always finds a connection free."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout_s: float) -> None:
        self.pool = pool
        self._acquire_timeout_s = acquire_timeout_s
        self._turns = asyncio.Semaphore(pool.get_max_size())

    def connection(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        return _Borrowed(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with _Borrowed(self) as conn, conn.transaction():
            yield conn


class _Borrowed:
    """A connection borrowed in turn (a class, not a generator: this is on every request)."""

    __slots__ = ("_acquired", "_database")

    def __init__(self, database: Database) -> None:
        self._database = database
        self._acquired: Any = None

    async def __aenter__(self) -> asyncpg.Connection:
        database = self._database
        if database._turns.locked():
            async with asyncio.timeout(database._acquire_timeout_s):
                await database._turns.acquire()
        else:
            await database._turns.acquire()  # free: returns at once, no timer needed
        try:
            # No time-out of asyncpg's here: with its turn a borrower finds a connection free,
            # and one it must open first is bounded by the connect time-out. asyncpg would run
            # every acquire in a task of its own under a timer, and the reset at its release
            # under another: 8-12 µs a request, measured.
            self._acquired = database.pool.acquire()
            connection: asyncpg.Connection = await self._acquired.__aenter__()
        except BaseException:
            database._turns.release()
            raise
        return connection

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            await self._acquired.__aexit__(*exc_info)
        finally:
            self._database._turns.release()


async def _database(request: Request) -> Database:
    # A plain function, not a generator: FastAPI solves a generator dependency through an exit
    # stack and a shielded cancel scope, which costs more than the query on a single-record read.
    database: Database = request.app.state.database
    return database


CurrentDatabase = Annotated[Database, Depends(_database)]
"""The service's database for this request; service functions borrow connections from it."""
