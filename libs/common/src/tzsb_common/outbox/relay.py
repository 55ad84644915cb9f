"""The relay: publishes the outbox to Kafka, bucket by bucket, and keeps it clean."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from sqlalchemy import (
    Table,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tzsb_common.cancellation import raise_if_cancelled
from tzsb_common.db import asyncpg_dsn
from tzsb_common.kafka import new_producer, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_DELETED,
    OUTBOX_FAILED_ROWS,
    OUTBOX_GIVEN_UP,
    OUTBOX_PUBLISHED,
)
from tzsb_common.outbox.records import (
    ENVELOPE_FAULT_SQL,
    ENVELOPE_OR_ROW_FAULT_ERRORS,
    ROW_FAULT_ERRORS,
    publishable,
    record_headers,
    subject_partition,
)
from tzsb_common.outbox.table import (
    ADVISORY_LOCK_CLASS,
    NOTIFY_CHANNEL,
    apply_bucket_count,
    claimable,
    outbox_settings_table,
)
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)


@dataclass
class _BatchOutcome:
    sent_ids: list[int] = field(default_factory=list)
    row_errors: dict[int, str] = field(default_factory=dict)
    """Rows that failed by their own fault, with the error."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


# The relay's statements are prepared once per connection, and PostgreSQL soon plans such a
# statement once for good (a generic plan). Planned while the outbox was empty, as it mostly is,
# that plan scans the table, and kept when a backlog of 150,000 rows built up, each pass then
# scanned the table once per bucket: 40-580 ms a pass where the index takes a few. Planned on
# each pass, the plan fits the outbox as it is (about 0.2 ms of planning).
_PLAN_EVERY_RUN = "SET LOCAL plan_cache_mode = force_custom_plan"


def _retrieved(delivery: asyncio.Future[Any]) -> None:
    if not delivery.cancelled():
        delivery.exception()


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
        # The relay waited on each batch through `asyncio.shield`; once that wait is given up
        # (the pass timed out), nothing retrieves the batch's own failure, and asyncio logged
        # each one as an error ("Future exception was never retrieved") at every outage.
        deliveries = [
            getattr(batch, "future", None)
            for batches in [
                *getattr(accumulator, "_batches", {}).values(),
                getattr(accumulator, "_pending_batches", ()),
            ]
            for batch in batches
        ]
        fail_all(KafkaConnectionError("outbox relay dropped its producer; rows are retried"))
        for delivery in deliveries:
            if isinstance(delivery, asyncio.Future) and delivery.done():
                _retrieved(delivery)
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
            SELECT o.id, o.bucket, o.topic, o.key, o.event::text AS event, o.attempts,
                o.event ->> 'type' AS event_type, {ENVELOPE_FAULT_SQL} AS envelope_fault
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
                await conn.execute(_PLAN_EVERY_RUN)
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
                    value = publishable(row["event"], row["envelope_fault"])
                except ENVELOPE_OR_ROW_FAULT_ERRORS as exc:
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
                record = {
                    "timestamp": None,
                    "key": key_bytes,
                    "value": value,
                    "headers": record_headers(row["event_type"]),
                }
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
            backlog = await conn.scalar(select(func.count()).select_from(t).where(claimable(t)))
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
