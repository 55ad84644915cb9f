"""The transactional outbox: events are written with the change and published by a relay.

Producer contract: `add_event` inserts through the caller's session and never commits; the
event exists exactly when the change it describes does.

Relay contract: rows are claimed by state (`sent_at IS NULL`), never by an id cursor, so a row
whose transaction commits after a later row's is still published (the "outbox gap"). Order per
subject holds because every subject hashes to one bucket, and a bucket is published only under
a transaction-scoped advisory lock, in id order, by one relay at a time. A row is marked sent in
the same transaction that held the lock while it was published, so two relays never publish it
twice; a crash between the broker's ack and the commit republishes it (at least once — the
consumers' inbox makes that harmless).

One retry case can repeat an older event after a newer one: when a batch fails part-way, batches
the producer already queued may still be delivered while it stops, and the retry then sends the
whole batch again. Snapshot events therefore carry a `version`, and a replica applies one only if
it is newer than what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import zlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import Depends, Request
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tzsb_common.db import asyncpg_dsn
from tzsb_common.events import CLOUDEVENTS_CONTENT_TYPE, CloudEvent, EventPayload
from tzsb_common.kafka import new_producer, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)

NOTIFY_CHANNEL = "tzsb_outbox"
_ADVISORY_LOCK_CLASS = 0x7A5B0001
"""First key of the two-key advisory lock; the bucket number is the second."""


def add_outbox_table(metadata: MetaData) -> Table:
    """The outbox lives on the service's own metadata, so its Alembic history owns it."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("bucket", SmallInteger, nullable=False),
        Column("event", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Index("ix_outbox_unsent", "bucket", "id", postgresql_where=text("sent_at IS NULL")),
        Index("ix_outbox_sent_at", "sent_at", postgresql_where=text("sent_at IS NOT NULL")),
    )


NOTIFY_TRIGGER_DDL = (
    f"""
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
)
"""Wakes the relay at commit (and only if the transaction commits) without a round trip from
the writer; PostgreSQL folds a transaction's identical notifications into one. Every service's
first migration runs these statements after creating the outbox table."""

DROP_NOTIFY_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    "DROP FUNCTION IF EXISTS outbox_notify()",
)


def subject_bucket(subject: str, buckets: int) -> int:
    """Stable across processes and restarts (unlike `hash()`)."""
    return zlib.crc32(subject.encode()) % buckets


class Outbox:
    """Writes events into a service's outbox table inside the caller's transaction."""

    def __init__(self, table: Table, settings: ServiceSettings) -> None:
        self.table = table
        self.settings = settings

    async def add(
        self, session: AsyncSession, payload: EventPayload, *, subject: str
    ) -> CloudEvent:
        event = payload.to_event(source=self.settings.service_name, subject=subject)
        await self.add_event(session, event, topic=payload.topic)
        return event

    async def add_event(self, session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        await self.add_events(session, [(event, topic)])

    async def add_events(
        self, session: AsyncSession, events: Sequence[tuple[CloudEvent, str]]
    ) -> None:
        """Many events in one statement: a batch costs one round trip, not one per event."""
        if not events:
            return
        await session.execute(
            self.table.insert(),
            [
                {
                    "event_id": event.id,
                    "topic": self.settings.topic(topic),
                    "key": event.subject,
                    "bucket": subject_bucket(event.subject, self.settings.outbox_buckets),
                    "event": event.model_dump(mode="json"),
                }
                for event, topic in events
            ],
        )

    async def add_on_connection(
        self, conn: asyncpg.Connection, payload: EventPayload, *, subject: str
    ) -> CloudEvent:
        """`add` for the hot paths that hold a raw asyncpg connection (tzsb_common.pg)."""
        event = payload.to_event(source=self.settings.service_name, subject=subject)
        await self.add_events_on_connection(conn, [(event, payload.topic)])
        return event

    async def add_events_on_connection(
        self, conn: asyncpg.Connection, events: Sequence[tuple[CloudEvent, str]]
    ) -> None:
        """Many events in one statement on a raw asyncpg connection, in its transaction."""
        if not events:
            return
        buckets = self.settings.outbox_buckets
        await conn.execute(
            f"INSERT INTO {self.table.name} (event_id, topic, key, bucket, event) "  # noqa: S608
            # The documents travel as text: a jsonb codec on the connection would encode them
            # a second time.
            "SELECT i, t, k, b, e::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], "
            "$4::int2[], $5::text[]) AS batch(i, t, k, b, e)",
            [event.id for event, _ in events],
            [self.settings.topic(topic) for _, topic in events],
            [event.subject for event, _ in events],
            [subject_bucket(event.subject, buckets) for event, _ in events],
            [event.model_dump_json() for event, _ in events],
        )


async def _request_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


CurrentOutbox = Annotated[Outbox, Depends(_request_outbox)]
"""The service's outbox writer, for routes that hand it to their service function."""


class OutboxRelay:
    """Publishes unsent outbox rows in batches with acks=all and marks them sent."""

    def __init__(self, *, engine: AsyncEngine, table: Table, settings: ServiceSettings) -> None:
        self.engine = engine
        self.table = table
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._wakeup = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._failing_since: float | None = None
        self._last_cleanup = 0.0
        self._last_backlog_count = 0.0
        # One index probe per bucket: constant cost however large a backlog grew while Kafka
        # was away (a DISTINCT over the unsent rows would read them all on every pass).
        bucket = (
            func.generate_series(0, settings.outbox_buckets - 1)
            .table_valued("value")
            .render_derived(name="buckets")
        )
        self._pending_buckets = select(bucket.c.value).where(
            select(table.c.id)
            .where(table.c.bucket == bucket.c.value, table.c.sent_at.is_(None))
            .exists()
        )
        self.last_error: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = 0.2
        try:
            while True:
                try:
                    await self._ensure_listener()
                    published = await self.publish_pending()
                    await self._record_backlog()
                    await self._cleanup_sent_rows()
                    self._recovered()
                    backoff = 0.2
                    if published == 0:
                        await self._wait_for_work()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # Kafka or PostgreSQL away: back off, lose nothing
                    self._failed(exc)
                    await self._drop_producer()
                    await asyncio.sleep(backoff * (1 + random.random() / 2))
                    backoff = min(backoff * 2, self.settings.outbox_max_backoff_s)
        finally:
            await self._drop_producer()
            await self._drop_listener()

    def health(self) -> str | None:
        if self._failing_since is not None and time.monotonic() - self._failing_since > 30:
            return f"outbox relay failing: {self.last_error}"
        return None

    # -- publishing ------------------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish every bucket that has unsent rows; returns how many rows were published."""
        total = 0
        while True:
            async with self.engine.connect() as conn:
                buckets = list((await conn.execute(self._pending_buckets)).scalars())
            if not buckets:
                return total
            random.shuffle(buckets)  # replicas start on different buckets
            round_total = 0
            full_batch = False
            for bucket in buckets:
                published = await self._publish_bucket(bucket)
                round_total += published
                full_batch = full_batch or published >= self.settings.outbox_batch_size
            total += round_total
            if not full_batch:
                return total

    async def _publish_bucket(self, bucket: int) -> int:
        t = self.table
        async with self.engine.begin() as conn:
            locked = await conn.scalar(
                select(func.pg_try_advisory_xact_lock(_ADVISORY_LOCK_CLASS, bucket))
            )
            if not locked:
                return 0  # another relay is publishing this bucket
            rows = (
                await conn.execute(
                    select(t.c.id, t.c.topic, t.c.key, t.c.event)
                    .where(t.c.bucket == bucket, t.c.sent_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.settings.outbox_batch_size)
                )
            ).all()
            if not rows:
                return 0
            await self._send(rows)
            await conn.execute(
                t.update().where(t.c.id.in_([r.id for r in rows])).values(sent_at=func.now())
            )
        for row in rows:
            OUTBOX_PUBLISHED.labels(self.settings.service_name, row.topic).inc()
        return len(rows)

    async def _send(self, rows: Sequence[Any]) -> None:
        producer = await self._ensure_producer()
        headers = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]

        async def enqueue_and_wait() -> None:
            # aiokafka keeps one batch in flight per partition, so enqueue order is log order.
            acks = []
            for row in rows:
                value = CloudEvent.model_validate(row.event).to_json_bytes()
                acks.append(
                    await producer.send(
                        row.topic, value=value, key=row.key.encode(), headers=headers
                    )
                )
            await asyncio.gather(*acks)

        await asyncio.wait_for(enqueue_and_wait(), timeout=self.settings.outbox_publish_timeout_s)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = new_producer(self.settings)
            try:
                await asyncio.wait_for(
                    producer.start(), timeout=self.settings.outbox_publish_timeout_s
                )
            except BaseException:
                await stop_quietly(producer)
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        # A producer that failed is recreated rather than reused: an idempotent producer can
        # stay broken after a broker blip (aiokafka #1017).
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_quietly(producer)

    # -- waking up -------------------------------------------------------------------------

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(asyncpg_dsn(self.settings.database_url), timeout=5)
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wakeup.set())
            self._listener = conn
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            self._listener = None  # polling still finds the rows
            if conn is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=2)
            log.warning("outbox listener unavailable, polling", error=str(exc))

    async def _drop_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.close(), timeout=2)

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self.settings.outbox_poll_interval_s)
        self._wakeup.clear()

    # -- bookkeeping -----------------------------------------------------------------------

    async def _record_backlog(self) -> None:
        """Counting reads every unsent row, so a busy relay does it every few seconds only."""
        now = time.monotonic()
        if now - self._last_backlog_count < 5:
            return
        self._last_backlog_count = now
        async with self.engine.connect() as conn:
            backlog = await conn.scalar(
                select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
            )
        OUTBOX_BACKLOG.labels(self.settings.service_name).set(backlog or 0)

    async def _cleanup_sent_rows(self) -> None:
        """Sent rows are kept a while for diagnosis, then deleted in bounded chunks."""
        now = time.monotonic()
        if now - self._last_cleanup < 300:
            return
        self._last_cleanup = now
        cutoff = func.now() - timedelta(hours=self.settings.outbox_retention_hours)
        stale = (
            select(self.table.c.id)
            .where(self.table.c.sent_at.is_not(None), self.table.c.sent_at < cutoff)
            .limit(10_000)
            .scalar_subquery()
        )
        async with self.engine.begin() as conn:
            await conn.execute(self.table.delete().where(self.table.c.id.in_(stale)))

    def _failed(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            log.warning("outbox relay cannot publish; retrying with backoff", error=self.last_error)

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.info("outbox relay publishing again")
        self._failing_since = None
        self.last_error = None
