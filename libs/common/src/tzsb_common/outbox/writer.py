"""Writing events into the outbox, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import (
    Table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tzsb_common.events import CloudEvent, EventDocument, EventPayload
from tzsb_common.outbox.table import subject_bucket
from tzsb_common.settings import ServiceSettings


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
