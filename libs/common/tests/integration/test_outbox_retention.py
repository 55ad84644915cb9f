"""Sent outbox rows are deleted after their retention, in batches, until none is left."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from machinery_support import THINGS_TOPIC, new_subject, outbox, thing_event
from tzsb_common.db import create_engine
from tzsb_common.outbox import Outbox, OutboxRelay
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"outbox_cleanup_batch_size": 7, "outbox_cleanup_interval_s": 0.2}


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncEngine:
    engine = create_engine(settings)
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def _write(engine: AsyncEngine, settings: ServiceSettings, count: int) -> None:
    writer = Outbox(outbox, settings)
    events = [(thing_event(new_subject(), n), THINGS_TOPIC) for n in range(count)]
    async with async_sessionmaker(engine)() as session:
        await writer.add_events(session, events)
        await session.commit()


async def _age_rows(engine: AsyncEngine, *, count: int, sent_ago: timedelta | None) -> None:
    """Mark `count` untouched rows sent `sent_ago` ago (None: failed, never sent)."""
    untouched = (
        select(outbox.c.id)
        .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
        .order_by(outbox.c.id)
        .limit(count)
        .scalar_subquery()
    )
    values: dict[str, Any] = (
        {"failed_at": func.now(), "last_error": "test"}
        if sent_ago is None
        else {"sent_at": func.now() - sent_ago}
    )
    async with engine.begin() as conn:
        await conn.execute(outbox.update().where(outbox.c.id.in_(untouched)).values(**values))


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    func.count().filter(outbox.c.sent_at.is_not(None)).label("sent"),
                    func.count().filter(outbox.c.failed_at.is_not(None)).label("failed"),
                    func.count()
                    .filter(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
                    .label("unsent"),
                )
            )
        ).one()
    return dict(rows._mapping)


async def test_expired_sent_rows_are_deleted_in_batches_and_nothing_else_is(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    await _write(engine, settings, 60)
    await _age_rows(engine, count=30, sent_ago=timedelta(hours=73))  # past a 72 h retention
    await _age_rows(engine, count=10, sent_ago=timedelta(hours=1))
    await _age_rows(engine, count=5, sent_ago=None)
    keeping = settings.model_copy(update={"outbox_retention_hours": 72})
    relay = OutboxRelay(engine=engine, table=outbox, settings=keeping)

    assert await relay.delete_expired_sent_rows() == 30  # five statements of 7 rows
    assert await _counts(engine) == {"sent": 10, "failed": 5, "unsent": 15}
    assert await relay.delete_expired_sent_rows() == 0

    # Once the retention is set to zero, what it kept goes at the next clean-up.
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    assert await relay.delete_expired_sent_rows() == 10
    assert await _counts(engine) == {"sent": 0, "failed": 5, "unsent": 15}


async def test_running_relay_keeps_deleting_rows_as_they_expire(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    await _write(engine, settings, 25)
    await _age_rows(engine, count=25, sent_ago=timedelta(seconds=0))
    relay = OutboxRelay(
        engine=engine, table=outbox, settings=settings, retention=timedelta(seconds=1)
    )
    running = asyncio.create_task(relay.run())
    try:
        remaining = await eventually(
            lambda: _counts(engine), until=lambda counts: counts["sent"] == 0
        )
        await _write(engine, settings, 12)  # a second wave, after the first was cleaned
        await _age_rows(engine, count=12, sent_ago=timedelta(seconds=0))
        remaining = await eventually(
            lambda: _counts(engine), until=lambda counts: counts["sent"] == 0
        )
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert remaining == {"sent": 0, "failed": 0, "unsent": 0}
