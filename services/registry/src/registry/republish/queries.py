"""The SQL of re-publishing: pages of records in primary-key order, locked against change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.equipment.tables import equipment
from registry.organisations.tables import organisations


async def equipment_page(
    session: AsyncSession, *, after_code: str | None, limit: int
) -> list[Row[Any]]:
    # FOR SHARE: a change waits until this batch's events are queued, so its own event
    # follows them in the outbox (and on the compacted topic).
    query = (
        select(equipment)
        .order_by(equipment.c.equipment_code)
        .limit(limit)
        .with_for_update(read=True)
    )
    if after_code is not None:
        query = query.where(equipment.c.equipment_code > after_code)
    return list((await session.execute(query)).all())


async def organisations_page(
    session: AsyncSession, *, after_id: uuid.UUID | None, limit: int
) -> list[Row[Any]]:
    query = (
        select(organisations).order_by(organisations.c.id).limit(limit).with_for_update(read=True)
    )
    if after_id is not None:
        query = query.where(organisations.c.id > after_id)
    return list((await session.execute(query)).all())
