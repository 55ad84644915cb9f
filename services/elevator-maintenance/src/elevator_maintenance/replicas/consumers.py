"""The replica consumers: elevators, maintenance contracts and personnel certificates.

Each reads the fields maintenance needs and ignores the rest (a tolerant reader), so a field the
registry adds later never sends an event to the dead-letter topic here. A chunk may carry
several versions of one record; only the highest is applied, and only over an older one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from elevator_maintenance.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import (
    CERTIFICATE_TOPIC,
    CONTRACT_TOPIC,
    EQUIPMENT_TOPIC,
    CertificateCreatedV1,
    CertificateUpdatedV1,
    ContractCreatedV1,
    ContractTerminatedV1,
    EquipmentCreatedV1,
    EquipmentRegisteredV1,
    EquipmentStatusChangedV1,
    EquipmentUpdatedV1,
)
from tzsb_common.events import EventPayload

ELEVATOR_CATEGORY = "3000"  # 电梯, 特种设备目录


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RegionSeen(_Tolerant):
    province: str
    city: str
    district: str


class ElevatorSeen(_Tolerant):
    equipment_code: str
    category: str
    status: str
    use_unit_id: uuid.UUID
    region: RegionSeen
    lat: float | None = None
    lon: float | None = None
    rescue_code: str | None = None  # 救援识别码, for 96333 calls that quote it
    version: int

    @property
    def key(self) -> str:
        return self.equipment_code

    def replica_row(self) -> dict[str, Any]:
        return {
            "equipment_code": self.equipment_code,
            "status": self.status,
            "lat": self.lat,
            "lon": self.lon,
            "use_unit_id": self.use_unit_id,
            "province": self.region.province,
            "city": self.region.city,
            "district": self.region.district,
            "rescue_code": self.rescue_code,
            "version": self.version,
        }


class ContractSeen(_Tolerant):
    contract_id: uuid.UUID
    maintenance_company_id: uuid.UUID
    equipment_codes: list[str]
    valid_from: date
    valid_to: date
    maintenance_interval_days: int | None = None
    status: str
    terminated_on: date | None = None
    in_force_until: date
    version: int

    @property
    def key(self) -> str:
        return str(self.contract_id)

    def replica_row(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "maintenance_company_id": self.maintenance_company_id,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "in_force_until": self.in_force_until,
            "status": self.status,
            "terminated_on": self.terminated_on,
            "maintenance_interval_days": self.maintenance_interval_days,
            "equipment_codes": json.dumps(sorted(set(self.equipment_codes))),
            "version": self.version,
        }


class CertificateSeen(_Tolerant):
    number: str
    item: str
    employer_id: uuid.UUID
    valid_from: date
    valid_to: date
    version: int

    @property
    def key(self) -> str:
        return self.number

    def replica_row(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "item": self.item,
            "employer_id": self.employer_id,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "version": self.version,
        }


def _seen(
    contract: type[EventPayload], field: str, snapshot: type[BaseModel]
) -> type[EventPayload]:
    """The tolerant reading of one registry event type: its snapshot, nothing else."""
    return type(
        f"{contract.__name__}Seen",
        (EventPayload,),
        {
            "model_config": ConfigDict(extra="ignore"),
            "__annotations__": {
                "event_type": ClassVar[str],
                "topic": ClassVar[str],
                field: snapshot,
            },
            "event_type": contract.event_type,
            "topic": contract.topic,
        },
    )


EQUIPMENT_EVENTS = [
    _seen(c, "equipment", ElevatorSeen)
    for c in (
        EquipmentCreatedV1,
        EquipmentUpdatedV1,
        EquipmentRegisteredV1,
        EquipmentStatusChangedV1,
    )
]
CONTRACT_EVENTS = [
    _seen(c, "contract", ContractSeen) for c in (ContractCreatedV1, ContractTerminatedV1)
]
CERTIFICATE_EVENTS = [
    _seen(c, "certificate", CertificateSeen) for c in (CertificateCreatedV1, CertificateUpdatedV1)
]

Snapshot = TypeVar("Snapshot", ElevatorSeen, ContractSeen, CertificateSeen)


def latest_snapshots(snapshots: Sequence[Snapshot]) -> list[Snapshot]:
    """One snapshot per record, the highest version, in key order (a stable lock order)."""
    latest: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        held = latest.get(snapshot.key)
        if held is None or held.version < snapshot.version:
            latest[snapshot.key] = snapshot
    return [latest[key] for key in sorted(latest)]


def _snapshots(events: Sequence[TypedEvent[Any]], field: str) -> list[Any]:
    return [getattr(event.payload, field) for event in events]


async def apply_elevators(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    """Equipment of other categories is not maintenance's business and is not kept."""
    snapshots = latest_snapshots(
        [s for s in _snapshots(events, "equipment") if s.category == ELEVATOR_CATEGORY]
    )
    await queries.upsert_elevators(context.session, [s.replica_row() for s in snapshots])


async def apply_contracts(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    snapshots = latest_snapshots(_snapshots(events, "contract"))
    await queries.upsert_contracts(context.session, [s.replica_row() for s in snapshots])


async def apply_certificates(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    snapshots = latest_snapshots(_snapshots(events, "certificate"))
    await queries.upsert_certificates(context.session, [s.replica_row() for s in snapshots])


def _spec(
    name: str,
    topic: str,
    payloads: list[type[EventPayload]],
    handler: Callable[[HandlerContext, Sequence[TypedEvent[Any]]], Any],
) -> BatchConsumerSpec:
    return BatchConsumerSpec(name=name, topics=[topic], payloads=payloads, handler=handler)


def replica_consumers() -> list[BatchConsumerSpec]:
    return [
        _spec("elevator-replica", EQUIPMENT_TOPIC, EQUIPMENT_EVENTS, apply_elevators),
        _spec("contract-replica", CONTRACT_TOPIC, CONTRACT_EVENTS, apply_contracts),
        _spec("certificate-replica", CERTIFICATE_TOPIC, CERTIFICATE_EVENTS, apply_certificates),
    ]
