"""The equipment replica, kept from `tzsb.registry.equipment` by a set-based consumer.

The registry adds fields to its snapshot as it grows; this reader takes the fields inspection
needs and ignores the rest (a tolerant reader), so a new registry field never sends an event to
the dead-letter topic here. The safety grade (安全状况等级) comes from `attributes`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from inspection.inspection_rules.rules import InspectionRule, NextDue, applicable_rule, first_due
from inspection.inspection_rules.service import to_rule
from inspection.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import (
    EQUIPMENT_TOPIC,
    EquipmentCreatedV1,
    EquipmentRegisteredV1,
    EquipmentStatusChangedV1,
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

    @property
    def due_basis(self) -> tuple[Any, ...]:
        return (self.commissioned_on, self.category, self.variety, self.safety_grade)

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


class EquipmentRegisteredSeen(EventPayload):
    """Registration (使用登记) gives the record its certificate number: the patrol asks which
    equipment is used unregistered."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = EquipmentRegisteredV1.event_type
    topic: ClassVar[str] = EQUIPMENT_TOPIC

    equipment: EquipmentSeen


class EquipmentStatusChangedSeen(EventPayload):
    """停用, 报废, 注销 take equipment out of the due workflow and the patrol's questions."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = EquipmentStatusChangedV1.event_type
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


def first_due_of(
    snapshot: EquipmentSeen, rules: Sequence[InspectionRule], *, today: date
) -> NextDue | None:
    """When equipment never inspected is first due, by the rules in force today."""
    if snapshot.commissioned_on is None:
        return None
    rule = applicable_rule(
        rules,
        category=snapshot.category,
        variety=snapshot.variety,
        safety_grade=snapshot.safety_grade,
        on=today,
    )
    return None if rule is None else first_due(rule, commissioned_on=snapshot.commissioned_on)


async def apply_equipment(
    context: HandlerContext, events: Sequence[TypedEvent[Any]], *, today: date
) -> None:
    """Apply the newest snapshot of each record; for equipment never inspected whose
    commissioning, variety or grade changed (or that is new), compute its first due date."""
    snapshots = latest_snapshots(events)
    codes = [s.equipment_code for s in snapshots]
    before = await queries.due_basis(context.session, codes)
    applied = set(
        await queries.upsert_equipment(context.session, [s.replica_row() for s in snapshots])
    )
    changed = [
        s
        for s in snapshots
        if s.equipment_code in applied and before.get(s.equipment_code) != s.due_basis
    ]
    if not changed:
        return
    rules = [to_rule(row) for row in await queries.inspection_rules(context.session)]
    first = [(s.equipment_code, first_due_of(s, rules, today=today)) for s in changed]
    await queries.set_first_due(
        context.session,
        [
            (code, due.due_on if due else None, due.kind.value if due else None)
            for code, due in first
        ],
    )


def equipment_replica(zone: ZoneInfo) -> BatchConsumerSpec:
    async def handler(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        await apply_equipment(context, events, today=datetime.now(zone).date())

    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[EQUIPMENT_TOPIC],
        payloads=[
            EquipmentCreatedSeen,
            EquipmentUpdatedSeen,
            EquipmentRegisteredSeen,
            EquipmentStatusChangedSeen,
        ],
        handler=handler,
    )
