"""Every SQL statement of the organisations feature."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.organisations.tables import organisations


async def insert_organisation(session: AsyncSession, **values: Any) -> Row[Any] | None:
    """The new row, or None when the credit code is already registered."""
    return (
        await session.execute(
            insert(organisations)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[organisations.c.credit_code])
            .returning(*organisations.c)
        )
    ).first()


async def select_organisation(
    session: AsyncSession, organisation_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any] | None:
    """`for_update`: the row stays locked until commit, so concurrent changes apply in turn."""
    query = select(organisations).where(organisations.c.id == organisation_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def update_organisation(
    session: AsyncSession, organisation_id: uuid.UUID, values: dict[str, Any]
) -> Row[Any]:
    return (
        await session.execute(
            update(organisations)
            .where(organisations.c.id == organisation_id)
            .values(**values)
            .returning(*organisations.c)
        )
    ).one()


async def lock_organisation_kind(session: AsyncSession, organisation_id: uuid.UUID) -> str | None:
    """The organisation's kind, its row locked until commit (serialises client creation)."""
    kind: str | None = await session.scalar(
        select(organisations.c.kind).where(organisations.c.id == organisation_id).with_for_update()
    )
    return kind


async def select_organisations(
    session: AsyncSession,
    *,
    equal_to: dict[str, str | None],
    after_id: uuid.UUID | None,
    limit: int,
) -> list[Row[Any]]:
    query = select(organisations).order_by(organisations.c.id).limit(limit)
    for column, value in equal_to.items():
        if value is not None:
            query = query.where(organisations.c[column] == value)
    if after_id is not None:
        query = query.where(organisations.c.id > after_id)
    return list((await session.execute(query)).all())
