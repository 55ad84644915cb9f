"""Async engine and sessions. Engines are built in the app's lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tzsb_common.settings import ServiceSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Each service's tables live on one MetaData with stable constraint names for Alembic."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept `postgresql://…` from operators and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The same database as a plain libpq URL, for asyncpg.connect (LISTEN, admin commands)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    return create_async_engine(
        async_url(settings.database_url),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        # No pre-ping: it costs a round trip per checkout; a connection that broke is
        # invalidated when its error surfaces, and the request answers 503.
        pool_recycle=1800,
        pool_timeout=settings.database_pool_timeout_s,
        connect_args=connect_args(settings),
    )


def connect_args(settings: ServiceSettings) -> dict[str, Any]:
    """asyncpg's connection arguments: every wait on the database is bounded.

    A database that is down refuses at once, but one that is frozen (a stopped host, a dead
    network path, a lock nobody releases) would otherwise hold the request for as long as it
    lasts. The connect and command time-outs bound the client's side, `statement_timeout` the
    server's; each ends in an error the problem handlers answer with 503.
    """
    statement_timeout_ms = round(settings.database_statement_timeout_s * 1000)
    return {
        "timeout": settings.database_connect_timeout_s,
        "command_timeout": settings.database_command_timeout_s,
        "server_settings": {
            "application_name": settings.service_name,
            "statement_timeout": str(statement_timeout_ms),
        },
    }


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_session)]
"""A session for one request; the service function it is handed to owns the commit."""
