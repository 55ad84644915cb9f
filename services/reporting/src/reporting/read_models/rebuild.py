"""Rebuilding the read models from the bus: `tzsb reporting rebuild` runs this.

The read models hold nothing a request wrote, so they can be thrown away and made again from
the events: after a change in how an event is read, a bug that left a wrong figure behind, or
a restore. The rebuild

1. empties every read-model table (`READ_MODEL`) and the inbox rows of their consumers, in one
   transaction (reporting keeps serving meanwhile; its figures fill up again as the replay runs);
2. asks the registry to re-publish its snapshot topics (a callback: the platform command wires
   the registry's own re-publishing), since a compacted or expired topic no longer holds every
   record's history — the snapshots carry the ids their originals had, so a record whose
   original is still on the topic is applied once;
3. reads every topic the read models are built from, from its first retained event, with the
   read models' own consumers under a consumer group of its own, until each partition is read
   up to where it ended once step 2 was published.

The live consumers go on beside it: they share the inbox with the replay (the same consumer
names), so whichever applies an event first applies it and the other skips it, and every read
model is indifferent to the order (registry snapshots keep their newest version, facts are
inserted once, visits recompute their months, fill counts add each event once).

Events older than a topic's retention (7 days for the event topics) are gone from the bus, and
so are their effects after a rebuild: a rebuild restores what the topics still hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import func, select

from reporting.db import inbox, load_metadata, outbox
from reporting.read_models import queries
from reporting.read_models.consumers import read_model_consumers
from reporting.read_models.tables import read_model_tables
from reporting.safety_events.consumers import safety_event_consumers
from reporting.settings import ReportingSettings
from tzsb_common.consumer import ConsumerLoop
from tzsb_common.db import create_engine, create_session_factory
from tzsb_common.kafka import ensure_topics, stop_quietly
from tzsb_common.logging import get_logger
from tzsb_common.outbox import Outbox

log = get_logger(__name__)

Republish = Callable[[], Awaitable[None]]
"""Queues the registry's snapshots and returns once its relay has published them."""


class RebuildIncomplete(RuntimeError):
    """The replay did not reach the end of every partition in time."""


@dataclass(frozen=True)
class RebuildReport:
    rows: dict[str, int]
    """Rows per read-model table once the replay caught up."""
    replay_group: str
    """The consumer-group prefix the replay read under (its offsets expire with the broker's
    offset retention)."""
    seconds: float


async def rebuild_read_models(
    settings: ReportingSettings,
    *,
    republish: Republish | None = None,
    timeout_s: float = 600.0,
    poll_interval_s: float = 0.5,
) -> RebuildReport:
    started = time.monotonic()
    load_metadata()
    zone = ZoneInfo(settings.business_timezone)
    specs = [*read_model_consumers(zone), *safety_event_consumers(zone)]
    tables = read_model_tables()
    engine = create_engine(settings)
    session_factory = create_session_factory(engine)
    try:
        async with session_factory() as session, session.begin():
            await queries.empty_read_models(
                session,
                tables=[table.name for table in tables],
                inbox=inbox.name,
                consumers=[spec.name for spec in specs],
            )
        log.info("read models emptied", tables=[table.name for table in tables])
        topics = sorted({settings.topic(topic) for spec in specs for topic in spec.topics})
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            topics,
            settings.kafka_topic_partitions,
            settings.kafka_replication_factor,
            prefix=settings.kafka_topic_prefix,
        )
        if republish is not None:
            await republish()
        ends = await _end_offsets(settings, topics)
        replay = settings.model_copy(
            update={
                "kafka_consumer_group": f"{settings.consumer_group}.rebuild-{uuid.uuid4().hex[:8]}"
            }
        )
        loops = [
            ConsumerLoop(
                spec=spec,
                settings=replay,
                session_factory=session_factory,
                inbox=inbox,
                outbox=Outbox(outbox, settings),
            )
            for spec in specs
        ]
        tasks = [asyncio.create_task(loop.run(), name=f"rebuild:{loop.name}") for loop in loops]
        try:
            await _caught_up(replay, loops, ends, timeout_s, poll_interval_s, tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=10)
        async with session_factory() as session:
            rows = {
                table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for table in tables
            }
    finally:
        await engine.dispose()
    return RebuildReport(
        rows=rows, replay_group=replay.consumer_group, seconds=time.monotonic() - started
    )


async def _end_offsets(
    settings: ReportingSettings, topics: Sequence[str]
) -> dict[TopicPartition, int]:
    """Where each partition ends now: the replay is done once it has read up to there."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await asyncio.wait_for(consumer.start(), timeout=30)
    try:
        partitions = []
        for topic in topics:
            numbers = consumer.partitions_for_topic(topic)
            deadline = time.monotonic() + 30
            while numbers is None and time.monotonic() < deadline:
                await consumer._client.force_metadata_update()  # a topic made just now
                numbers = consumer.partitions_for_topic(topic)
                if numbers is None:
                    await asyncio.sleep(0.2)
            if numbers is None:
                raise RebuildIncomplete(f"topic {topic} has no partitions the broker knows of")
            partitions += [TopicPartition(topic, number) for number in sorted(numbers)]
        ends: dict[TopicPartition, int] = await asyncio.wait_for(
            consumer.end_offsets(partitions), timeout=30
        )
        return ends
    finally:
        await stop_quietly(consumer)


async def _caught_up(
    replay: ReportingSettings,
    loops: Sequence[ConsumerLoop],
    ends: dict[TopicPartition, int],
    timeout_s: float,
    poll_interval_s: float,
    tasks: Sequence[asyncio.Task[None]],
) -> None:
    """Wait until every replay group has committed each of its partitions up to its end."""
    admin = AIOKafkaAdminClient(bootstrap_servers=replay.kafka_bootstrap_servers)
    await asyncio.wait_for(admin.start(), timeout=30)
    deadline = time.monotonic() + timeout_s
    try:
        pending = {loop.group_id: loop for loop in loops}
        while pending:
            for task in tasks:
                if task.done() and task.exception() is not None:
                    raise RebuildIncomplete(f"{task.get_name()} failed") from task.exception()
            for group, loop in list(pending.items()):
                wanted = {
                    tp: end for tp, end in ends.items() if tp.topic in loop.topics and end > 0
                }
                committed = await asyncio.wait_for(
                    admin.list_consumer_group_offsets(group), timeout=30
                )
                behind = {
                    tp: end
                    for tp, end in wanted.items()
                    if tp not in committed or committed[tp].offset < end
                }
                if not behind:
                    log.info("read model replayed", consumer=loop.name)
                    del pending[group]
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(loop.name for loop in pending.values())
                raise RebuildIncomplete(f"not caught up within {timeout_s:.0f} s: {names}")
            await asyncio.sleep(poll_interval_s)
    finally:
        await stop_quietly(admin)
