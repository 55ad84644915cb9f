"""The consumer loop: at-least-once delivery, effect exactly once, and no way to wedge.

An event is applied and its id recorded in the inbox in one transaction, so a redelivered event
is a no-op. Events are applied in chunks of at most `consumer_chunk_size`, one transaction each,
and the offsets of what a poll applied are committed together when the poll ends (also when its
time budget is spent or a failure stops it), so progress is kept however large a fetched batch
was.

A loop never stays away from `getmany` longer than half of `consumer_max_poll_interval_ms`: when
that budget is spent it seeks back to the first unapplied record and polls again, so a slow batch
never makes the member leave the group (which would fail the commit and replay the batch for
ever). Retrying failing events is bounded per poll by `consumer_retry_budget_s`.

Two kinds of failure are told apart:
- the event's fault (a bug, data the handler refuses): retried a few times, then the event goes
  to `<topic>.dlq` with the error in its headers and the loop moves on;
- the world's fault (the database or a service the handler calls is unavailable, a time-out,
  including the handler time-out, a serialisation conflict): never dead-lettered. The loop keeps
  what it applied, waits with backoff and applies the same event again.

A set-based consumer (`BatchConsumerSpec`) receives a chunk of typed payloads at once; when the
chunk fails, its events are applied one at a time so that one bad event goes to the DLQ alone.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tzsb_common.cancellation import raise_if_cancelled
from tzsb_common.event_handlers import (
    AnyConsumerSpec,
    BatchConsumerSpec,
    BatchHandler,
    ConsumerSpec,
    ConsumerStalled,
    EventHandler,
    HandlerContext,
    HandlerTimedOut,
    PoisonEvent,
    RetryLater,
    TypedEvent,
    is_transient,
)
from tzsb_common.events import EVENT_TYPE_HEADER, CloudEvent, dlq_topic
from tzsb_common.inbox import add_inbox_table, prune_inbox, record_new_events
from tzsb_common.kafka import new_producer, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.metrics import CONSUMER_APPLIED, CONSUMER_LAG, DLQ_EVENTS
from tzsb_common.outbox import Outbox
from tzsb_common.settings import ServiceSettings

__all__ = [
    "AnyConsumerSpec",
    "BatchConsumerSpec",
    "BatchHandler",
    "ConsumerLoop",
    "ConsumerSpec",
    "ConsumerStalled",
    "EventHandler",
    "HandlerContext",
    "HandlerTimedOut",
    "PoisonEvent",
    "RetryLater",
    "TypedEvent",
    "add_inbox_table",
    "is_transient",
]

log = get_logger(__name__)

_KAFKA_CALL_TIMEOUT_S = 30.0


# -- the loop's own signals -------------------------------------------------------------------


def _is_unhandled_type(error: ErrorDetails) -> bool:
    """The `type` names none of the declared payloads (a union's tag, or a single literal)."""
    return error["type"] == "union_tag_invalid" or (
        error["type"] == "literal_error" and error["loc"] == ("type",)
    )


class _Transient(Exception):
    """Internal: stop this poll, keep what was applied, wait, and apply the event again."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _PollBudgetSpent(Exception):
    """Internal: poll again before the broker counts this member as gone."""


@dataclass
class _PollBudget:
    deadline: float
    retry_budget_s: float
    retry_spent_s: float = 0.0


@dataclass(frozen=True)
class _Item:
    record: ConsumerRecord
    event: CloudEvent | TypedEvent[Any] | None
    """None for an event type this consumer does not handle."""


# -- the loop ---------------------------------------------------------------------------------


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # Offsets are committed after each poll that applied events. Only polls of event types
        # this consumer passes over may be pending (up to a second's); the partitions' next
        # owner passes over those again, unparsed.
        log.info("partitions revoked", consumer=self.loop.name, count=len(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.loop.last_progress = time.monotonic()
        log.info("partitions assigned", consumer=self.loop.name, count=len(assigned))


CONSUMER_GATHER_BYTES = 64 * 1024
"""What a gathering consumer's fetch waits for (`consumer_fetch_gather_ms`): a hundred or more
events of the platform's sizes."""


def fetch_options(settings: ServiceSettings) -> dict[str, int]:
    """The fetch settings of a service's consumers: the client's defaults (answer at the first
    byte, hold an idle fetch half a second), or gathering for `consumer_fetch_gather_ms`."""
    if not settings.consumer_fetch_gather_ms:
        return {}
    return {
        "fetch_min_bytes": CONSUMER_GATHER_BYTES,
        "fetch_max_wait_ms": settings.consumer_fetch_gather_ms,
    }


class ConsumerLoop:
    def __init__(
        self,
        *,
        spec: AnyConsumerSpec,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        inbox: Table,
        outbox: Outbox | None = None,
    ) -> None:
        max_poll_s = settings.consumer_max_poll_interval_ms / 1000
        if settings.consumer_handler_timeout_s > max_poll_s / 4:
            raise ValueError(
                "consumer_handler_timeout_s must be at most a quarter of "
                "consumer_max_poll_interval_ms, or one slow call makes the member leave its group"
            )
        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.session_factory = session_factory
        self.inbox = inbox
        self.outbox = outbox
        self.topics = [settings.topic(t) for t in spec.topics]
        self.group_id = f"{settings.consumer_group}.{spec.name}"
        self.last_progress = time.monotonic()
        self.restarts = 0
        self.transient_failures = 0
        """Times the loop waited for an unavailable dependency or a time-out."""
        self.early_polls = 0
        """Times a poll's time budget ran out before its records were applied."""
        self.waiting_on: str | None = None
        """The error the loop is waiting out, while it is."""
        self.behind = 0
        """Messages not yet applied on the assigned partitions, as of the last check."""
        self.last_error: str | None = None
        self._poll_budget_s = max_poll_s / 2
        self._chunk_size = settings.consumer_chunk_size
        self._backoff_s = 0.0
        self._singly_through: dict[TopicPartition, int] = {}
        """Offsets up to which a partition is applied one event at a time (a chunk failed)."""
        self._attempts: dict[tuple[TopicPartition, int], int] = {}
        """Attempts an event had when a poll ended during its retries."""
        self._unhandled_types: set[str] = set()
        self._poll_passed_over_only = False
        """The poll being applied has so far brought only event types this consumer passes over."""
        self._committed_at = -math.inf
        self._running_since: float | None = None
        self._dlq_producer: AIOKafkaProducer | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        pruner = asyncio.create_task(self._prune_periodically(), name=f"inbox-prune:{self.name}")
        backoff = 0.5
        try:
            while True:
                consumer = self._new_consumer()
                self._singly_through.clear()
                self._attempts.clear()
                try:
                    await asyncio.wait_for(consumer.start(), timeout=30)
                    consumer.subscribe(self.topics, listener=_Listener(self))
                    self._running_since = time.monotonic()
                    self.last_progress = time.monotonic()
                    backoff = 0.5
                    await self._consume(consumer)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker away, stalled, commit refused: start over
                    self.restarts += 1
                    self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                    log.warning("consumer restarting", consumer=self.name, error=self.last_error)
                    self._running_since = None
                    await asyncio.sleep(backoff * (1 + random.random() / 2))
                    backoff = min(backoff * 2, 0.5)  # back within a second of an outage
                finally:
                    await stop_quietly(consumer)
        finally:
            pruner.cancel()
            await asyncio.gather(pruner, return_exceptions=True)
            if self._dlq_producer is not None:
                await stop_quietly(self._dlq_producer)

    def health(self) -> str | None:
        idle_for = time.monotonic() - self.last_progress
        if self._running_since is None and idle_for > 60:
            return f"consumer {self.name} not running: {self.last_error}"
        if self.behind > 0 and idle_for > self.settings.consumer_stall_timeout_s:
            if self.waiting_on is not None:
                return f"consumer {self.name} waiting for {idle_for:.0f}s: {self.waiting_on}"
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
            # A topic created as the group forms can be assigned with no partitions (its
            # leaders not elected yet); the consumer sees them at its next metadata refresh.
            # At 30 s a reporting test once waited that long for a rescue event.
            metadata_max_age_ms=5_000,
            max_poll_interval_ms=self.settings.consumer_max_poll_interval_ms,
            **fetch_options(self.settings),
        )

    # -- consuming -------------------------------------------------------------------------

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        last_check = time.monotonic()
        while True:
            raise_if_cancelled()
            fetched = await consumer.getmany(
                timeout_ms=1000, max_records=self.settings.consumer_batch_size
            )
            if fetched:
                await self._apply_fetched(consumer, fetched)
                if sum(map(len, fetched.values())) < self.settings.consumer_batch_size:
                    await asyncio.sleep(self.settings.consumer_poll_linger_ms / 1000)
            if time.monotonic() - last_check >= 5:
                last_check = time.monotonic()
                await self._watch_progress(consumer)

    async def _apply_fetched(
        self, consumer: AIOKafkaConsumer, fetched: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        """Apply one poll's records chunk by chunk within the poll budget, then commit the
        offsets of what was applied, every partition's in one request.

        One commit a poll, not one a chunk: a poll under steady load brings a few events on each
        of several partitions, and a commit after each chunk was a request to the group
        coordinator (and an append to its offsets log) for every few events, in every consumer
        group of the platform: 16 % of the reporting service's time while it applied visits.
        With it and `consumer_poll_linger_ms`, the broker's CPU during swipe ingestion fell by
        about half. An event applied but not committed when the consumer stops is delivered
        again, and the inbox makes that a no-op.

        A poll that brought only event types this consumer passes over is committed at most
        once a `consumer_passed_over_commit_interval_s` (a second): two of the reporting
        service's three consumers of the maintenance topic pass over every visit event, and
        committed each such poll. Delivered again, such an event is passed over again, unparsed."""
        self._poll_passed_over_only = True
        budget = _PollBudget(
            deadline=time.monotonic() + self._poll_budget_s,
            retry_budget_s=self.settings.consumer_retry_budget_s,
        )
        done = dict.fromkeys(fetched, 0)
        try:
            while pending := [tp for tp, records in fetched.items() if done[tp] < len(records)]:
                raise_if_cancelled()
                if time.monotonic() >= budget.deadline:
                    raise _PollBudgetSpent
                for tp, applied in (await self._apply_next(fetched, pending, done, budget)).items():
                    done[tp] += applied
                self.last_progress = time.monotonic()
        except (_PollBudgetSpent, _Transient) as stop:
            # Unapplied records are fetched again by the next poll.
            for tp, records in fetched.items():
                if done[tp] < len(records):
                    consumer.seek(tp, records[done[tp]].offset)
            await self._commit_applied(consumer, fetched, done)
            if isinstance(stop, _Transient):
                await self._wait_out(stop.error)
            else:
                if any(done.values()):
                    self._recovered()
                self.early_polls += 1
                log.info("poll budget spent, polling again", consumer=self.name)
            return
        if (
            not self._poll_passed_over_only
            or time.monotonic() - self._committed_at
            >= self.settings.consumer_passed_over_commit_interval_s
        ):
            await self._commit_applied(consumer, fetched, done)
        self._recovered()

    async def _commit_applied(
        self,
        consumer: AIOKafkaConsumer,
        fetched: dict[TopicPartition, list[ConsumerRecord]],
        done: dict[TopicPartition, int],
    ) -> None:
        offsets = {tp: fetched[tp][n - 1].offset + 1 for tp, n in done.items() if n}
        if offsets:
            # Bounded: aiokafka retries a commit for as long as the coordinator is away.
            await asyncio.wait_for(consumer.commit(offsets), timeout=_KAFKA_CALL_TIMEOUT_S)
            self._committed_at = time.monotonic()

    async def _apply_next(
        self,
        fetched: dict[TopicPartition, list[ConsumerRecord]],
        pending: list[TopicPartition],
        done: dict[TopicPartition, int],
        budget: _PollBudget,
    ) -> dict[TopicPartition, int]:
        """Apply a chunk (or one event) from the front of the first pending partition and, as
        far as `consumer_chunk_size` allows, the fronts of the other pending partitions of its
        topic; returns how many records of each partition it applied.

        Across partitions: events are spread over them by subject, so a poll under a steady
        flow brings a few on each. A chunk per partition was a transaction for every few events
        (the reporting service applied visits seven at a time, 89 transactions a second, while
        a company's terminals posted 1,200 swipes a second). Order is kept where Kafka keeps
        it, within a partition; events of two partitions are of different subjects."""
        first_tp = pending[0]
        first = fetched[first_tp][done[first_tp]]
        try:
            item = self._decode(first)
        except PoisonEvent as exc:
            await self._dead_letter(first, exc, attempts=1)
            return {first_tp: 1}
        if first.offset <= self._singly_through.get(first_tp, -1):
            await self._apply_alone(item, budget)
            return {first_tp: 1}
        chunk = [item]
        taken = {first_tp: 1}
        for tp in pending:
            if tp.topic != first_tp.topic:
                continue  # the inbox records a chunk's events under one topic
            start = done[tp] + taken.get(tp, 0)
            records = fetched[tp]
            if tp != first_tp and records[start].offset <= self._singly_through.get(tp, -1):
                continue  # applied one at a time when its turn comes
            for record in records[start : start + self._chunk_size - len(chunk)]:
                try:
                    chunk.append(self._decode(record))
                except PoisonEvent:
                    break  # dead-lettered alone when its turn comes
                taken[tp] = taken.get(tp, 0) + 1
            if len(chunk) >= self._chunk_size:
                break
        if len(chunk) == 1:
            await self._apply_alone(item, budget)
            return {first_tp: 1}
        try:
            await self._apply_in_transaction(first.topic, chunk)
        except Exception as exc:
            if isinstance(exc, HandlerTimedOut):
                self._chunk_size = max(1, len(chunk) // 2)  # grows back after a success
            elif is_transient(exc):
                raise _Transient(exc) from exc
            log.warning(
                "chunk failed, applying its events one at a time",
                consumer=self.name,
                topic=first.topic,
                events=len(chunk),
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            for tp, count in taken.items():
                self._singly_through[tp] = fetched[tp][done[tp] + count - 1].offset
            await self._apply_alone(item, budget)
            return {first_tp: 1}
        self._chunk_size = min(self.settings.consumer_chunk_size, self._chunk_size * 2)
        return taken

    async def _apply_alone(self, item: _Item, budget: _PollBudget) -> None:
        """One event in its own transaction; retried within the poll's retry budget, then
        dead-lettered. Unavailability and time-outs stop the poll instead (`_Transient`)."""
        settings = self.settings
        position = (TopicPartition(item.record.topic, item.record.partition), item.record.offset)
        attempts = self._attempts.pop(position, 0)
        while True:
            attempts += 1
            started = time.monotonic()
            try:
                await self._apply_in_transaction(item.record.topic, [item])
                return
            except Exception as exc:
                if is_transient(exc):
                    raise _Transient(exc) from exc
                error = exc
            if attempts > 1:
                budget.retry_spent_s += time.monotonic() - started
            delay = settings.consumer_retry_base_s * 2 ** (attempts - 1)
            if (
                attempts >= settings.consumer_max_attempts
                or budget.retry_spent_s + delay > budget.retry_budget_s
            ):
                break
            if time.monotonic() + delay >= budget.deadline:
                self._attempts[position] = attempts  # the next poll goes on counting
                raise _PollBudgetSpent
            await asyncio.sleep(delay)
            budget.retry_spent_s += delay
        await self._dead_letter(item.record, error, attempts)

    async def _apply_in_transaction(self, topic: str, items: Sequence[_Item]) -> None:
        """Record the events in the inbox and apply those that are new, in one transaction."""
        known = [item for item in items if item.event is not None]
        if not known:
            return  # only event types this consumer does not handle
        self._poll_passed_over_only = False
        async with self.session_factory() as session, session.begin():
            new_ids = await record_new_events(
                session,
                self.inbox,
                consumer=self.name,
                topic=topic,
                event_ids=[item.event.id for item in known if item.event is not None],
            )
            fresh: list[_Item] = []
            for item in known:
                assert item.event is not None
                if item.event.id in new_ids:
                    new_ids.discard(item.event.id)  # the same event twice in one chunk
                    fresh.append(item)
            if not fresh:
                return  # all seen before: their effects are already in the database
            context = HandlerContext(
                session,
                consumer=self.name,
                source=self.settings.service_name,
                outbox=self.outbox,
            )
            timeout = asyncio.timeout(self.settings.consumer_handler_timeout_s)
            try:
                async with timeout:
                    await self._handle(context, fresh)
                    await context.flush()
            except TimeoutError as exc:
                if timeout.expired():
                    raise HandlerTimedOut(
                        f"{len(fresh)} events not applied within "
                        f"{self.settings.consumer_handler_timeout_s}s"
                    ) from exc
                raise
        CONSUMER_APPLIED.labels(self.settings.service_name, topic).inc(len(fresh))

    async def _handle(self, context: HandlerContext, items: Sequence[_Item]) -> None:
        spec = self.spec
        if isinstance(spec, BatchConsumerSpec):
            typed = [item.event for item in items if isinstance(item.event, TypedEvent)]
            await spec.handler(context, typed)
        else:
            for item in items:
                assert isinstance(item.event, CloudEvent)
                await spec.handler(context.session, item.event)

    def _decode(self, record: ConsumerRecord) -> _Item:
        raw = record.value or b""
        if not isinstance(self.spec, BatchConsumerSpec):
            return _Item(record, self._envelope(raw))
        for name, value in record.headers or ():
            # A type this consumer does not handle, named by the relay: passed over unparsed.
            # Reporting reads the maintenance topic with three consumers, and two of them
            # parsed every visit event only to skip it.
            if name == EVENT_TYPE_HEADER and value not in self.spec.event_types:
                self._note_unhandled(value.decode(errors="replace"), record.topic)
                return _Item(record, None)
        try:
            return _Item(record, self.spec.decoder.validate_json(raw))
        except ValidationError as exc:
            if not any(_is_unhandled_type(error) for error in exc.errors()):
                raise PoisonEvent(f"invalid event: {exc}"[:1000]) from exc
        event = self._envelope(raw)  # a CloudEvent of a type this consumer does not handle
        self._note_unhandled(event.type, record.topic)
        return _Item(record, None)

    def _note_unhandled(self, event_type: str, topic: str) -> None:
        if event_type not in self._unhandled_types:
            self._unhandled_types.add(event_type)
            log.info(
                "skipping an event type this consumer does not handle",
                consumer=self.name,
                event_type=event_type,
                topic=topic,
            )

    @staticmethod
    def _envelope(raw: bytes) -> CloudEvent:
        try:
            return CloudEvent.from_json_bytes(raw)
        except ValidationError as exc:
            raise PoisonEvent(f"not a CloudEvent: {exc.error_count()} errors") from exc

    async def _wait_out(self, error: BaseException) -> None:
        """Back off before applying the same event again; the poll budget caps the wait so the
        member stays in its group however long the outage lasts."""
        self.transient_failures += 1
        self.last_error = f"{type(error).__name__}: {error}"[:300]
        if self.waiting_on is None:
            log.warning(
                "cannot apply events now; retrying with backoff",
                consumer=self.name,
                error=self.last_error,
            )
        self.waiting_on = self.last_error
        self._backoff_s = min(
            max(self._backoff_s * 2, self.settings.consumer_retry_base_s),
            self.settings.consumer_max_backoff_s,
            self._poll_budget_s / 2,
        )
        await asyncio.sleep(self._backoff_s * (0.5 + random.random() / 2))

    def _recovered(self) -> None:
        if self.waiting_on is not None:
            log.info("applying events again", consumer=self.name)
        self.waiting_on = None
        self._backoff_s = 0.0

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
        elif idle_for > self.settings.consumer_stall_timeout_s and self.waiting_on is None:
            # Waiting out an outage is not a stall: restarting would not end it.
            raise ConsumerStalled(f"{behind} messages behind and no progress for {idle_for:.0f}s")

    # -- inbox retention -------------------------------------------------------------------

    async def _prune_periodically(self) -> None:
        """Forget ids older than any redelivery can be (Kafka keeps a topic for days, not
        weeks). A pass deletes in chunks until nothing old is left, beside the consuming."""
        retention = timedelta(days=self.settings.inbox_retention_days)
        interval = self.settings.inbox_prune_interval_s
        while True:
            await asyncio.sleep(interval * (0.5 + random.random()))  # replicas spread out
            try:
                deleted = await prune_inbox(
                    self.session_factory,
                    self.inbox,
                    consumer=self.name,
                    retention=retention,
                    chunk_rows=self.settings.inbox_prune_chunk_rows,
                )
            except Exception as exc:  # the database away: the next pass catches up
                log.warning("inbox prune failed", consumer=self.name, error=f"{exc}"[:300])
                continue
            if deleted:
                log.info("inbox pruned", consumer=self.name, rows=deleted)

    # -- dead letters ----------------------------------------------------------------------

    async def _dead_letter(self, record: ConsumerRecord, error: Exception, attempts: int) -> None:
        # Commit it: delivered again, the event would go to the dead-letter topic twice.
        self._poll_passed_over_only = False
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
