"""Failed outbox rows, for an operator: listed and sent again over HTTP."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel
from sqlalchemy import (
    Table,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tzsb_common.auth import BureauPrincipal
from tzsb_common.db import DbSession
from tzsb_common.outbox.table import outbox_settings_table
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
