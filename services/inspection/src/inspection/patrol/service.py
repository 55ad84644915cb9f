"""The online patrol's use cases: count the questions, list the equipment behind one, and note
codes seen in use (the fifth question's evidence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inspection.patrol import queries
from inspection.patrol.rules import PatrolQuestion, Sighting, merge_sightings
from inspection.patrol.schemas import PatrolCounts, PatrolItem
from tzsb_common.pg import Database


async def count_questions(
    database: Database, *, as_of: date, park: str | None, use_unit_id: uuid.UUID | None
) -> PatrolCounts:
    async with database.connection() as conn:
        counts = await queries.count_questions(
            conn, as_of=as_of, park=park, use_unit_id=use_unit_id
        )
    return PatrolCounts(as_of=as_of, **counts)


def _item(row: dict[str, Any]) -> PatrolItem:
    return PatrolItem.model_validate(
        {"last_seen_at": None, **row, "seen_in": list(row.get("seen_in") or [])}
    )


async def list_question(
    database: Database,
    *,
    question: PatrolQuestion,
    as_of: date,
    park: str | None,
    use_unit_id: uuid.UUID | None,
    after: str | None,
    limit: int,
) -> list[PatrolItem]:
    async with database.connection() as conn:
        rows = await queries.list_question(
            conn,
            question=question,
            as_of=as_of,
            park=park,
            use_unit_id=use_unit_id,
            after=after,
            limit=limit,
        )
    return [_item(row) for row in rows]


async def note_sightings(session: AsyncSession, sightings: Sequence[Sighting]) -> None:
    """In the caller's transaction (a consumer's chunk)."""
    await queries.record_sightings(session, merge_sightings(sightings))


async def note_sighting(database: Database, sighting: Sighting) -> None:
    """In a transaction of its own: the request that saw the code is refused and rolls back,
    while the sighting is kept."""
    async with database.transaction() as conn:
        await queries.record_sightings_on(conn, merge_sightings([sighting]))
