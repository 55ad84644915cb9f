"""Alembic glue, so each service's `migrations/env.py` is a few lines.

A service's env.py reads:

    from registry.tables import metadata
    from tzsb_common.migrations import run_migrations

    run_migrations(metadata)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tzsb_common.db import async_url


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolation would eat a '%' in a password.
    config.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Apply every migration of one service. Safe to call from inside a running event loop."""
    _in_own_thread(command.upgrade, alembic_config(migrations_dir, database_url), "head")


def downgrade_to_base(migrations_dir: Path, database_url: str) -> None:
    """Undo every migration of one service (tests prove each history unwinds)."""
    _in_own_thread(command.downgrade, alembic_config(migrations_dir, database_url), "base")


def _in_own_thread(step: Callable[[Config, str], None], config: Config, revision: str) -> None:
    # env.py runs its own event loop (asyncio.run), which cannot nest in a running one.
    error: list[BaseException] = []

    def run() -> None:
        try:
            step(config, revision)
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    worker = threading.Thread(target=run, name="alembic")
    worker.start()
    worker.join()
    if error:
        raise error[0]


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url is set by alembic_config()"
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync, metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations(metadata: MetaData) -> None:
    """The body of every service's env.py."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(metadata))
