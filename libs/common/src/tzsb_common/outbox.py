"""The transactional outbox: events are written with the change and published by a relay.

Producer contract: `add_event` inserts through the caller's session and never commits; the
event exists exactly when the change it describes does.

Relay contract: rows are claimed by state (`sent_at IS NULL AND failed_at IS NULL`), never by an
id cursor, so a row whose transaction commits after a later row's is still published (the
"outbox gap"). Order per subject holds because every subject hashes to one bucket, and a bucket
is published only under a transaction-scoped advisory lock, in id order, by one relay at a time.
A row is marked sent in the same transaction that held the lock while it was published, so two
relays never publish it twice; a crash between the broker's ack and the commit republishes it
(at least once — the consumers' inbox makes that harmless).

Buckets are assigned by the database, not by the writer: a trigger hashes the subject into the
bucket count stored in `outbox_settings`, so every process — whatever its `OUTBOX_BUCKETS` —
writes one subject into one bucket, and relays scan the stored count. `OUTBOX_BUCKETS` is the
count a relay asks for: when it differs from the stored one, the relay changes it at start under
every bucket lock and a SHARE lock on the outbox (so no writer or relay is half-way), and moves
the unsent rows to their new buckets in the same transaction. Every change is safe, also in a
rolling deploy; replicas should still agree, or each start moves the rows again.

Poison rows: a row that fails for a reason of its own — too large for the broker, not a valid
envelope, not serialisable — is retried `OUTBOX_MAX_ATTEMPTS` times and then marked failed
(`failed_at`, `last_error`); it is counted in `/metrics` and listed at `GET
/api/v1/outbox/failed`. While it is being retried, later rows of the same subject wait behind it;
once it is marked failed, they go on. Going on is the right default: every snapshot event
carries a newer `version` than the failed one, so replicas converge on the subject's latest
state, whereas waiting would freeze the subject in every consumer until an operator acts. A
broker that is away is nobody's row's fault: those rows are retried for ever, with backoff.

One retry case can repeat an older event after a newer one: when a batch fails part-way, a
produce request already on its way may still land, and the retry then sends the whole batch
again. (What the dropped producer had merely queued is thrown away, see
`_abandon_queued_batches`.) Snapshot events therefore carry a `version`, and a replica applies
one only if it is newer than what it holds.

Retention: by default (`OUTBOX_RETENTION_HOURS=0`) a row is deleted in the transaction that
published it; the topic, not the outbox, is the record of what was sent. With a retention, sent
rows are kept (`sent_at` set) and deleted in batches every `OUTBOX_CLEANUP_INTERVAL_S` once
older than it, each pass until nothing expired is left, so clean-up keeps pace with any
sustained publishing rate (benchmarks/outbox_retention.py measures it); the clean-up also
removes what a retention left behind after it is set to zero. Failed rows are kept until an
operator deals with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaConnectionError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)
from aiokafka.partitioner import murmur2
from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from tzsb_common.auth import BureauPrincipal
from tzsb_common.cancellation import raise_if_cancelled
from tzsb_common.db import DbSession, asyncpg_dsn
from tzsb_common.events import CLOUDEVENTS_CONTENT_TYPE, CloudEvent, EventDocument, EventPayload
from tzsb_common.kafka import MAX_RECORD_BYTES, new_producer, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_DELETED,
    OUTBOX_FAILED_ROWS,
    OUTBOX_GIVEN_UP,
    OUTBOX_PUBLISHED,
)
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.problems import NotFound
from tzsb_common.routing import feature_router
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)

NOTIFY_CHANNEL = "tzsb_outbox"
ADVISORY_LOCK_CLASS = 0x7A5B0001
"""First key of the two-key advisory lock; the bucket number is the second."""
MAX_BUCKETS = 32_767
"""`bucket` is a smallint."""
SETTINGS_TABLE = "outbox_settings"

ROW_FAULT_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
)
"""Kafka errors that are the row's own fault: sending it again cannot succeed. Together with an
envelope that does not validate or serialise, they count towards `OUTBOX_MAX_ATTEMPTS`; every
other error (broker away, leader moving, timeouts) is retried for ever. The producer's
`max_request_size` (1 MiB) is below Apache Kafka's default `message.max.bytes`, so an oversize
row is refused by the client before it is queued, alone, not in a batch with good rows."""
_ENVELOPE_OR_ROW_FAULT_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    *ROW_FAULT_ERRORS,
)


def add_outbox_table(metadata: MetaData) -> Table:
    """The outbox lives on the service's own metadata, so its Alembic history owns it.

    Adds `outbox_settings` (the stored bucket count) beside it."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        # Assigned by the `outbox_assign_bucket` trigger from the stored bucket count.
        Column("bucket", SmallInteger, nullable=False),
        Column("event", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        # Failed publishing attempts that were the row's own fault.
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("failed_at", DateTime(timezone=True)),
        Column("last_error", Text),
        Index(
            "ix_outbox_unsent",
            "bucket",
            "id",
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
        Index("ix_outbox_sent_at", "sent_at", postgresql_where=text("sent_at IS NOT NULL")),
        Index("ix_outbox_failed", "id", postgresql_where=text("failed_at IS NOT NULL")),
    )
    Table(
        SETTINGS_TABLE,
        metadata,
        Column("id", SmallInteger, primary_key=True, autoincrement=False),
        Column("buckets", Integer, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"buckets BETWEEN 1 AND {MAX_BUCKETS}", name="buckets_in_range"),
    )
    return outbox


def outbox_settings_table(outbox: Table) -> Table:
    key = SETTINGS_TABLE if outbox.schema is None else f"{outbox.schema}.{SETTINGS_TABLE}"
    return outbox.metadata.tables[key]


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

BUCKET_TRIGGER_DDL = (
    # hashtextextended is what hash partitioning of text uses, so PostgreSQL keeps it stable.
    """
    CREATE OR REPLACE FUNCTION outbox_bucket_of(subject text, buckets integer)
    RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (((hashtextextended(subject, 0) % buckets) + buckets) % buckets)::integer
    $$
    """,
    # The count is read once per transaction and kept in a transaction-local setting (a read
    # per row doubled the cost of an insert). That is exact: from its first outbox insert the
    # transaction holds ROW EXCLUSIVE on the outbox, so no change (which needs SHARE) can commit
    # before it does; and under READ COMMITTED the first read takes a fresh snapshot, after
    # any change it waited for.
    """
    CREATE OR REPLACE FUNCTION outbox_assign_bucket() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        buckets text := current_setting('tzsb.outbox_buckets', true);
    BEGIN
        IF buckets IS NULL OR buckets = '' THEN
            buckets := coalesce((SELECT s.buckets FROM outbox_settings s WHERE s.id = 1), 1)::text;
            PERFORM set_config('tzsb.outbox_buckets', buckets, true);
        END IF;
        NEW.bucket := outbox_bucket_of(NEW.key, buckets::integer);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER outbox_assign_bucket BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_assign_bucket()
    """,
)
"""The database assigns every row's bucket from the stored count, whatever the writer sends
(migration 0002 of every service runs these)."""

DROP_BUCKET_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS outbox_assign_bucket ON outbox",
    "DROP FUNCTION IF EXISTS outbox_assign_bucket()",
    "DROP FUNCTION IF EXISTS outbox_bucket_of(text, integer)",
)


def subject_bucket(subject: str, buckets: int) -> int:
    """A writer-side guess kept for callers that fill `bucket` themselves; the database's
    `outbox_assign_bucket` trigger replaces it with the bucket of the stored count."""
    return zlib.crc32(subject.encode()) % buckets


def _claimable(table: Table) -> ColumnElement[bool]:
    return and_(table.c.sent_at.is_(None), table.c.failed_at.is_(None))


async def apply_bucket_count(
    engine: AsyncEngine, table: Table, buckets: int, *, lock_timeout_s: float = 5.0
) -> int | None:
    """Make `buckets` the stored bucket count; returns the previous count if it changed.

    In one transaction: every bucket lock (relays finish their batch and skip the buckets until
    the commit), a SHARE lock on the outbox (writers in flight commit first, new writers wait
    and then see the new count), the new count, and every unsent row moved to its new bucket.
    So no subject is ever split over two buckets and no row is left outside the scanned range.
    """
    if not 1 <= buckets <= MAX_BUCKETS:
        raise ValueError(f"OUTBOX_BUCKETS must be between 1 and {MAX_BUCKETS}, not {buckets}")
    stored_table = outbox_settings_table(table)
    async with engine.begin() as conn:
        # Bounded waits: a change stuck behind a long transaction would queue every writer.
        await conn.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'"))
        stored = await conn.scalar(
            select(stored_table.c.buckets).where(stored_table.c.id == 1).with_for_update()
        )
        if stored == buckets:
            return None
        previous = int(stored or 1)  # without a stored row the trigger used one bucket
        every_bucket = (
            func.generate_series(0, max(previous, buckets) - 1)
            .table_valued("value")
            .render_derived(name="buckets")
        )
        await conn.execute(
            select(func.pg_advisory_xact_lock(ADVISORY_LOCK_CLASS, every_bucket.c.value))
        )
        quoted = conn.dialect.identifier_preparer.format_table(table)
        await conn.execute(text(f"LOCK TABLE {quoted} IN SHARE MODE"))
        upsert = pg_insert(stored_table).values(id=1, buckets=buckets)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[stored_table.c.id],
                set_={"buckets": buckets, "changed_at": func.now()},
            )
        )
        new_bucket = func.outbox_bucket_of(table.c.key, buckets)
        moved = await conn.execute(
            table.update()
            .where(_claimable(table), table.c.bucket != new_bucket)
            .values(bucket=new_bucket)
        )
        await conn.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))  # relays look again
    log.warning(
        "outbox bucket count changed",
        previous=previous,
        buckets=buckets,
        moved_rows=moved.rowcount,
    )
    return previous


async def stored_bucket_count(engine: AsyncEngine, table: Table) -> int | None:
    stored_table = outbox_settings_table(table)
    async with engine.connect() as conn:
        stored = await conn.scalar(select(stored_table.c.buckets).where(stored_table.c.id == 1))
    return None if stored is None else int(stored)


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
        """Many events in one statement: a batch costs one round trip, not one per event.
        The bucket is left to the database (see `BUCKET_TRIGGER_DDL`)."""
        if not events:
            return
        await session.execute(
            self.table.insert(),
            [
                {
                    "event_id": event.id,
                    "topic": self.settings.topic(topic),
                    "key": event.subject,
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
        await conn.execute(
            f"INSERT INTO {self.table.name} (event_id, topic, key, bucket, event) "  # noqa: S608
            # The documents travel as text: a jsonb codec on the connection would encode them
            # a second time.
            "SELECT i, t, k, b, e::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], "
            "$4::int2[], $5::text[]) AS batch(i, t, k, b, e)",
            *self.row_arrays(events),
        )

    def row_arrays(
        self, events: Sequence[tuple[CloudEvent | EventDocument, str]]
    ) -> list[list[Any]]:
        """The outbox columns of `events` as arrays in their order — event ids, topics (with
        the prefix), keys, buckets, documents — for an `unnest` insert or a COPY on a raw
        connection. An `EventDocument` goes in as already serialised."""
        buckets = self.settings.outbox_buckets
        topics: dict[str, str] = {}
        for _, topic in events:
            if topic not in topics:
                topics[topic] = self.settings.topic(topic)
        return [
            [event.id for event, _ in events],
            [topics[topic] for _, topic in events],
            [event.subject for event, _ in events],
            [subject_bucket(event.subject, buckets) for event, _ in events],
            [
                event.document if isinstance(event, EventDocument) else event.model_dump_json()
                for event, _ in events
            ],
        ]


async def _request_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


CurrentOutbox = Annotated[Outbox, Depends(_request_outbox)]
"""The service's outbox writer, for routes that hand it to their service function."""


# -- failed rows, for an operator -----------------------------------------------------------


class FailedOutboxRow(BaseModel):
    """An event the relay gave up on; its subject's later events went on without it."""

    id: int
    event_id: uuid.UUID
    topic: str
    subject: str
    event_type: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    failed_at: datetime


class _FailedCursor(BaseModel):
    id: int


async def list_failed_rows(
    executor: AsyncConnection | AsyncSession,
    table: Table,
    *,
    limit: int = DEFAULT_PAGE_LIMIT,
    after_id: int | None = None,
) -> list[FailedOutboxRow]:
    """Failed rows in id order (oldest first), `limit` of them after `after_id`."""
    t = table
    query = (
        select(
            t.c.id,
            t.c.event_id,
            t.c.topic,
            t.c.key.label("subject"),
            t.c.event["type"].astext.label("event_type"),
            t.c.attempts,
            t.c.last_error,
            t.c.created_at,
            t.c.failed_at,
        )
        .where(t.c.failed_at.is_not(None))
        .order_by(t.c.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(t.c.id > after_id)
    rows = (await executor.execute(query)).mappings().all()
    return [FailedOutboxRow.model_validate(dict(row)) for row in rows]


async def retry_failed_row(session: AsyncSession, table: Table, row_id: int) -> bool:
    """Give a failed row a fresh set of attempts, once its cause is mended (e.g. the broker's
    `message.max.bytes` raised); False when no failed row has that id. Commits.

    It is published after the later events of its subject that went on without it, so a
    consumer sees an older snapshot last: the snapshot `version` makes a replica ignore it."""
    stored_table = outbox_settings_table(table)
    stored_count = func.coalesce(
        select(stored_table.c.buckets).where(stored_table.c.id == 1).scalar_subquery(), 1
    )
    result = await session.execute(
        table.update()
        .where(table.c.id == row_id, table.c.failed_at.is_not(None))
        .values(
            failed_at=None,
            attempts=0,
            last_error=None,
            # Failed rows are not moved by a bucket-count change: place it by today's count.
            bucket=func.outbox_bucket_of(table.c.key, stored_count),
        )
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


def failed_outbox_router(table: Table) -> APIRouter:
    """`GET /outbox/failed` for the bureau: the events this service could not publish."""
    router = feature_router("/outbox", tags=["outbox"])

    @router.get("/failed", response_model=Page[FailedOutboxRow])
    async def list_failed_outbox_events(
        _: BureauPrincipal,
        session: DbSession,
        limit: PageLimit = DEFAULT_PAGE_LIMIT,
        cursor: PageCursor = None,
    ) -> Page[FailedOutboxRow]:
        """Outbox events marked failed (too large for the broker, not a valid envelope) after
        `OUTBOX_MAX_ATTEMPTS` tries, oldest first, with the last error."""
        after = None if cursor is None else decode_cursor_as(cursor, _FailedCursor).id
        rows = await list_failed_rows(session, table, limit=limit + 1, after_id=after)
        page, next_cursor = keyset_page(rows, limit, lambda row: {"id": row.id})
        return Page[FailedOutboxRow](items=page, next_cursor=next_cursor)

    @router.post("/failed/{row_id}/retry", status_code=status.HTTP_204_NO_CONTENT)
    async def retry_failed_outbox_event(
        row_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        _: BureauPrincipal,
        session: DbSession,
    ) -> None:
        """Publish a failed event again (after its cause was mended): it gets a fresh set of
        `OUTBOX_MAX_ATTEMPTS` and leaves the failed list."""
        if not await retry_failed_row(session, table, row_id):
            raise NotFound(f"No failed outbox event has id {row_id}.")

    return router


# -- the relay --------------------------------------------------------------------------------


@dataclass
class _BatchOutcome:
    sent_ids: list[int] = field(default_factory=list)
    row_errors: dict[int, str] = field(default_factory=dict)
    """Rows that failed by their own fault, with the error."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


class _Envelope(BaseModel):
    """What a consumer needs of a CloudEvent to decode it; checked before a row is published.
    Lighter than validating and serialising a `CloudEvent` again, which cost a relay more per
    event than the broker did."""

    model_config = ConfigDict(extra="ignore")

    specversion: Literal["1.0"]
    id: uuid.UUID
    source: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]


_HEADERS = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]
_SUBJECT_HASHES: dict[bytes, int] = {}
SUBJECT_HASHES_KEPT = 100_000


def subject_partition(key: bytes, partitions: Sequence[int]) -> int:
    """The partition aiokafka's default partitioner gives `key` (the Java client's murmur2,
    made positive, modulo the partition count), so a subject keeps the partition every earlier
    relay chose for it. murmur2 is pure Python there, half of a relay's CPU per event, and the
    same cylinders and elevators come back again and again, so recent subjects' hashes are
    remembered (up to `SUBJECT_HASHES_KEPT`, then forgotten together)."""
    hashed = _SUBJECT_HASHES.get(key)
    if hashed is None:
        if len(_SUBJECT_HASHES) >= SUBJECT_HASHES_KEPT:
            _SUBJECT_HASHES.clear()
        hashed = _SUBJECT_HASHES[key] = murmur2(key) & 0x7FFFFFFF
    return partitions[hashed % len(partitions)]


def _retrieved(delivery: asyncio.Future[Any]) -> None:
    if not delivery.cancelled():
        delivery.exception()


def _publishable(stored: str) -> bytes:
    """The row's event as published: the stored JSON once it reads as an envelope. Too large
    for a request is the row's own fault, refused here alone rather than in a record batch
    with good rows."""
    _Envelope.model_validate_json(stored)
    value = stored.encode()
    if len(value) > MAX_RECORD_BYTES:
        raise MessageSizeTooLargeError(
            f"the event is {len(value)} bytes, above the producer's {MAX_RECORD_BYTES}"
        )
    return value


async def _abandon_queued_batches(producer: AIOKafkaProducer) -> None:
    """Make sure a dropped producer delivers nothing more.

    `stop()` first flushes what is queued; while the broker is away that never ends, the stop
    is abandoned after its timeout, and the producer's sender task lives on and delivers the
    queued batch once the broker is back — after the new producer has published the same rows
    and newer ones, so a consumer would see an old event last. The rows of a dropped producer's
    batch are unsent in the database and will be published again, so its queue is thrown away:
    the sender task is cancelled before it can drain another batch, and every queued batch is
    failed, which lets `stop()` finish at once. (aiokafka has no public abort; these are its
    internals, so a version without them just gets the plain stop.)"""
    sender = getattr(producer, "_sender", None)
    task = getattr(sender, "sender_task", None)
    if isinstance(task, asyncio.Task) and not task.done():
        task.cancel()
    accumulator = getattr(producer, "_message_accumulator", None)
    fail_all = getattr(accumulator, "fail_all", None)
    if callable(fail_all):
        fail_all(KafkaConnectionError("outbox relay dropped its producer; rows are retried"))
    if isinstance(task, asyncio.Task):
        # Let the cancellation land here: `stop()` awaiting a cancelled task would raise
        # CancelledError into the relay. `wait` neither raises it nor hides our own.
        await asyncio.wait([task], timeout=5)


class OutboxRelay:
    """Publishes unsent outbox rows in batches with acks=all and marks them sent."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        settings: ServiceSettings,
        retention: timedelta | None = None,
    ) -> None:
        self.engine = engine
        self.table = table
        self.settings = settings
        self.retention = (
            retention if retention is not None else timedelta(hours=settings.outbox_retention_hours)
        )
        """Sent rows older than this are deleted (`OUTBOX_RETENTION_HOURS` unless given); zero
        deletes a row in the transaction that published it."""
        self._producer: AIOKafkaProducer | None = None
        self._wakeup = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._failing_since: float | None = None
        self._last_backlog_count = 0.0
        self._bucket_count_applied = False
        self._next_bucket_count_attempt = 0.0
        name = table.fullname
        stored = outbox_settings_table(table).fullname
        # One index probe per bucket of the stored count: constant cost however large a backlog
        # grew while Kafka was away (a DISTINCT over the unsent rows would read them all). The
        # LIMIT keeps the probe a probe: as an EXISTS, PostgreSQL planned a hash semi-join that
        # read every unsent row, about 80 ms a pass while a busy service wrote thousands. It
        # reads `attempts`, outside the index, so the probe is a plain index scan: that marks
        # the entries of published (deleted) rows dead as it passes them, where an index-only
        # scan would visit each one's heap page again on every pass until a vacuum.
        # MATERIALIZED, so only buckets with work are locked.
        self._lock_pending_buckets = f"""
            WITH pending AS MATERIALIZED (
                SELECT b FROM generate_series(
                    0, coalesce((SELECT s.buckets FROM {stored} s WHERE s.id = 1), 1) - 1
                ) AS b
                CROSS JOIN LATERAL (
                    SELECT o.attempts FROM {name} o
                    WHERE o.bucket = b AND o.sent_at IS NULL AND o.failed_at IS NULL
                    LIMIT 1
                ) AS waiting
            )
            SELECT array_agg(b) FROM pending WHERE pg_try_advisory_xact_lock($1, b)
        """  # noqa: S608 (the service's own outbox table)
        # Per bucket, its oldest unsent rows in id order: the order of its subjects' events.
        self._claim_rows = f"""
            SELECT o.id, o.bucket, o.topic, o.key, o.event::text AS event, o.attempts
            FROM unnest($1::int[]) AS locked(b)
            CROSS JOIN LATERAL (
                SELECT id, bucket, topic, key, event, attempts FROM {name}
                WHERE bucket = locked.b AND sent_at IS NULL AND failed_at IS NULL
                ORDER BY id LIMIT $2
            ) AS o
            ORDER BY o.id
        """  # noqa: S608
        # Deleting is what keeps the outbox cheap: marking a row sent writes a new version of
        # it and an entry in three indexes (about 10 ms per 1,000 rows here, against 1.2 ms for
        # the delete), and the kept rows grow the table and the indexes every claim reads.
        self._mark_sent = (
            f"DELETE FROM {name} WHERE id = ANY($1::bigint[])"  # noqa: S608
            if not self.retention
            else f"UPDATE {name} SET sent_at = now() WHERE id = ANY($1::bigint[])"  # noqa: S608
        )
        self._record_attempts = f"""
            UPDATE {name} AS o
            SET attempts = f.attempts, last_error = f.error,
                failed_at = CASE WHEN f.final THEN now() END
            FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bool[])
                AS f(id, attempts, error, final)
            WHERE o.id = f.id
        """  # noqa: S608
        self.last_error: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = 0.2
        retention = asyncio.create_task(self.keep_retention(), name="outbox-retention")
        try:
            while True:
                raise_if_cancelled()
                try:
                    await self._apply_bucket_count()
                    await self._ensure_listener()
                    published = await self.publish_pending()
                    await self._record_backlog()
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
            retention.cancel()
            await asyncio.gather(retention, return_exceptions=True)
            await self._drop_producer()
            await self._drop_listener()

    async def _apply_bucket_count(self) -> None:
        """Once per start. A change that cannot take its locks now (a long transaction on the
        outbox) is tried again later; publishing goes on with the stored count meanwhile."""
        if self._bucket_count_applied or time.monotonic() < self._next_bucket_count_attempt:
            return
        try:
            await apply_bucket_count(self.engine, self.table, self.settings.outbox_buckets)
            self._bucket_count_applied = True
        except DBAPIError as exc:
            self._next_bucket_count_attempt = time.monotonic() + 30
            log.warning(
                "cannot change the outbox bucket count yet; publishing with the stored one",
                buckets=self.settings.outbox_buckets,
                error=_describe(exc),
            )

    def health(self) -> str | None:
        if self._failing_since is not None and time.monotonic() - self._failing_since > 30:
            return f"outbox relay failing: {self.last_error}"
        return None

    # -- publishing ------------------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish every bucket that has unsent rows; returns how many rows were published."""
        total = 0
        while True:
            published, full = await self._publish_pass()
            total += published
            if not full:
                return total

    async def _publish_pass(self) -> tuple[int, bool]:
        """One transaction over every pending bucket this relay can lock: claim up to a batch
        per bucket, publish them all, mark them sent. Returns (rows published, whether some
        bucket had a full batch and may hold more).

        One pass per wake-up, not one per bucket: a write-heavy service wakes the relay at
        every commit, and with a transaction of five statements per bucket the relay's round
        trips, not the broker, were what a request waited behind. The buckets are locked in
        one statement and read in the next, so the read's snapshot is taken after the locks:
        rows another relay published and committed just before are seen as sent."""
        async with self.engine.connect() as sa_conn:
            conn: asyncpg.Connection = (await sa_conn.get_raw_connection()).driver_connection
            async with conn.transaction():
                buckets = await conn.fetchval(self._lock_pending_buckets, ADVISORY_LOCK_CLASS)
                if not buckets:
                    return 0, False  # nothing unsent, or other relays hold every such bucket
                rows = await conn.fetch(self._claim_rows, buckets, self.settings.outbox_batch_size)
                if not rows:
                    return 0, False
                outcome = await self._send(rows)
                if outcome.sent_ids:
                    await conn.execute(self._mark_sent, outcome.sent_ids)
                given_up = await self._record_row_errors(conn, rows, outcome)
        self._count(rows, outcome, given_up)
        claimed_per_bucket = Counter(row["bucket"] for row in rows)
        full = any(n >= self.settings.outbox_batch_size for n in claimed_per_bucket.values())
        return len(outcome.sent_ids), full

    async def _record_row_errors(
        self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record], outcome: _BatchOutcome
    ) -> list[tuple[asyncpg.Record, str]]:
        failing = [row for row in rows if row["id"] in outcome.row_errors]
        if not failing:
            return []
        attempts = [row["attempts"] + 1 for row in failing]
        final = [n >= self.settings.outbox_max_attempts for n in attempts]
        await conn.execute(
            self._record_attempts,
            [row["id"] for row in failing],
            attempts,
            [outcome.row_errors[row["id"]] for row in failing],
            final,
        )
        return [
            (row, outcome.row_errors[row["id"]])
            for row, is_final in zip(failing, final, strict=True)
            if is_final
        ]

    def _count(
        self,
        rows: Sequence[asyncpg.Record],
        outcome: _BatchOutcome,
        given_up: Sequence[tuple[asyncpg.Record, str]],
    ) -> None:
        service = self.settings.service_name
        sent = set(outcome.sent_ids)
        for topic, n in Counter(row["topic"] for row in rows if row["id"] in sent).items():
            OUTBOX_PUBLISHED.labels(service, topic).inc(n)
        for row, error in given_up:
            OUTBOX_GIVEN_UP.labels(service, row["topic"]).inc()
            log.error(
                "outbox event cannot be published; marked failed, its subject goes on",
                outbox_id=row["id"],
                topic=row["topic"],
                subject=row["key"],
                error=error,
            )

    async def _send(self, rows: Sequence[asyncpg.Record]) -> _BatchOutcome:
        """Publish `rows` in order; a row that fails by its own fault holds back the later rows
        of its subject in this batch (they wait for its retry, or go on once it is given up).
        Any other error propagates: the whole batch is retried.

        The rows go into record batches per partition built here (`create_batch`), not one
        `send` each: a send waits on metadata, partitions and queues every message with a
        future of its own, which cost more than the rest of a relay pass together. A row is
        checked as an envelope and published as stored; a broker refusal of a record batch is
        the fault of every row in it, as it was when the client batched them."""
        producer = await self._ensure_producer()
        outcome = _BatchOutcome()
        held_subjects: set[str] = set()

        async def enqueue_and_wait() -> None:
            queued: list[tuple[list[asyncpg.Record], Any]] = []
            filling: dict[tuple[str, int], tuple[Any, list[asyncpg.Record]]] = {}
            partitions: dict[str, list[int]] = {}

            async def submit(topic: str, partition: int) -> None:
                batch, members = filling.pop((topic, partition))
                # aiokafka keeps one batch in flight per partition, in the order submitted.
                sent = await producer.send_batch(batch, topic, partition=partition)
                # A pass abandoned before it gathers them (time-out, dropped producer) must not
                # leave failed deliveries unretrieved; the rows are simply published again.
                sent.add_done_callback(_retrieved)
                queued.append((members, sent))

            for row in rows:
                key = row["key"]
                if key in held_subjects:
                    continue
                try:
                    value = _publishable(row["event"])
                except _ENVELOPE_OR_ROW_FAULT_ERRORS as exc:
                    # ValueError covers pydantic's validation errors.
                    outcome.row_errors[row["id"]] = _describe(exc)
                    held_subjects.add(key)
                    continue
                topic = row["topic"]
                if topic not in partitions:
                    partitions[topic] = sorted(await producer.partitions_for(topic))
                key_bytes = key.encode()
                partition = subject_partition(key_bytes, partitions[topic])
                if (topic, partition) not in filling:
                    filling[(topic, partition)] = (producer.create_batch(), [])
                batch, members = filling[(topic, partition)]
                record = {"timestamp": None, "key": key_bytes, "value": value, "headers": _HEADERS}
                if batch.append(**record) is None:
                    await submit(topic, partition)  # full: it goes, the row starts the next one
                    batch, members = filling[(topic, partition)] = (producer.create_batch(), [])
                    batch.append(**record)  # an empty batch takes any record
                members.append(row)
            for topic, partition in list(filling):
                await submit(topic, partition)
            results = await asyncio.gather(*(sent for _, sent in queued), return_exceptions=True)
            for (members, _), result in zip(queued, results, strict=True):
                if isinstance(result, ROW_FAULT_ERRORS):
                    for row in members:
                        outcome.row_errors[row["id"]] = _describe(result)
                elif isinstance(result, BaseException):
                    raise result
                else:
                    outcome.sent_ids.extend(row["id"] for row in members)

        await asyncio.wait_for(enqueue_and_wait(), timeout=self.settings.outbox_publish_timeout_s)
        return outcome

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
            await _abandon_queued_batches(producer)
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
        t = self.table
        async with self.engine.connect() as conn:
            backlog = await conn.scalar(select(func.count()).select_from(t).where(_claimable(t)))
            failed = await conn.scalar(
                select(func.count()).select_from(t).where(t.c.failed_at.is_not(None))
            )
        OUTBOX_BACKLOG.labels(self.settings.service_name).set(backlog or 0)
        OUTBOX_FAILED_ROWS.labels(self.settings.service_name).set(failed or 0)

    async def delete_expired_sent_rows(self, *, max_statements: int = 1_000) -> int:
        """Delete sent rows older than the retention, `OUTBOX_CLEANUP_BATCH_SIZE` per statement
        and transaction, until none is left (or `max_statements` ran); returns how many.

        Short statements keep locks and WAL bursts small; SKIP LOCKED lets replicas clean at
        the same time without waiting on each other."""
        t = self.table
        batch = self.settings.outbox_cleanup_batch_size
        expired = (
            select(t.c.id)
            .where(t.c.sent_at.is_not(None), t.c.sent_at < func.now() - self.retention)
            .limit(batch)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = t.delete().where(t.c.id.in_(expired))
        total = 0
        for _ in range(max_statements):
            async with self.engine.begin() as conn:
                deleted = (await conn.execute(statement)).rowcount
            total += deleted
            if deleted < batch:
                break
        if total:
            OUTBOX_DELETED.labels(self.settings.service_name).inc(total)
        return total

    async def keep_retention(self) -> None:
        """Delete expired sent rows every `OUTBOX_CLEANUP_INTERVAL_S`, for ever (`run` starts
        it beside the publishing loop). Without a retention this relay keeps no sent row, so
        one successful pass clears what an earlier retention kept, and the loop ends."""
        while True:
            raise_if_cancelled()
            try:
                await self.delete_expired_sent_rows()
                if not self.retention:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL away: the next pass catches up
                log.warning("outbox clean-up failed", error=_describe(exc))
            await asyncio.sleep(self.settings.outbox_cleanup_interval_s)

    def _failed(self, exc: BaseException) -> None:
        self.last_error = _describe(exc)[:300]
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            log.warning("outbox relay cannot publish; retrying with backoff", error=self.last_error)

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.info("outbox relay publishing again")
        self._failing_since = None
        self.last_error = None
