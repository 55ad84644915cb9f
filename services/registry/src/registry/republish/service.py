"""Re-publish use case: one snapshot event per record, through the outbox, batch by batch.

A record at version 1 is re-emitted as its "created" event and a later one as its "updated"
event, so that the derived event id is the one the original event had and a consumer that has
it already ignores it. Where the original is no longer in the outbox, the re-emitted "updated"
event lists no changed fields: which change led to this state is no longer known.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.certificates.service import to_read as certificate_read
from registry.certificates.service import to_snapshot as certificate_snapshot
from registry.contracts.service import to_read as contract_read
from registry.contracts.service import to_snapshot as contract_snapshot
from registry.equipment.service import to_read as equipment_read
from registry.equipment.service import to_snapshot as equipment_snapshot
from registry.licences.rules import action_that_led_to
from registry.licences.service import status_changed_event
from registry.licences.service import to_read as licence_read
from registry.licences.service import to_snapshot as licence_snapshot
from registry.organisations.service import to_read as organisation_read
from registry.organisations.service import to_snapshot as organisation_snapshot
from registry.republish import queries
from registry.staff.service import to_read as staff_read
from registry.staff.service import to_snapshot as staff_snapshot
from tzsb_common.contracts.registry import (
    CERTIFICATE_TOPIC,
    CONTRACT_TOPIC,
    EQUIPMENT_TOPIC,
    LICENCE_TOPIC,
    ORGANISATION_TOPIC,
    STAFF_TOPIC,
    CertificateCreatedV1,
    CertificateUpdatedV1,
    ContractCreatedV1,
    ContractTerminatedV1,
    EquipmentCreatedV1,
    EquipmentUpdatedV1,
    LicenceCreatedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    StaffCreatedV1,
    StaffUpdatedV1,
)
from tzsb_common.events import EventPayload
from tzsb_common.outbox import Outbox
from tzsb_common.replay import CurrentState, SnapshotSource, republish

_FIRST_VERSION = 1


async def _equipment_states(
    session: AsyncSession, after_code: str | None, limit: int
) -> Sequence[CurrentState[str]]:
    states = []
    for row in await queries.equipment_page(session, after_code=after_code, limit=limit):
        record = equipment_read(row._asdict())
        snapshot = equipment_snapshot(record)
        payload: EventPayload = (
            EquipmentCreatedV1(equipment=snapshot)
            if record.version == _FIRST_VERSION
            else EquipmentUpdatedV1(equipment=snapshot, changed_fields=[])
        )
        states.append(
            CurrentState(
                key=record.equipment_code,
                subject=record.equipment_code,
                payload=payload,
                changed_at=record.updated_at,
            )
        )
    return states


async def _organisation_states(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> Sequence[CurrentState[uuid.UUID]]:
    states = []
    for row in await queries.organisations_page(session, after_id=after_id, limit=limit):
        snapshot = organisation_snapshot(organisation_read(row))
        payload: EventPayload = (
            OrganisationCreatedV1(organisation=snapshot)
            if row.version == _FIRST_VERSION
            else OrganisationUpdatedV1(organisation=snapshot, changed_fields=[])
        )
        states.append(
            CurrentState(
                key=row.id, subject=str(row.id), payload=payload, changed_at=row.updated_at
            )
        )
    return states


async def _licence_states(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> Sequence[CurrentState[uuid.UUID]]:
    states = []
    for row in await queries.licences_page(session, after_id=after_id, limit=limit):
        record = licence_read(row._asdict())
        # Every change after its entry is a status change, and each status is reached by one
        # action only, so the original event is rebuilt whole from the record.
        payload: EventPayload = (
            LicenceCreatedV1(licence=licence_snapshot(record))
            if record.version == _FIRST_VERSION or record.status_changed_on is None
            else status_changed_event(
                record,
                action=action_that_led_to(record.status),
                effective_on=record.status_changed_on,
            )
        )
        states.append(
            CurrentState(
                key=record.id, subject=str(record.id), payload=payload, changed_at=record.updated_at
            )
        )
    return states


async def _contract_states(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> Sequence[CurrentState[uuid.UUID]]:
    states = []
    for values in await queries.contracts_page(session, after_id=after_id, limit=limit):
        record = contract_read(values)
        snapshot = contract_snapshot(record)
        # A contract changes once after its entry: when it is terminated.
        payload: EventPayload = (
            ContractCreatedV1(contract=snapshot)
            if record.version == _FIRST_VERSION
            else ContractTerminatedV1(contract=snapshot)
        )
        states.append(
            CurrentState(
                key=record.id, subject=str(record.id), payload=payload, changed_at=record.updated_at
            )
        )
    return states


async def _certificate_states(
    session: AsyncSession, after_number: str | None, limit: int
) -> Sequence[CurrentState[str]]:
    states = []
    for row in await queries.certificates_page(session, after_number=after_number, limit=limit):
        record = certificate_read(row._asdict())
        snapshot = certificate_snapshot(record)
        payload: EventPayload = (
            CertificateCreatedV1(certificate=snapshot)
            if record.version == _FIRST_VERSION
            else CertificateUpdatedV1(certificate=snapshot, changed_fields=[])
        )
        states.append(
            CurrentState(
                key=record.number,
                subject=record.number,
                payload=payload,
                changed_at=record.updated_at,
            )
        )
    return states


async def _staff_states(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> Sequence[CurrentState[uuid.UUID]]:
    states = []
    for row in await queries.staff_page(session, after_id=after_id, limit=limit):
        record = staff_read(row._asdict())
        snapshot = staff_snapshot(record)
        payload: EventPayload = (
            StaffCreatedV1(staff=snapshot)
            if record.version == _FIRST_VERSION
            else StaffUpdatedV1(staff=snapshot, changed_fields=[])
        )
        states.append(
            CurrentState(
                key=record.id, subject=str(record.id), payload=payload, changed_at=record.updated_at
            )
        )
    return states


SOURCES: dict[str, SnapshotSource[Any]] = {
    EQUIPMENT_TOPIC: SnapshotSource(EQUIPMENT_TOPIC, _equipment_states),
    ORGANISATION_TOPIC: SnapshotSource(ORGANISATION_TOPIC, _organisation_states),
    LICENCE_TOPIC: SnapshotSource(LICENCE_TOPIC, _licence_states),
    CONTRACT_TOPIC: SnapshotSource(CONTRACT_TOPIC, _contract_states),
    CERTIFICATE_TOPIC: SnapshotSource(CERTIFICATE_TOPIC, _certificate_states),
    STAFF_TOPIC: SnapshotSource(STAFF_TOPIC, _staff_states),
}
"""Every snapshot topic of the registry."""


class NotRepublishable(ValueError):
    """The registry holds no records for this topic."""


async def republish_topic(
    session_factory: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    *,
    topic: str,
    batch_size: int,
) -> int:
    """Queue every record of `topic` in the outbox; returns how many."""
    source = SOURCES.get(topic)
    if source is None:
        raise NotRepublishable(f"the registry re-publishes {', '.join(SOURCES)}; not {topic}")
    return await republish(session_factory, outbox, source, batch_size=batch_size)
