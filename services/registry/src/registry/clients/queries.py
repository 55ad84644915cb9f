"""Every SQL statement of the clients feature."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.clients.tables import api_clients
from registry.organisations.tables import organisations


async def count_active_clients(session: AsyncSession, organisation_id: uuid.UUID) -> int:
    count: int = (
        await session.scalar(
            select(func.count())
            .select_from(api_clients)
            .where(api_clients.c.organisation_id == organisation_id)
            .where(api_clients.c.revoked_at.is_(None))
        )
        or 0
    )
    return count


async def insert_client(session: AsyncSession, **values: Any) -> datetime:
    created_at: datetime = await session.scalar(
        api_clients.insert().values(**values).returning(api_clients.c.created_at)
    )
    return created_at


ClientForToken = Row[Any, Any, Any, Any, Any]
"""secret_hash, scopes, organisation_id, revoked_at and the organisation's kind."""


async def select_client_for_token(session: AsyncSession, client_id: str) -> ClientForToken | None:
    row: ClientForToken | None = (
        await session.execute(
            select(
                api_clients.c.secret_hash,
                api_clients.c.scopes,
                api_clients.c.organisation_id,
                api_clients.c.revoked_at,
                organisations.c.kind,
            )
            .join(organisations, organisations.c.id == api_clients.c.organisation_id)
            .where(api_clients.c.client_id == client_id)
        )
    ).first()
    return row


async def revoke_client(
    session: AsyncSession, *, organisation_id: uuid.UUID, client_id: str, revoked_by: str
) -> bool:
    """Marks the client revoked (keeping the first revocation's time); False if the
    organisation has no such client."""
    found = await session.scalar(
        api_clients.update()
        .where(api_clients.c.client_id == client_id)
        .where(api_clients.c.organisation_id == organisation_id)
        .values(
            revoked_at=func.coalesce(api_clients.c.revoked_at, func.now()),
            revoked_by=func.coalesce(api_clients.c.revoked_by, revoked_by),
        )
        .returning(api_clients.c.client_id)
    )
    return found is not None


async def select_revoked_client_ids(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(api_clients.c.client_id).where(api_clients.c.revoked_at.is_not(None))
    )
    return list(rows)
