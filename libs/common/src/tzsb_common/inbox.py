"""The inbox: which events a consumer has applied, so a redelivered event is a no-op.

Two statements carry the load. `record_new_events` inserts a whole chunk's ids in one statement
and returns the ids that were new, so events seen before are filtered out in one round trip.
`prune_inbox` forgets ids older than any redelivery can be, in bounded chunks, until none are
left: a pass keeps up with any rate the consumer itself can sustain.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
    TextClause,
    Uuid,
    func,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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


def _record_statement(inbox: Table) -> TextClause:
    # unnest over one array keeps the statement text constant (one prepared statement for
    # every chunk size) and is about twice as fast as a multi-row VALUES list.
    return text(
        f"INSERT INTO {inbox.name} (consumer, event_id, topic) "  # noqa: S608 (our table name)
        "SELECT :consumer, ids.event_id, :topic "
        "FROM unnest(CAST(:event_ids AS uuid[])) AS ids(event_id) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )


def _prune_statement(inbox: Table) -> TextClause:
    # Rows are found by the (consumer, processed_at) index and deleted by their physical
    # address; SKIP LOCKED lets replicas of one consumer prune side by side without waiting.
    return text(
        f"DELETE FROM {inbox.name} WHERE ctid = ANY(ARRAY("  # noqa: S608 (our table name)
        f"SELECT ctid FROM {inbox.name} "
        "WHERE consumer = :consumer AND processed_at < now() - CAST(:retention AS interval) "
        "LIMIT :chunk_rows FOR UPDATE SKIP LOCKED))"
    )


async def record_new_events(
    session: AsyncSession,
    inbox: Table,
    *,
    consumer: str,
    topic: str,
    event_ids: Sequence[uuid.UUID],
) -> set[uuid.UUID]:
    """Record `event_ids` as applied by `consumer`; returns those not recorded before.

    Runs in the caller's transaction: if the effects roll back, so do the records.
    """
    if not event_ids:
        return set()
    result = await session.execute(
        _record_statement(inbox),
        {"consumer": consumer, "topic": topic, "event_ids": list(event_ids)},
    )
    return set(result.scalars())


async def prune_inbox(
    session_factory: async_sessionmaker[AsyncSession],
    inbox: Table,
    *,
    consumer: str,
    retention: timedelta,
    chunk_rows: int = 10_000,
    max_chunks: int | None = None,
) -> int:
    """Delete `consumer`'s records older than `retention`, one short transaction per chunk,
    until a chunk comes back short (or after `max_chunks`). Returns how many rows went."""
    statement = _prune_statement(inbox)
    params = {"consumer": consumer, "retention": retention, "chunk_rows": chunk_rows}
    deleted = 0
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        async with session_factory() as session, session.begin():
            result = await session.execute(statement, params)
        count = int(result.rowcount)  # type: ignore[attr-defined]
        deleted += count
        chunks += 1
        if count < chunk_rows:
            break
    return deleted
