"""The set-based consumer and the loop's limits, on real PostgreSQL and Kafka.

A fetched batch full of failing events finishes, each on the DLQ once; a chunk with one bad
event applies the rest; time-outs and unavailable dependencies are waited out, not
dead-lettered; a handler's emitted events share its transaction; old inbox rows go.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from machinery_support import (
    FLAGS_TOPIC,
    THINGS_TOPIC,
    ThingRecordedV1,
    applied,
    apply_things,
    inbox,
    new_subject,
    outbox,
    thing_event,
)
from tzsb_common.consumer import (
    BatchConsumerSpec,
    BatchHandler,
    ConsumerLoop,
    HandlerContext,
    TypedEvent,
)
from tzsb_common.db import create_engine, create_session_factory
from tzsb_common.events import CloudEvent, dlq_topic
from tzsb_common.inbox import prune_inbox
from tzsb_common.kafka import ensure_topics
from tzsb_common.outbox import Outbox
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TopicReader, committed_offsets, eventually


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Small enough that the old loop (commit after the whole batch, ~0.3 s of retries per
    # failing event) would leave the group during a batch of a hundred failing events.
    return {
        "consumer_max_poll_interval_ms": 10_000,
        "consumer_handler_timeout_s": 0.5,
        "consumer_retry_base_s": 0.1,
        "consumer_max_attempts": 3,
        "consumer_retry_budget_s": 1.0,
        "consumer_max_backoff_s": 0.5,
    }


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


def batch_loop(
    engine: AsyncEngine, settings: ServiceSettings, handler: BatchHandler = apply_things
) -> ConsumerLoop:
    return ConsumerLoop(
        spec=BatchConsumerSpec("things", [THINGS_TOPIC], [ThingRecordedV1], handler),
        settings=settings,
        session_factory=create_session_factory(engine),
        inbox=inbox,
        outbox=Outbox(outbox, settings),
    )


@asynccontextmanager
async def running(loop: ConsumerLoop) -> AsyncIterator[ConsumerLoop]:
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def send(producer: AIOKafkaProducer, settings: ServiceSettings, *events: CloudEvent) -> None:
    topic = settings.topic(THINGS_TOPIC)
    for event in events:
        await producer.send(topic, event.to_json_bytes(), key=event.subject.encode())
    await producer.flush()


async def applied_rows(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(applied.c.subject, applied.c.seq).order_by(applied.c.id))
        return [(r.subject, r.seq) for r in rows]


async def count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_a_hundred_failing_events_in_one_fetch_each_reach_the_dlq_once(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    failing = [thing_event(subject, n, fail=True) for n in range(100)]
    last = thing_event(subject, 100)
    await send(producer, settings, *failing, last)  # all there before the first poll

    async with running(batch_loop(engine, settings)) as loop:
        assert await eventually(lambda: applied_rows(engine)) == [(subject, 100)]
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=101, timeout_s=3)
        assert loop.restarts == 0

    dead_ids = [CloudEvent.from_json_bytes(r.value).id for r in dead]
    assert sorted(dead_ids) == sorted(e.id for e in failing)
    assert len(set(dead_ids)) == len(dead_ids) == 100
    attempts = [int(dict(r.headers)["x-attempts"]) for r in dead]
    assert attempts[0] == settings.consumer_max_attempts
    assert attempts[-1] == 1  # the retry budget was spent long before the last one


SLOW_RETRIES = {
    "consumer_max_poll_interval_ms": 10_000,
    "consumer_retry_base_s": 0.05,
    "consumer_max_attempts": 3,
    "consumer_retry_budget_s": 60.0,
    "consumer_handler_timeout_s": 0.5,
}


@pytest.mark.parametrize("settings_overrides", [SLOW_RETRIES])
async def test_a_batch_slower_than_the_poll_interval_is_applied_over_several_polls(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    """Every failing event takes 0.15 s of retries: 15 s for the batch, over the 10 s a member
    may stay away from the broker."""
    subject = new_subject()
    failing = [thing_event(subject, n, fail=True) for n in range(100)]
    last = thing_event(subject, 100)
    await send(producer, settings, *failing, last)

    async with running(batch_loop(engine, settings)) as loop:
        await eventually(lambda: applied_rows(engine), timeout_s=60)
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=101, timeout_s=3)
        assert loop.restarts == 0
        assert loop.early_polls >= 2

    dead_ids = [CloudEvent.from_json_bytes(r.value).id for r in dead]
    assert sorted(dead_ids) == sorted(e.id for e in failing)
    assert len(set(dead_ids)) == 100
    assert {dict(r.headers)["x-attempts"] for r in dead} == {b"3"}


async def test_one_bad_event_in_a_chunk_goes_to_the_dlq_alone_and_the_rest_are_applied(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    events = [thing_event(subject, n, fail=n == 7) for n in range(20)]
    await send(producer, settings, *events)

    async with running(batch_loop(engine, settings)):
        rows = await eventually(lambda: applied_rows(engine), until=lambda r: len(r) >= 19)
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=2, timeout_s=3)

    assert rows == [(subject, n) for n in range(20) if n != 7]
    assert [CloudEvent.from_json_bytes(r.value).id for r in dead] == [events[7].id]
    assert dict(dead[0].headers)["x-error-type"] == b"ValueError"


async def test_events_seen_before_are_filtered_out_in_and_across_chunks(
    engine: AsyncEngine, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    subject = new_subject()
    first, second = thing_event(subject, 1), thing_event(subject, 2)
    await send(producer, settings, first, first, second)
    async with running(batch_loop(engine, settings)):
        await eventually(lambda: applied_rows(engine), until=lambda r: len(r) >= 2)
        await send(producer, settings, second, thing_event(subject, 3))
        rows = await eventually(lambda: applied_rows(engine), until=lambda r: len(r) >= 3)

    assert rows == [(subject, 1), (subject, 2), (subject, 3)]
    assert await count(engine, inbox) == 3


class _CountingLoop(ConsumerLoop):
    """A loop that notes each poll that brought events (partition: count) and each offset
    commit it made; the broker is the real one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polls: list[dict[int, int]] = []
        self.commits: list[dict[int, int]] = []

    def _new_consumer(self) -> AIOKafkaConsumer:
        consumer = super()._new_consumer()
        getmany, commit = consumer.getmany, consumer.commit

        async def noted_getmany(*args: Any, **kwargs: Any) -> Any:
            fetched = await getmany(*args, **kwargs)
            if fetched:
                self.polls.append({tp.partition: len(r) for tp, r in fetched.items()})
            return fetched

        async def noted_commit(offsets: Any = None) -> None:
            self.commits.append({tp.partition: offset for tp, offset in offsets.items()})
            await commit(offsets)

        consumer.getmany = noted_getmany  # type: ignore[method-assign]
        consumer.commit = noted_commit  # type: ignore[method-assign]
        return consumer


async def _three_partitions(settings: ServiceSettings) -> str:
    """The things topic, grown to three partitions; returns its name."""
    topic = settings.topic(THINGS_TOPIC)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_partitions({topic: NewPartitions(total_count=3)})
    finally:
        await admin.close()
    return topic


async def test_a_poll_over_several_partitions_is_committed_in_one_request(
    engine: AsyncEngine, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    topic = await _three_partitions(settings)
    subjects = [new_subject() for _ in range(3)]
    for partition, subject in enumerate(subjects):
        for seq in range(1, 21):
            await producer.send_and_wait(
                topic, thing_event(subject, seq).to_json_bytes(), partition=partition
            )
    loop = _CountingLoop(
        spec=BatchConsumerSpec("things", [THINGS_TOPIC], [ThingRecordedV1], apply_things),
        settings=settings,
        session_factory=create_session_factory(engine),
        inbox=inbox,
        outbox=Outbox(outbox, settings),
    )
    async with running(loop):
        await eventually(lambda: count(engine, inbox), until=lambda n: n == 60)
        await eventually(lambda: asyncio.sleep(0, result=loop.commits), until=lambda c: c)

    assert sorted(await applied_rows(engine)) == sorted(
        (s, seq) for s in subjects for seq in range(1, 21)
    )
    assert any(len(poll) > 1 for poll in loop.polls), loop.polls
    assert len(loop.commits) == len(loop.polls)
    for poll, commit in zip(loop.polls, loop.commits, strict=True):
        assert set(commit) == set(poll)
    final: dict[int, int] = {}
    for commit in loop.commits:
        final.update(commit)
    assert final == {0: 20, 1: 20, 2: 20}


async def test_a_chunk_takes_events_of_several_partitions_in_their_partitions_order(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    topic = await _three_partitions(settings)
    subjects = [new_subject() for _ in range(3)]
    bad = thing_event(subjects[1], 7, fail=True)
    for partition, subject in enumerate(subjects):
        for seq in range(20):
            event = bad if (partition, seq) == (1, 7) else thing_event(subject, seq)
            await producer.send_and_wait(topic, event.to_json_bytes(), partition=partition)
    chunks: list[list[str]] = []

    async def noting_chunks(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        chunks.append([event.subject for event in events])
        await apply_things(context, events)

    async with running(batch_loop(engine, settings, noting_chunks)):
        rows = await eventually(lambda: applied_rows(engine), until=lambda r: len(r) >= 59)
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=2, timeout_s=3)

    # Every event but the bad one applied, each subject's in the order sent.
    for subject in subjects:
        assert [seq for s, seq in rows if s == subject] == [
            seq for seq in range(20) if (subject, seq) != (subjects[1], 7)
        ]
    assert len(rows) == 59
    assert [CloudEvent.from_json_bytes(r.value).id for r in dead] == [bad.id]
    # A poll's partitions went in together: a transaction for several, not one for each.
    assert any(len(set(chunk)) > 1 for chunk in chunks), chunks


async def test_unhandled_types_are_skipped_and_invalid_payloads_dead_lettered(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    other = CloudEvent(source="elsewhere", type="tzsb.test.other.v1", subject=subject, data={})
    invalid = CloudEvent(
        source="machinery-test",
        type=ThingRecordedV1.event_type,
        subject=subject,
        data={"seq": "not a number"},
    )
    await send(producer, settings, other, invalid, thing_event(subject, 1))

    async with running(batch_loop(engine, settings)):
        assert await eventually(lambda: applied_rows(engine)) == [(subject, 1)]
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=2, timeout_s=3)

    assert [CloudEvent.from_json_bytes(r.value).id for r in dead] == [invalid.id]
    headers = dict(dead[0].headers)
    assert headers["x-error-type"] == b"PoisonEvent"
    assert headers["x-attempts"] == b"1"
    assert await count(engine, inbox, inbox.c.event_id == other.id) == 0


async def test_a_type_the_relay_names_in_a_header_is_passed_over_without_parsing(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    topic = settings.topic(THINGS_TOPIC)
    # Not even JSON: parsed, it would be dead-lettered as not a CloudEvent.
    await producer.send_and_wait(
        topic, b"<other>", key=subject.encode(), headers=[("ce_type", b"tzsb.test.other.v1")]
    )
    thing = thing_event(subject, 1)
    await producer.send_and_wait(
        topic,
        thing.to_json_bytes(),
        key=subject.encode(),
        headers=[("ce_type", ThingRecordedV1.event_type.encode())],
    )

    async with running(batch_loop(engine, settings)):
        assert await eventually(lambda: applied_rows(engine)) == [(subject, 1)]
        dead = await topic_reader.read(dlq_topic(THINGS_TOPIC), count=1, timeout_s=2)

    assert dead == []
    assert await count(engine, inbox) == 1


async def test_events_a_handler_emits_are_written_to_the_outbox_only_with_its_effects(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    subject = new_subject()
    await send(
        producer,
        settings,
        thing_event(subject, 1),
        thing_event(subject, 2, fail=True),
        thing_event(subject, 3),
    )
    async with running(batch_loop(engine, settings)):
        await eventually(lambda: applied_rows(engine), until=lambda r: len(r) >= 2)
        await topic_reader.read(dlq_topic(THINGS_TOPIC), count=1)

    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.topic, outbox.c.key, outbox.c.event))).all()
    assert sorted(row.event["data"]["seq"] for row in rows) == [1, 3]
    assert {(row.topic, row.key) for row in rows} == {(settings.topic(FLAGS_TOPIC), subject)}
    assert {row.event["source"] for row in rows} == {settings.service_name}


async def test_time_outs_and_unreachable_dependencies_are_waited_out_not_dead_lettered(
    engine: AsyncEngine,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    topic_reader: TopicReader,
) -> None:
    calls: list[str] = []

    async def flaky(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        calls.append("call")
        if len(calls) <= 2:  # a service the handler calls is down
            async with httpx.AsyncClient() as client:
                await client.get("http://127.0.0.1:9/")
        elif len(calls) <= 4:  # the handler's own bounded wait runs out
            await asyncio.wait_for(asyncio.sleep(1), timeout=0.01)
        elif len(calls) <= 5:  # slower than consumer_handler_timeout_s
            await asyncio.sleep(settings.consumer_handler_timeout_s * 4)
        elif len(calls) <= 6:  # a statement slower than it: cancelled inside PostgreSQL
            await context.session.execute(text("SELECT pg_sleep(5)"))
        await apply_things(context, events)

    subject = new_subject()
    await send(producer, settings, thing_event(subject, 1))
    async with running(batch_loop(engine, settings, flaky)) as loop:
        assert await eventually(lambda: applied_rows(engine)) == [(subject, 1)]
        # The offset commit (and with it the end of the wait) follows the database commit.
        await eventually(
            lambda: asyncio.sleep(0, result=loop.waiting_on), until=lambda w: w is None
        )
        assert loop.transient_failures == 6
        assert loop.restarts == 0
    assert await topic_reader.read(dlq_topic(THINGS_TOPIC), count=1, timeout_s=2) == []


async def _insert_inbox_rows(
    engine: AsyncEngine, consumer: str, rows: int, processed_at: datetime
) -> None:
    async with engine.begin() as conn:
        for start in range(0, rows, 5_000):
            await conn.execute(
                insert(inbox),
                [
                    {
                        "consumer": consumer,
                        "event_id": uuid.uuid4(),
                        "topic": "t",
                        "processed_at": processed_at,
                    }
                    for _ in range(start, min(rows, start + 5_000))
                ],
            )


async def test_pruning_deletes_every_old_row_in_chunks_and_keeps_recent_ones(
    engine: AsyncEngine,
) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    await _insert_inbox_rows(engine, "things", 25_000, old)
    await _insert_inbox_rows(engine, "things", 5, datetime.now(UTC))
    await _insert_inbox_rows(engine, "others", 7, old)

    deleted = await prune_inbox(
        create_session_factory(engine),
        inbox,
        consumer="things",
        retention=timedelta(days=30),
        chunk_rows=10_000,
    )

    assert deleted == 25_000
    assert await count(engine, inbox, inbox.c.consumer == "things") == 5
    assert await count(engine, inbox, inbox.c.consumer == "others") == 7


async def test_a_running_consumer_prunes_its_inbox(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    await _insert_inbox_rows(engine, "things", 1_000, datetime.now(UTC) - timedelta(days=31))
    quick = settings.model_copy(update={"inbox_prune_interval_s": 0.2})
    async with running(batch_loop(engine, quick)):
        remaining = await eventually(
            lambda: count(engine, inbox, inbox.c.consumer == "things"), until=lambda n: n == 0
        )
    assert remaining == 0


async def _committed(settings: ServiceSettings, group: str) -> int | None:
    topic = settings.topic(THINGS_TOPIC)
    return (await committed_offsets(settings.kafka_bootstrap_servers, group, topic, 1))[0]


async def test_polls_of_types_passed_over_are_committed_once_an_interval(
    engine: AsyncEngine, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    settings = settings.model_copy(update={"consumer_passed_over_commit_interval_s": 3600.0})
    topic = settings.topic(THINGS_TOPIC)
    subject = new_subject()

    async def send_other(count: int) -> None:
        for _ in range(count):
            await producer.send_and_wait(
                topic, b"{}", key=subject.encode(), headers=[("ce_type", b"tzsb.test.other.v1")]
            )

    await send_other(2)  # both there before the first poll
    loop = batch_loop(engine, settings)
    async with running(loop):
        # Never committed before: the first poll is.
        assert await eventually(lambda: _committed(settings, loop.group_id), until=lambda o: o == 2)
        await send_other(3)
        await asyncio.sleep(1.5)
        assert await _committed(settings, loop.group_id) == 2
        # A poll with an event it handles commits everything before it too.
        await send(producer, settings, thing_event(subject, 1))
        assert await eventually(lambda: applied_rows(engine)) == [(subject, 1)]
        assert await eventually(lambda: _committed(settings, loop.group_id), until=lambda o: o == 6)


async def test_a_gathering_consumer_applies_a_trickle_of_events_in_few_chunks(
    engine: AsyncEngine, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    settings = settings.model_copy(update={"consumer_fetch_gather_ms": 3_000})
    chunks: list[int] = []

    async def counting(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        chunks.append(len(events))
        await apply_things(context, events)

    subject = new_subject()
    async with running(batch_loop(engine, settings, counting)):
        await send(producer, settings, thing_event(subject, 0))
        assert await eventually(lambda: applied_rows(engine), until=lambda rows: len(rows) == 1)
        chunks.clear()
        # One event every 50 ms for about a second: answered at each event, a fetch brings one
        # or two of them (twenty chunks when measured); held for three seconds, that second
        # spans two fetches at most (three if sending took twice as long).
        for seq in range(1, 21):
            await send(producer, settings, thing_event(subject, seq))
            await asyncio.sleep(0.05)
        rows = await eventually(lambda: applied_rows(engine), until=lambda rows: len(rows) == 21)
    assert [seq for _, seq in rows] == list(range(21))
    assert sum(chunks) == 20
    assert len(chunks) <= 3, chunks
