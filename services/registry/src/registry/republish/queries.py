"""The SQL of re-publishing: pages of records in primary-key order, locked against change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.certificates.tables import personnel_certificates
from registry.contracts.tables import maintenance_contract_elevators, maintenance_contracts
from registry.equipment.tables import equipment
from registry.licences.tables import licences
from registry.organisations.tables import organisations
from registry.staff.tables import supervision_staff


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


async def licences_page(
    session: AsyncSession, *, after_id: uuid.UUID | None, limit: int
) -> list[Row[Any]]:
    query = select(licences).order_by(licences.c.id).limit(limit).with_for_update(read=True)
    if after_id is not None:
        query = query.where(licences.c.id > after_id)
    return list((await session.execute(query)).all())


async def contracts_page(
    session: AsyncSession, *, after_id: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Contracts with their elevators (`equipment_codes`, sorted)."""
    query = (
        select(maintenance_contracts)
        .order_by(maintenance_contracts.c.id)
        .limit(limit)
        .with_for_update(read=True)
    )
    if after_id is not None:
        query = query.where(maintenance_contracts.c.id > after_id)
    contracts = [row._asdict() for row in (await session.execute(query)).all()]
    codes: dict[uuid.UUID, list[str]] = {contract["id"]: [] for contract in contracts}
    if codes:
        elevators = await session.execute(
            select(
                maintenance_contract_elevators.c.contract_id,
                maintenance_contract_elevators.c.equipment_code,
            )
            .where(maintenance_contract_elevators.c.contract_id.in_(list(codes)))
            .order_by(maintenance_contract_elevators.c.equipment_code)
        )
        for contract_id, equipment_code in elevators.all():
            codes[contract_id].append(equipment_code)
    return [{**contract, "equipment_codes": codes[contract["id"]]} for contract in contracts]


async def certificates_page(
    session: AsyncSession, *, after_number: str | None, limit: int
) -> list[Row[Any]]:
    query = (
        select(personnel_certificates)
        .order_by(personnel_certificates.c.number)
        .limit(limit)
        .with_for_update(read=True)
    )
    if after_number is not None:
        query = query.where(personnel_certificates.c.number > after_number)
    return list((await session.execute(query)).all())


async def staff_page(
    session: AsyncSession, *, after_id: uuid.UUID | None, limit: int
) -> list[Row[Any]]:
    query = (
        select(supervision_staff)
        .order_by(supervision_staff.c.id)
        .limit(limit)
        .with_for_update(read=True)
    )
    if after_id is not None:
        query = query.where(supervision_staff.c.id > after_id)
    return list((await session.execute(query)).all())
