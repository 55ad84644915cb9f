"""Rows that cannot be published, and changing the bucket count, on real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from machinery_support import THINGS_TOPIC, new_subject, outbox, thing_event
from tzsb_common.auth import CallerKind
from tzsb_common.events import CloudEvent
from tzsb_common.kafka import ensure_topics
from tzsb_common.outbox import (
    ADVISORY_LOCK_CLASS,
    Outbox,
    OutboxRelay,
    apply_bucket_count,
    list_failed_rows,
    stored_bucket_count,
)
from tzsb_common.outbox.records import ENVELOPE_FAULT_SQL
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, TopicReader, eventually

OVER_ONE_MIB = 1_200_000
"""Above the producer's 1 MiB max_request_size and Apache Kafka's default message.max.bytes."""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"outbox_buckets": 1, "outbox_max_attempts": 2}


@pytest.fixture
async def engine(app: FastAPI, settings: ServiceSettings) -> AsyncEngine:
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [settings.topic(THINGS_TOPIC)],
        partitions=settings.kafka_topic_partitions,
    )
    engine: AsyncEngine = app.state.engine
    return engine


async def _write(engine: AsyncEngine, settings: ServiceSettings, events: list[CloudEvent]) -> None:
    writer = Outbox(outbox, settings)
    async with async_sessionmaker(engine)() as session:
        await writer.add_events(session, [(event, THINGS_TOPIC) for event in events])
        await session.commit()


async def _row(engine: AsyncEngine, event: CloudEvent) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(outbox).where(outbox.c.event_id == event.id))).one()


def _given_up(settings: ServiceSettings) -> float:
    value = REGISTRY.get_sample_value(
        "tzsb_outbox_given_up_total",
        {"service": settings.service_name, "topic": settings.topic(THINGS_TOPIC)},
    )
    return value or 0.0


async def _published_in_log_order(topic_reader: TopicReader, count: int) -> dict[str, list[int]]:
    records = await topic_reader.read(THINGS_TOPIC, count=count, timeout_s=60)
    seqs: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        document = json.loads(record.value)
        seqs[document["subject"]].append(document["data"]["seq"])
    return seqs


async def test_row_over_the_broker_size_limit_is_marked_failed_and_its_bucket_moves_on(
    app: FastAPI,
    engine: AsyncEngine,
    settings: ServiceSettings,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    topic_reader: TopicReader,
) -> None:
    await apply_bucket_count(engine, outbox, 1)  # every row below shares one bucket
    first, second, poisoned = new_subject(), new_subject(), new_subject()
    too_large = CloudEvent(
        source="machinery-test",
        type="tzsb.test.thing.recorded.v1",
        subject=poisoned,
        data={"seq": 1, "fail": False, "blob": "x" * OVER_ONE_MIB},
    )
    behind_it = thing_event(poisoned, 2)
    await _write(
        engine,
        settings,
        [
            thing_event(first, 1),
            too_large,
            thing_event(second, 1),
            behind_it,
            thing_event(first, 2),
        ],
    )
    given_up_before = _given_up(settings)
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    try:
        assert await relay.publish_pending() == 3  # both of `first`, `second`; not the subject
        retried = await _row(engine, too_large)
        assert retried.attempts == 1
        assert retried.failed_at is None
        assert "MessageSizeTooLargeError" in retried.last_error
        assert (await _row(engine, behind_it)).sent_at is None  # waits while its elder retries

        assert await relay.publish_pending() == 0  # second and last attempt: given up
        assert await relay.publish_pending() == 1  # the subject goes on without it
    finally:
        await relay._drop_producer()

    failed = await _row(engine, too_large)
    assert failed.failed_at is not None
    assert failed.sent_at is None
    assert failed.attempts == 2
    assert _given_up(settings) == given_up_before + 1
    seqs = await _published_in_log_order(topic_reader, 4)
    assert seqs == {first: [1, 2], second: [1], poisoned: [2]}

    metrics = (await client.get("/metrics")).text
    assert f'tzsb_outbox_given_up_total{{service="{settings.service_name}"' in metrics
    listed = await client.get("/api/v1/outbox/failed", headers=tokens.bureau())
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["event_id"] == str(too_large.id)
    assert item["subject"] == poisoned
    assert item["event_type"] == "tzsb.test.thing.recorded.v1"
    assert item["attempts"] == 2
    assert "MessageSizeTooLargeError" in item["last_error"]


async def test_row_that_is_not_a_valid_envelope_is_given_up_without_blocking_others(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    await apply_bucket_count(engine, outbox, 1)
    good = thing_event(new_subject(), 1)
    async with engine.begin() as conn:
        await conn.execute(
            outbox.insert().values(
                event_id=uuid.uuid4(),
                topic=settings.topic(THINGS_TOPIC),
                key="broken",
                event={"specversion": "1.0", "subject": "broken"},  # no id source, type, data
            )
        )
    await _write(engine, settings, [good])
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    try:
        published = [await relay.publish_pending() for _ in range(3)]
    finally:
        await relay._drop_producer()

    assert sum(published) == 1
    records = await topic_reader.read(THINGS_TOPIC, count=1)
    assert [json.loads(r.value)["id"] for r in records] == [str(good.id)]
    async with engine.connect() as conn:
        [failed] = await list_failed_rows(conn, outbox)
    assert failed.subject == "broken"
    assert failed.attempts == 2
    assert failed.last_error is not None
    assert failed.last_error == "EnvelopeError: id is not a UUID"


_ABSENT = object()
_FAULT_OF_ONE = text(
    f"SELECT {ENVELOPE_FAULT_SQL} FROM (SELECT CAST(:event AS jsonb)) AS o(event)"  # noqa: S608
)


async def _envelope_fault(engine: AsyncEngine, event: str) -> str | None:
    async with engine.connect() as conn:
        fault: str | None = await conn.scalar(_FAULT_OF_ONE, {"event": event})
    return fault


def _envelope(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "test",
        "type": "tzsb.test.thing.recorded.v1",
        "subject": "s-1",
        "time": "2026-11-25T10:00:00.123+08:00",
        "data": {"n": 1},
    }
    document.update(changes)
    return {key: value for key, value in document.items() if value is not _ABSENT}


@pytest.mark.parametrize(
    ("document", "fault"),
    [
        (_envelope(), None),
        (_envelope(time="2026-11-25T02:00:00Z", extra="kept"), None),
        ([1, 2], "the event is not a JSON object"),
        (_envelope(specversion="0.3"), 'specversion is not "1.0"'),
        (_envelope(specversion=_ABSENT), 'specversion is not "1.0"'),
        (_envelope(id="not-a-uuid"), "id is not a UUID"),
        (_envelope(id=12), "id is not a UUID"),
        (_envelope(source=None), "source is not a string"),
        (_envelope(type=_ABSENT), "type is not a string"),
        (_envelope(subject=7), "subject is not a string"),
        (_envelope(time="now"), "time is not an RFC 3339 timestamp"),
        (_envelope(time="2026-11-25T10:00:00"), "time is not an RFC 3339 timestamp"),
        (_envelope(time="2026-13-25T10:00:00Z"), "time is not an RFC 3339 timestamp"),
        (_envelope(time=1764036000), "time is not an RFC 3339 timestamp"),
        (_envelope(data=[1]), "data is not a JSON object"),
        (_envelope(data=_ABSENT), "data is not a JSON object"),
    ],
)
async def test_the_database_names_what_is_wrong_with_an_envelope(
    engine: AsyncEngine, document: Any, fault: str | None
) -> None:
    found = await _envelope_fault(engine, json.dumps(document))
    assert found == fault


async def test_an_event_serialised_by_its_model_is_a_good_envelope(engine: AsyncEngine) -> None:
    event = thing_event(new_subject(), 1)
    found = await _envelope_fault(engine, event.model_dump_json())
    assert found is None


async def test_failed_rows_are_listed_for_the_bureau_only_and_page_by_cursor(
    engine: AsyncEngine,
    settings: ServiceSettings,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    events = [thing_event(new_subject(), n) for n in range(3)]
    await _write(engine, settings, events)
    async with engine.begin() as conn:
        await conn.execute(
            outbox.update().values(failed_at=func.now(), attempts=5, last_error="test: refused")
        )

    refused = await client.get(
        "/api/v1/outbox/failed", headers=tokens.headers(CallerKind.maintenance_company)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    first = await client.get("/api/v1/outbox/failed?limit=2", headers=tokens.bureau())
    assert first.status_code == 200
    assert first.json()["next_cursor"]
    rest = await client.get(
        "/api/v1/outbox/failed",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=tokens.bureau(),
    )
    listed = [item["event_id"] for item in first.json()["items"] + rest.json()["items"]]
    assert listed == [str(event.id) for event in events]
    assert rest.json()["next_cursor"] is None
    bad_cursor = await client.get("/api/v1/outbox/failed?cursor=!!", headers=tokens.bureau())
    assert bad_cursor.status_code == 422


async def test_bureau_retries_a_failed_row_and_the_relay_publishes_it(
    engine: AsyncEngine,
    settings: ServiceSettings,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    topic_reader: TopicReader,
) -> None:
    event = thing_event(new_subject(), 1)
    await _write(engine, settings, [event])
    async with engine.begin() as conn:
        await conn.execute(
            outbox.update().values(failed_at=func.now(), attempts=2, last_error="test: mended")
        )
    row_id = (await _row(engine, event)).id

    path = f"/api/v1/outbox/failed/{row_id}/retry"
    company = tokens.headers(CallerKind.maintenance_company)
    assert (await client.post(path, headers=company)).status_code == 403
    missing = await client.post(
        f"/api/v1/outbox/failed/{row_id + 1000}/retry", headers=tokens.bureau()
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert (await client.post(path, headers=tokens.bureau())).status_code == 204
    retried = await _row(engine, event)
    assert (retried.failed_at, retried.attempts, retried.last_error) == (None, 0, None)
    assert (await client.post(path, headers=tokens.bureau())).status_code == 404  # not failed now

    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    try:
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()
    records = await topic_reader.read(THINGS_TOPIC, count=1)
    assert [json.loads(r.value)["id"] for r in records] == [str(event.id)]


# -- the bucket count -----------------------------------------------------------------------


async def _unsent_buckets_by_subject(engine: AsyncEngine) -> dict[str, set[int]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.key, outbox.c.bucket).where(outbox.c.sent_at.is_(None))
            )
        ).all()
    buckets: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        buckets[row.key].add(row.bucket)
    return buckets


async def _rows_off_their_bucket(engine: AsyncEngine, buckets: int) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.sent_at.is_(None),
                outbox.c.bucket != func.outbox_bucket_of(outbox.c.key, buckets),
            )
        )
    return int(count or 0)


async def test_lowering_the_bucket_count_moves_unsent_rows_and_strands_none(
    engine: AsyncEngine, settings: ServiceSettings, topic_reader: TopicReader
) -> None:
    assert await stored_bucket_count(engine, outbox) == 16  # the migration's initial count
    subjects = [new_subject() for _ in range(40)]
    await _write(engine, settings, [thing_event(s, seq) for seq in range(3) for s in subjects])
    before = await _unsent_buckets_by_subject(engine)
    assert max(b for buckets in before.values() for b in buckets) >= 3  # spread over 16

    assert await apply_bucket_count(engine, outbox, 3) == 16
    assert await stored_bucket_count(engine, outbox) == 3
    assert await _rows_off_their_bucket(engine, 3) == 0
    after = await _unsent_buckets_by_subject(engine)
    assert all(len(buckets) == 1 and buckets <= {0, 1, 2} for buckets in after.values())

    await _write(engine, settings, [thing_event(s, 3) for s in subjects])  # written after
    stale = thing_event(new_subject(), 0)
    async with engine.begin() as conn:  # a writer that still fills `bucket` by the old count
        await conn.execute(
            outbox.insert().values(
                event_id=stale.id,
                topic=settings.topic(THINGS_TOPIC),
                key=stale.subject,
                bucket=15,
                event=stale.model_dump(mode="json"),
            )
        )
    assert await _rows_off_their_bucket(engine, 3) == 0
    # A relay still configured for 16 (a rolling deploy) and one for 3 publish side by side:
    # both scan the stored count, so every row goes out once, in subject order.
    old_config = OutboxRelay(engine=engine, table=outbox, settings=settings)
    new_config = OutboxRelay(
        engine=engine, table=outbox, settings=settings.model_copy(update={"outbox_buckets": 3})
    )
    try:
        counts = await asyncio.gather(old_config.publish_pending(), new_config.publish_pending())
    finally:
        await old_config._drop_producer()
        await new_config._drop_producer()
    assert sum(counts) == 161
    seqs = await _published_in_log_order(topic_reader, 161)
    assert all(seqs[s] == [0, 1, 2, 3] for s in subjects)


async def test_bucket_count_change_waits_for_a_writer_in_flight_and_moves_its_row(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    assert await stored_bucket_count(engine, outbox) == 16
    writer = Outbox(outbox, settings)
    event = thing_event(new_subject(), 1)
    async with async_sessionmaker(engine)() as in_flight:
        await writer.add_event(in_flight, event, topic=THINGS_TOPIC)
        await in_flight.flush()  # bucketed by 16, not committed yet
        change = asyncio.create_task(apply_bucket_count(engine, outbox, 5, lock_timeout_s=60))
        await asyncio.sleep(1.0)
        assert not change.done()  # held by the writer's open transaction
        await in_flight.commit()
    assert await change == 16
    row = await _row(engine, event)
    assert await _rows_off_their_bucket(engine, 5) == 0
    assert 0 <= row.bucket < 5


async def test_bucket_count_change_waits_for_a_relay_publishing_a_bucket(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    await _write(engine, settings, [thing_event(new_subject(), 1)])
    async with engine.connect() as relay_conn, relay_conn.begin():
        # What a relay holds while it publishes bucket 7 (the lock `_publish_bucket` takes).
        assert await relay_conn.scalar(
            select(func.pg_try_advisory_xact_lock(ADVISORY_LOCK_CLASS, 7))
        )
        change = asyncio.create_task(apply_bucket_count(engine, outbox, 2, lock_timeout_s=60))
        await asyncio.sleep(1.0)
        assert not change.done()
    assert await change == 16
    assert await stored_bucket_count(engine, outbox) == 2


async def test_relay_applies_its_configured_bucket_count_when_it_starts(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    await _write(engine, settings, [thing_event(new_subject(), 1) for _ in range(20)])
    relay = OutboxRelay(
        engine=engine, table=outbox, settings=settings.model_copy(update={"outbox_buckets": 7})
    )
    running = asyncio.create_task(relay.run())
    try:
        stored = await eventually(
            lambda: stored_bucket_count(engine, outbox), until=lambda count: count == 7
        )
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert stored == 7


async def test_an_out_of_range_bucket_count_is_refused_with_the_limits() -> None:
    with pytest.raises(ValueError, match="between 1 and 32767"):
        await apply_bucket_count(None, outbox, 40_000)  # type: ignore[arg-type]
