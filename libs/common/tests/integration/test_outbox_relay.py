"""The outbox and its relay on real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from machinery_support import THINGS_TOPIC, new_subject, outbox, thing_event
from tzsb_common.db import create_engine
from tzsb_common.kafka import ensure_topics
from tzsb_common.outbox import Outbox, OutboxRelay
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TopicReader


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncEngine:
    engine = create_engine(settings)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [settings.topic(THINGS_TOPIC)],
        partitions=settings.kafka_topic_partitions,
    )
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def _write(engine: AsyncEngine, settings: ServiceSettings, events: list) -> None:
    writer = Outbox(outbox, settings)
    async with async_sessionmaker(engine)() as session:
        for event in events:
            await writer.add_event(session, event, topic=THINGS_TOPIC)
        await session.commit()


async def test_event_is_published_as_a_cloudevent_keyed_by_subject(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    event = thing_event("3110000000000000001", 1)
    await _write(engine, settings, [event])

    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    try:
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()

    [record] = await topic_reader.read(THINGS_TOPIC, count=1)
    assert record.key == b"3110000000000000001"
    document = json.loads(record.value)
    assert document["specversion"] == "1.0"
    assert document["id"] == str(event.id)
    assert document["subject"] == "3110000000000000001"
    assert document["type"] == "tzsb.test.thing.recorded.v1"
    assert document["source"] == "machinery-test"
    assert document["data"] == {"seq": 1, "fail": False}
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    assert dict(record.headers)["ce_type"] == b"tzsb.test.thing.recorded.v1"
    async with engine.connect() as conn:
        unsent = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    assert unsent == 0


async def test_a_published_row_is_deleted_unless_a_retention_keeps_it(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    deleted, kept = thing_event(new_subject(), 1), thing_event(new_subject(), 1)
    assert settings.outbox_retention_hours == 0

    await _write(engine, settings, [deleted])
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    try:
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()
    await _write(engine, settings, [kept])
    keeping = settings.model_copy(update={"outbox_retention_hours": 1})
    relay = OutboxRelay(engine=engine, table=outbox, settings=keeping)
    try:
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()

    records = await topic_reader.read(THINGS_TOPIC, count=2)
    assert {json.loads(record.value)["id"] for record in records} == {
        str(deleted.id),
        str(kept.id),
    }
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.event_id, outbox.c.sent_at).where(
                outbox.c.event_id.in_([deleted.id, kept.id])
            )
        )
        left = {event_id: sent_at for event_id, sent_at in rows}
    assert set(left) == {kept.id}
    assert left[kept.id] is not None


async def test_two_relays_at_once_publish_every_row_exactly_once_in_subject_order(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    subjects = [new_subject() for _ in range(20)]
    events = [thing_event(subject, seq) for seq in range(30) for subject in subjects]
    await _write(engine, settings, events)

    relays = [OutboxRelay(engine=engine, table=outbox, settings=settings) for _ in range(2)]
    try:
        counts = await asyncio.gather(*(relay.publish_pending() for relay in relays))
    finally:
        for relay in relays:
            await relay._drop_producer()

    assert sum(counts) == len(events)
    records = await topic_reader.read(THINGS_TOPIC, count=len(events), timeout_s=60)
    ids = [json.loads(r.value)["id"] for r in records]
    assert len(ids) == len(events)
    assert len(set(ids)) == len(events)
    seqs_by_subject: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        document = json.loads(record.value)
        seqs_by_subject[document["subject"]].append(document["data"]["seq"])
    assert all(seqs == list(range(30)) for seqs in seqs_by_subject.values())


async def test_row_whose_transaction_commits_late_is_still_published(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    writer = Outbox(outbox, settings)
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    early = thing_event(new_subject(), 1)  # gets the lower id, commits last
    late = thing_event(new_subject(), 2)
    factory = async_sessionmaker(engine)
    try:
        async with factory() as slow:
            await writer.add_event(slow, early, topic=THINGS_TOPIC)
            await slow.flush()
            await _write(engine, settings, [late])
            assert await relay.publish_pending() == 1
            await slow.commit()
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()

    records = await topic_reader.read(THINGS_TOPIC, count=2)
    assert {json.loads(r.value)["id"] for r in records} == {str(early.id), str(late.id)}


async def test_a_commit_wakes_the_relay_without_waiting_for_the_next_poll(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    slow_polling = settings.model_copy(update={"outbox_poll_interval_s": 120.0})
    relay = OutboxRelay(engine=engine, table=outbox, settings=slow_polling)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(1.0)  # the relay has found nothing and waits on LISTEN
        event = thing_event(new_subject(), 1)
        await _write(engine, settings, [event])
        # Well inside the two-minute poll: only the NOTIFY sent at commit can explain it.
        records = await topic_reader.read(THINGS_TOPIC, count=1, timeout_s=30)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [json.loads(r.value)["id"] for r in records] == [str(event.id)]


async def test_the_relay_plans_its_reads_for_the_outbox_as_it_is_now(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    """PostgreSQL keeps one plan for a prepared statement after five runs if it looks no worse;
    made while the outbox is empty, that plan scans the whole table once a backlog builds up.
    The relay's reads are planned on every pass instead."""
    one_connection = create_engine(
        settings.model_copy(update={"database_pool_size": 1, "database_max_overflow": 0})
    )
    relay = OutboxRelay(engine=one_connection, table=outbox, settings=settings)
    try:
        for _ in range(8):
            assert await relay.publish_pending() == 0
            await _write(engine, settings, [thing_event(new_subject(), 1)])
            assert await relay.publish_pending() == 1
        async with one_connection.connect() as conn:
            plans = (
                await conn.exec_driver_sql(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                )
            ).all()
    finally:
        await relay._drop_producer()
        await one_connection.dispose()

    relay_reads = [
        (generic, custom)
        for statement, generic, custom in plans
        if "pending AS MATERIALIZED" in statement or "AS locked(b)" in statement
    ]
    assert len(relay_reads) == 2, plans
    for generic, custom in relay_reads:
        assert generic == 0
        assert custom >= 8
