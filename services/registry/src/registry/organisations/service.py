"""Organisation use cases."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationRegion,
)
from registry.organisations.tables import organisations
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
    row = (
        await session.execute(
            insert(organisations)
            .values(
                id=uuid.uuid4(),
                credit_code=data.credit_code,
                name=data.name,
                kind=data.kind.value,
                address=data.address,
                **data.region.model_dump(),
            )
            .on_conflict_do_nothing(index_elements=[organisations.c.credit_code])
            .returning(*organisations.c)
        )
    ).first()
    if row is None:
        raise Conflict(f"an organisation with credit code {data.credit_code} already exists")
    record = to_read(row)
    snapshot = to_snapshot(record, version=row.version)
    await outbox.add(session, OrganisationCreatedV1(organisation=snapshot), subject=str(record.id))
    await session.commit()
    return record


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> OrganisationRead:
    row = (
        await session.execute(select(organisations).where(organisations.c.id == organisation_id))
    ).first()
    if row is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    return to_read(row)


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
    query = select(organisations).order_by(organisations.c.id).limit(limit)
    filters = {
        "kind": kind.value if kind else None,
        "credit_code": credit_code,
        "province": province,
        "city": city,
        "district": district,
        "park": park,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(organisations.c[column] == value)
    if after_id is not None:
        query = query.where(organisations.c.id > after_id)
    return [to_read(row) for row in (await session.execute(query)).all()]
