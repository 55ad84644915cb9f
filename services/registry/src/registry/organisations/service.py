"""Organisation use cases: one transaction each, the event in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from registry.organisations import queries
from registry.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationRegion,
)
from tzsb_common.contracts.registry import OrganisationCreatedV1, OrganisationSnapshot
from tzsb_common.outbox import Outbox
from tzsb_common.problems import Conflict, NotFound


def to_read(row: Row[Any]) -> OrganisationRead:
    return OrganisationRead(
        id=row.id,
        credit_code=row.credit_code,
        name=row.name,
        kind=OrganisationKind(row.kind),
        region=OrganisationRegion(
            province=row.province, city=row.city, district=row.district, park=row.park
        )
        if row.province
        else None,
        address=row.address,
        created_at=row.created_at,
    )


def to_snapshot(record: OrganisationRead, *, version: int) -> OrganisationSnapshot:
    return OrganisationSnapshot(
        organisation_id=record.id,
        credit_code=record.credit_code,
        name=record.name,
        kind=record.kind.value,
        region=record.region.model_dump() if record.region else {},
        address=record.address,
        version=version,
    )


async def create_organisation(
    session: AsyncSession, outbox: Outbox, *, data: OrganisationCreate
) -> OrganisationRead:
    row = await queries.insert_organisation(
        session,
        id=uuid.uuid4(),
        credit_code=data.credit_code,
        name=data.name,
        kind=data.kind.value,
        address=data.address,
        **data.region.model_dump(),
    )
    if row is None:
        raise Conflict(f"an organisation with credit code {data.credit_code} already exists")
    record = to_read(row)
    snapshot = to_snapshot(record, version=row.version)
    await outbox.add(session, OrganisationCreatedV1(organisation=snapshot), subject=str(record.id))
    await session.commit()
    return record


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> OrganisationRead | None:
    row = await queries.select_organisation(session, organisation_id)
    return to_read(row) if row is not None else None


async def require_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> OrganisationRead:
    record = await get_organisation(session, organisation_id=organisation_id)
    if record is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    return record


async def list_organisations(
    session: AsyncSession,
    *,
    kind: OrganisationKind | None,
    credit_code: str | None,
    province: str | None,
    city: str | None,
    district: str | None,
    park: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[OrganisationRead]:
    rows = await queries.select_organisations(
        session,
        equal_to={
            "kind": kind.value if kind else None,
            "credit_code": credit_code,
            "province": province,
            "city": city,
            "district": district,
            "park": park,
        },
        after_id=after_id,
        limit=limit,
    )
    return [to_read(row) for row in rows]
