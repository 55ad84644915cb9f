"""The SQL of the equipment feature."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.equipment.tables import equipment
from registry.organisations.tables import organisations


async def organisation_kind(session: AsyncSession, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await session.scalar(
        select(organisations.c.kind).where(organisations.c.id == organisation_id)
    )
    return kind


async def insert_equipment(session: AsyncSession, values: dict[str, Any]) -> Row[Any] | None:
    """None when the equipment code is already registered."""
    result = await session.execute(
        insert(equipment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[equipment.c.equipment_code])
        .returning(*equipment.c)
    )
    return result.first()


async def get_equipment(
    session: AsyncSession, equipment_code: str, *, for_update: bool = False
) -> Row[Any] | None:
    query = select(equipment).where(equipment.c.equipment_code == equipment_code)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def update_equipment(
    session: AsyncSession, equipment_code: str, values: dict[str, Any]
) -> Row[Any]:
    result = await session.execute(
        equipment.update()
        .where(equipment.c.equipment_code == equipment_code)
        .values(**values)
        .returning(*equipment.c)
    )
    return result.one()


async def list_equipment(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    after_code: str | None,
    limit: int,
) -> list[Row[Any]]:
    query = select(equipment).order_by(equipment.c.equipment_code).limit(limit)
    for column, value in filters.items():
        if value is not None:
            query = query.where(equipment.c[column] == value)
    if after_code is not None:
        query = query.where(equipment.c.equipment_code > after_code)
    return list((await session.execute(query)).all())
