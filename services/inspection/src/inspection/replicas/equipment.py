"""The equipment replica, kept from `tzsb.registry.equipment` by a set-based consumer.

The registry adds fields to its snapshot as it grows; this reader takes the fields inspection
needs and ignores the rest (a tolerant reader), so a new registry field never sends an event to
the dead-letter topic here. The safety grade (安全状况等级) comes from `attributes`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from inspection.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import (
    EQUIPMENT_TOPIC,
    EquipmentCreatedV1,
    EquipmentUpdatedV1,
)
from tzsb_common.events import EventPayload

CONSUMER_NAME = "equipment-replica"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RegionSeen(_Tolerant):
    province: str
    city: str
    district: str


class EquipmentSeen(_Tolerant):
    equipment_code: str
    category: str
    variety: str
    status: str
    registration_number: str | None = None
    use_unit_id: uuid.UUID
    region: RegionSeen
    park: str | None = None
    commissioned_on: date | None = None
    attributes: dict[str, Any] = {}
    version: int

    @property
    def safety_grade(self) -> int | None:
        grade = self.attributes.get("safety_grade")
        valid = isinstance(grade, int) and not isinstance(grade, bool) and 1 <= grade <= 5
        return grade if valid else None

    def replica_row(self) -> dict[str, Any]:
        return {
            "equipment_code": self.equipment_code,
            "category": self.category,
            "variety": self.variety,
            "status": self.status,
            "registration_number": self.registration_number,
            "use_unit_id": self.use_unit_id,
            "province": self.region.province,
            "city": self.region.city,
            "district": self.region.district,
            "park": self.park,
            "commissioned_on": self.commissioned_on,
            "safety_grade": self.safety_grade,
            "version": self.version,
        }


class EquipmentCreatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = EquipmentCreatedV1.event_type
    topic: ClassVar[str] = EQUIPMENT_TOPIC

    equipment: EquipmentSeen


class EquipmentUpdatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = EquipmentUpdatedV1.event_type
    topic: ClassVar[str] = EQUIPMENT_TOPIC

    equipment: EquipmentSeen


def latest_snapshots(events: Sequence[TypedEvent[Any]]) -> list[EquipmentSeen]:
    """One snapshot per code, the highest version: a chunk may carry several of one record."""
    latest: dict[str, EquipmentSeen] = {}
    for event in events:
        snapshot: EquipmentSeen = event.payload.equipment
        held = latest.get(snapshot.equipment_code)
        if held is None or held.version < snapshot.version:
            latest[snapshot.equipment_code] = snapshot
    return sorted(latest.values(), key=lambda s: s.equipment_code)  # a stable lock order


async def apply_equipment(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    snapshots = latest_snapshots(events)
    await queries.upsert_equipment(context.session, [s.replica_row() for s in snapshots])


EQUIPMENT_REPLICA = BatchConsumerSpec(
    name=CONSUMER_NAME,
    topics=[EQUIPMENT_TOPIC],
    payloads=[EquipmentCreatedSeen, EquipmentUpdatedSeen],
    handler=apply_equipment,
)
