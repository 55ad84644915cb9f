"""The maintenance-contract replica, kept from `tzsb.registry.contract` by a set-based consumer.

The online patrol asks which elevators in use hold no valid maintenance contract (维保合同); the
contracts are the registry's, so inspection keeps the fields it needs from the registry's events
(a tolerant reader: a field the registry adds later never dead-letters an event here).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from inspection.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import CONTRACT_TOPIC, ContractCreatedV1, ContractTerminatedV1
from tzsb_common.events import EventPayload

CONSUMER_NAME = "contract-replica"


class ContractSeen(BaseModel):
    model_config = ConfigDict(extra="ignore")

    contract_id: uuid.UUID
    maintenance_company_id: uuid.UUID
    equipment_codes: list[str]
    valid_from: date
    valid_to: date
    status: str
    in_force_until: date
    version: int

    def replica_row(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "maintenance_company_id": self.maintenance_company_id,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "in_force_until": self.in_force_until,
            "status": self.status,
            "equipment_codes": json.dumps(sorted(set(self.equipment_codes))),
            "version": self.version,
        }


class ContractCreatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = ContractCreatedV1.event_type
    topic: ClassVar[str] = CONTRACT_TOPIC

    contract: ContractSeen


class ContractTerminatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = ContractTerminatedV1.event_type
    topic: ClassVar[str] = CONTRACT_TOPIC

    contract: ContractSeen


def latest_contracts(events: Sequence[TypedEvent[Any]]) -> list[ContractSeen]:
    """One snapshot per contract, the highest version, in id order (a stable lock order)."""
    latest: dict[uuid.UUID, ContractSeen] = {}
    for event in events:
        snapshot: ContractSeen = event.payload.contract
        held = latest.get(snapshot.contract_id)
        if held is None or held.version < snapshot.version:
            latest[snapshot.contract_id] = snapshot
    return [latest[key] for key in sorted(latest)]


async def apply_contracts(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    snapshots = latest_contracts(events)
    await queries.upsert_contracts(context.session, [s.replica_row() for s in snapshots])


def contract_replica() -> BatchConsumerSpec:
    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[CONTRACT_TOPIC],
        payloads=[ContractCreatedSeen, ContractTerminatedSeen],
        handler=apply_contracts,
    )
