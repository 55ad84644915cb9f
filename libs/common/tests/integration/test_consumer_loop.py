"""The inbox and consumer loop: redelivery is harmless, poison goes to the DLQ."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from machinery_support import THINGS_TOPIC, applied, apply_thing, inbox, new_subject, thing_event
from tzsb_common.consumer import ConsumerLoop, ConsumerSpec
from tzsb_common.db import create_engine, create_session_factory
from tzsb_common.events import dlq_topic
from tzsb_common.kafka import ensure_topics
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TopicReader, eventually


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    topic = settings.topic(THINGS_TOPIC)
    await ensure_topics(settings.kafka_bootstrap_servers, [topic, dlq_topic(topic)], partitions=1)
    yield engine
    await engine.dispose()


@pytest.fixture
async def producer(settings: ServiceSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
async def running_loop(
    engine: AsyncEngine, settings: ServiceSettings
) -> AsyncIterator[ConsumerLoop]:
    loop = ConsumerLoop(
        spec=ConsumerSpec("applier", [THINGS_TOPIC], apply_thing),
        settings=settings,
        session_factory=create_session_factory(engine),
        inbox=inbox,
    )
    task = asyncio.create_task(loop.run())
    yield loop
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _applied(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(applied.c.subject, applied.c.seq).order_by(applied.c.id))
        return [(r.subject, r.seq) for r in rows]


async def test_event_delivered_twice_is_applied_once(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    running_loop: ConsumerLoop,
) -> None:
    subject = new_subject()
    event = thing_event(subject, 1)
    topic = settings.topic(THINGS_TOPIC)
    for _ in range(2):
        await producer.send_and_wait(topic, event.to_json_bytes(), key=subject.encode())
    await producer.send_and_wait(
        topic, thing_event(subject, 2).to_json_bytes(), key=subject.encode()
    )

    rows = await eventually(lambda: _applied(engine), until=lambda rows: len(rows) >= 2)
    assert rows == [(subject, 1), (subject, 2)]
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(inbox)) == 2


async def test_poison_events_go_to_the_dlq_and_the_next_event_is_applied(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    running_loop: ConsumerLoop,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    topic = settings.topic(THINGS_TOPIC)
    await producer.send_and_wait(topic, b"this is not json", key=subject.encode())
    await producer.send_and_wait(
        topic, thing_event(subject, 1, fail=True).to_json_bytes(), key=subject.encode()
    )
    await producer.send_and_wait(
        topic, thing_event(subject, 2).to_json_bytes(), key=subject.encode()
    )

    rows = await eventually(lambda: _applied(engine))
    assert rows == [(subject, 2)]

    dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=2)
    assert dead[0].value == b"this is not json"
    headers = [dict(r.headers) for r in dead]
    assert headers[0]["x-error-type"] == b"PoisonEvent"
    assert headers[0]["x-attempts"] == b"1"
    assert headers[1]["x-error-type"] == b"ValueError"
    assert b"refusing thing" in headers[1]["x-error-message"]
    assert headers[1]["x-attempts"] == str(settings.consumer_max_attempts).encode()
    assert headers[1]["x-original-topic"] == topic.encode()


async def test_a_database_outage_is_not_dead_lettered_and_nothing_is_lost(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"}
    )
    down = create_engine(unreachable)
    loop = ConsumerLoop(
        spec=ConsumerSpec("applier", [THINGS_TOPIC], apply_thing),
        settings=settings,
        session_factory=create_session_factory(down),
        inbox=inbox,
    )
    task = asyncio.create_task(loop.run())
    try:
        subject = new_subject()
        await producer.send_and_wait(
            settings.topic(THINGS_TOPIC), thing_event(subject, 1).to_json_bytes()
        )
        await eventually(
            lambda: asyncio.sleep(0, result=loop.transient_failures), until=lambda n: n >= 2
        )
        assert loop.waiting_on is not None
        assert await topic_reader.read(dlq_topic(THINGS_TOPIC), count=1, timeout_s=2) == []

        loop.session_factory = create_session_factory(engine)  # the database is back
        rows = await eventually(lambda: _applied(engine))
        assert rows == [(subject, 1)]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await down.dispose()


async def test_a_replica_without_partitions_is_not_restarted_as_stalled(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    quick = settings.model_copy(update={"consumer_stall_timeout_s": 2.0})
    loops = [
        ConsumerLoop(
            spec=ConsumerSpec("applier", [THINGS_TOPIC], apply_thing),
            settings=quick,
            session_factory=create_session_factory(engine),
            inbox=inbox,
        )
        for _ in range(2)
    ]  # one partition, two members: one of them holds nothing
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        await asyncio.sleep(12)
        assert [loop.restarts for loop in loops] == [0, 0]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
