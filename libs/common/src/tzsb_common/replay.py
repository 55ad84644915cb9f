"""Re-publishing the current state of a service's records, for replicas built after the fact.

A replica that starts later than the broker kept its topic's events (or whose topic predates
compaction) can be rebuilt: the owning service re-emits one snapshot event per record through
its outbox, and its relay publishes them as usual.

- Bounded: records are read in keyset order over the primary key, one transaction per batch,
  so a large table never holds one long transaction or one huge outbox insert.
- Harmless to consumers that already have the state: a snapshot event's id is derived from its
  type, subject and version (`tzsb_common.events`), so the re-emitted event has the id the
  original had, and an inbox that recorded it ignores it.
- Ordered: a batch reads its records `FOR SHARE`, so a change to one of them waits for the batch
  to commit and its own event lands behind the re-emitted one; the compacted topic therefore
  keeps the newest state as its last word.
- Faithful: the re-emitted event carries the original's id and data, and the record's change
  time; when the original row is still in the outbox (a relay with `OUTBOX_RETENTION_HOURS`
  keeps sent rows a while), that row is simply marked unsent again, so exactly the original
  document goes out once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.logging import get_logger
from tzsb_common.outbox import Outbox, subject_bucket

log = get_logger(__name__)

KeyT = TypeVar("KeyT")


@dataclass(frozen=True)
class CurrentState(Generic[KeyT]):
    """One record as it is now, as the snapshot event that describes it."""

    key: KeyT
    """Its primary key: where the next batch starts."""
    subject: str
    payload: EventPayload
    """A snapshot event (its `snapshot_field` set), so its id is derived, never random."""
    changed_at: datetime
    """When the record reached this state: the event's time."""


PageReader = Callable[[AsyncSession, KeyT | None, int], Awaitable[Sequence[CurrentState[KeyT]]]]
"""Reads the next `limit` records after a key (None: from the start) in key order, locked
`FOR SHARE` for the rest of the transaction."""


@dataclass(frozen=True)
class SnapshotSource(Generic[KeyT]):
    """A topic a service can re-publish, and how to read its records' current state."""

    topic: str
    """Without prefix, e.g. `tzsb.registry.equipment`."""
    read_page: PageReader[KeyT]


async def republish(
    session_factory: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    source: SnapshotSource[KeyT],
    *,
    batch_size: int = 500,
) -> int:
    """Queue one snapshot event per record in the outbox; returns how many were queued."""
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    after: KeyT | None = None
    queued = 0
    while True:
        async with session_factory() as session, session.begin():
            page = await source.read_page(session, after, batch_size)
            if not page:
                break
            events = [_event_of(state, outbox) for state in page]
            await requeue_events(session, outbox, events, topic=source.topic)
        queued += len(page)
        after = page[-1].key
        log.info("snapshots re-queued", topic=source.topic, queued=queued)
        if len(page) < batch_size:
            break
    return queued


def _event_of(state: CurrentState[KeyT], outbox: Outbox) -> CloudEvent:
    if state.payload.snapshot_version() is None:
        raise TypeError(f"{state.payload.event_type} carries no snapshot; it cannot be replayed")
    return state.payload.to_event(
        source=outbox.settings.service_name, subject=state.subject, time=state.changed_at
    )


async def requeue_events(
    session: AsyncSession, outbox: Outbox, events: Sequence[CloudEvent], *, topic: str
) -> None:
    """Insert the events into the outbox, or mark the row already holding one unsent again.

    In the caller's transaction; never commits. One statement for the whole batch.
    """
    if not events:
        return
    table = outbox.table
    settings = outbox.settings
    statement = insert(table).values(
        [
            {
                "event_id": event.id,
                "topic": settings.topic(topic),
                "key": event.subject,
                "bucket": subject_bucket(event.subject, settings.outbox_buckets),
                "event": event.model_dump(mode="json"),
            }
            for event in events
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=[table.c.event_id], set_={"sent_at": None})
    )
