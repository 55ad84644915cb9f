"""The inbox and the consumer loop: at-least-once delivery, effect exactly once.

An event is applied and its id recorded in the inbox in one transaction, so a redelivered event
is a no-op. Offsets are committed only after the database commit. An event that keeps failing
goes to `<topic>.dlq` with the error in its headers, and the loop moves on.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import Column, DateTime, Index, MetaData, Table, Text, Uuid, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tzsb_common.events import CloudEvent, dlq_topic
from tzsb_common.kafka import new_producer, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.metrics import CONSUMER_APPLIED, CONSUMER_LAG, DLQ_EVENTS
from tzsb_common.problems import is_database_unavailable
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)

_PRUNE_INTERVAL_S = 600.0
_KAFKA_CALL_TIMEOUT_S = 30.0

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
"""Applies one event inside the caller's transaction; never commits."""


def add_inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("topic", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_inbox_processed_at", "consumer", "processed_at"),
    )


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service declares: a name, the topics (without prefix) and the handler."""

    name: str
    topics: Sequence[str]
    handler: EventHandler


class PoisonEvent(Exception):
    """The message can never be applied (not a CloudEvent); retrying is pointless."""


class ConsumerStalled(Exception):
    """The consumer stopped making progress although there is something to read."""


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # Offsets are committed after each applied batch, so nothing is pending here.
        log.info("partitions revoked", consumer=self.loop.name, count=len(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.loop.last_progress = time.monotonic()
        log.info("partitions assigned", consumer=self.loop.name, count=len(assigned))


class ConsumerLoop:
    def __init__(
        self,
        *,
        spec: ConsumerSpec,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        inbox: Table,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.session_factory = session_factory
        self.inbox = inbox
        self.topics = [settings.topic(t) for t in spec.topics]
        self.group_id = f"{settings.consumer_group}.{spec.name}"
        self.last_progress = time.monotonic()
        self.restarts = 0
        self._running_since: float | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self._last_prune = 0.0
        self.behind = 0
        """Messages not yet applied on the assigned partitions, as of the last check."""
        self.last_error: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = 0.5
        try:
            while True:
                consumer = self._new_consumer()
                try:
                    await asyncio.wait_for(consumer.start(), timeout=30)
                    consumer.subscribe(self.topics, listener=_Listener(self))
                    self._running_since = time.monotonic()
                    self.last_progress = time.monotonic()
                    backoff = 0.5
                    await self._consume(consumer)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker away, stalled, database away: start over
                    self.restarts += 1
                    self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                    log.warning("consumer restarting", consumer=self.name, error=self.last_error)
                    self._running_since = None
                    await asyncio.sleep(backoff * (1 + random.random() / 2))
                    backoff = min(backoff * 2, 0.5)  # back within a second of an outage
                finally:
                    await stop_quietly(consumer)
        finally:
            if self._dlq_producer is not None:
                await stop_quietly(self._dlq_producer)

    def health(self) -> str | None:
        idle_for = time.monotonic() - self.last_progress
        if self._running_since is None and idle_for > 60:
            return f"consumer {self.name} not running: {self.last_error}"
        if self.behind > 0 and idle_for > self.settings.consumer_stall_timeout_s:
            return f"consumer {self.name} stalled: {self.behind} behind for {idle_for:.0f}s"
        return None

    def _new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            client_id=f"tzsb-{self.settings.service_name}-{self.name}",
            enable_auto_commit=False,  # auto-commit is not at-least-once for batches
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            request_timeout_ms=self.settings.kafka_request_timeout_ms + 30_000,
            metadata_max_age_ms=30_000,
        )

    # -- consuming -------------------------------------------------------------------------

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        last_check = time.monotonic()
        while True:
            batch = await consumer.getmany(
                timeout_ms=1000, max_records=self.settings.consumer_batch_size
            )
            for tp, records in batch.items():
                await self._apply_records(records)
                # Bounded: aiokafka retries a commit for as long as the coordinator is away.
                await asyncio.wait_for(
                    consumer.commit({tp: records[-1].offset + 1}), timeout=_KAFKA_CALL_TIMEOUT_S
                )
                self.last_progress = time.monotonic()
            if time.monotonic() - last_check >= 5:
                last_check = time.monotonic()
                await self._watch_progress(consumer)
            if time.monotonic() - self._last_prune >= _PRUNE_INTERVAL_S:
                await self._prune_inbox()

    async def _watch_progress(self, consumer: AIOKafkaConsumer) -> None:
        """aiokafka #1154: after a broker restart a consumer can stop fetching without error."""
        assignment = consumer.assignment()
        idle_for = time.monotonic() - self.last_progress
        if not assignment:
            # A replica beyond the partition count legitimately holds none; restarting it
            # would only rebalance the whole group.
            self.behind = 0
            return
        end_offsets = await asyncio.wait_for(
            consumer.end_offsets(list(assignment)), timeout=_KAFKA_CALL_TIMEOUT_S
        )
        behind = 0
        for tp in assignment:
            position = await asyncio.wait_for(consumer.position(tp), timeout=_KAFKA_CALL_TIMEOUT_S)
            lag = max(0, end_offsets[tp] - position)
            behind += lag
            CONSUMER_LAG.labels(
                self.settings.service_name, self.group_id, tp.topic, str(tp.partition)
            ).set(lag)
        self.behind = behind
        if behind == 0:
            self.last_progress = time.monotonic()
        elif idle_for > self.settings.consumer_stall_timeout_s:
            raise ConsumerStalled(f"{behind} messages behind and no progress for {idle_for:.0f}s")

    async def _prune_inbox(self) -> None:
        """Forget ids older than any redelivery can be (Kafka keeps a topic for days, not weeks).

        Deleted in bounded chunks so a large backlog never holds one long transaction.
        """
        self._last_prune = time.monotonic()
        cutoff = func.now() - timedelta(days=self.settings.inbox_retention_days)
        stale = (
            select(self.inbox.c.event_id)
            .where(self.inbox.c.consumer == self.name, self.inbox.c.processed_at < cutoff)
            .limit(10_000)
            .scalar_subquery()
        )
        async with self.session_factory() as session, session.begin():
            await session.execute(
                self.inbox.delete().where(
                    self.inbox.c.consumer == self.name, self.inbox.c.event_id.in_(stale)
                )
            )

    async def _apply_records(self, records: list[ConsumerRecord]) -> None:
        """One transaction for the run of records that apply cleanly, a savepoint each."""
        index = 0
        while index < len(records):
            failed: tuple[ConsumerRecord, Exception] | None = None
            async with self.session_factory() as session, session.begin():
                while index < len(records):
                    record = records[index]
                    try:
                        async with session.begin_nested():
                            await self._apply(session, record)
                    except Exception as exc:
                        failed = (record, exc)
                        break
                    index += 1
            if failed is not None:
                await self._retry_or_dead_letter(*failed)
                index += 1

    async def _apply(self, session: AsyncSession, record: ConsumerRecord) -> None:
        try:
            event = CloudEvent.from_json_bytes(record.value or b"")
        except ValidationError as exc:
            raise PoisonEvent(f"not a CloudEvent: {exc.error_count()} errors") from exc
        inserted = await session.scalar(
            insert(self.inbox)
            .values(consumer=self.name, event_id=event.id, topic=record.topic)
            .on_conflict_do_nothing()
            .returning(self.inbox.c.event_id)
        )
        if inserted is None:
            return  # seen before: its effect is already in the database
        await self.spec.handler(session, event)
        CONSUMER_APPLIED.labels(self.settings.service_name, record.topic).inc()

    async def _retry_or_dead_letter(self, record: ConsumerRecord, error: Exception) -> None:
        attempts = 1
        while (
            not isinstance(error, PoisonEvent)
            and not is_database_unavailable(error)
            and attempts < self.settings.consumer_max_attempts
        ):
            await asyncio.sleep(self.settings.consumer_retry_base_s * 2 ** (attempts - 1))
            attempts += 1
            try:
                async with self.session_factory() as session, session.begin():
                    await self._apply(session, record)
                return
            except Exception as exc:
                error = exc
        if is_database_unavailable(error):
            # An outage says nothing about the event: restart from the last committed offset
            # (nothing past it is committed) instead of dead-lettering everything read meanwhile.
            raise error
        await self._dead_letter(record, error, attempts)

    async def _dead_letter(self, record: ConsumerRecord, error: Exception, attempts: int) -> None:
        if self._dlq_producer is None:
            producer = new_producer(self.settings)
            try:
                await asyncio.wait_for(producer.start(), timeout=_KAFKA_CALL_TIMEOUT_S)
            except BaseException:
                await stop_quietly(producer)
                raise
            self._dlq_producer = producer
        headers = [
            *(record.headers or ()),
            ("x-error-type", type(error).__name__.encode()),
            ("x-error-message", str(error)[:1000].encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-consumer", self.name.encode()),
            ("x-attempts", str(attempts).encode()),
        ]
        try:
            await asyncio.wait_for(
                self._dlq_producer.send_and_wait(
                    dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
                ),
                timeout=self.settings.outbox_publish_timeout_s,
            )
        except BaseException:
            producer, self._dlq_producer = self._dlq_producer, None
            await stop_quietly(producer)
            raise
        DLQ_EVENTS.labels(self.settings.service_name, record.topic).inc()
        log.error(
            "event sent to the dead-letter topic",
            consumer=self.name,
            topic=record.topic,
            offset=record.offset,
            error_type=type(error).__name__,
            attempts=attempts,
        )
