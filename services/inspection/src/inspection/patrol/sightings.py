"""Signs of use from hazard signals (`tzsb.hazard.signal.v1`) and rescues
(`tzsb.elevator.rescue.dispatched.v1`, from a 96333 call or a monitoring device's alarm): every
code they name is noted, so the patrol can ask which of them the registry does not hold.

Its own consumer (and consumer group) beside the hazard feature's: noting a code and opening a
hazard are separate effects that must not wait for each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from inspection.patrol import service
from inspection.patrol.rules import (
    Sighting,
    SightingSource,
    rescue_sighting_source,
    signal_names_equipment,
)
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardSignalV1
from tzsb_common.contracts.rescue import RESCUE_TOPIC, RescueDispatchedV1
from tzsb_common.events import EventPayload

CONSUMER_NAME = "patrol-sightings"


class HazardSignalSeen(EventPayload):
    """The fields of a signal the patrol needs (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = HazardSignalV1.event_type
    topic: ClassVar[str] = HAZARD_TOPIC

    kind: str
    observed_at: datetime
    equipment_code: str | None = None
    unit_id: uuid.UUID | None = None


class RescueDispatchedSeen(EventPayload):
    """The fields of a dispatched rescue the patrol needs (a tolerant reader): every incident
    is dispatched first, so the later events of it add no new sighting."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = RescueDispatchedV1.event_type
    topic: ClassVar[str] = RESCUE_TOPIC

    incident_id: uuid.UUID
    equipment_code: str
    source: str
    reported_at: datetime


def sightings_of(signals: Sequence[BaseModel]) -> list[Sighting]:
    rescues = [
        Sighting(
            equipment_code=r.equipment_code,
            source=rescue_sighting_source(r.source),
            # The maintenance company dispatched is not the use unit that answers for the
            # equipment's registration: no unit is named.
            unit_id=None,
            reference=str(r.incident_id),
            seen_at=r.reported_at,
        )
        for r in signals
        if isinstance(r, RescueDispatchedSeen)
    ]
    return rescues + [
        Sighting(
            equipment_code=s.equipment_code,
            source=SightingSource.hazard_signal,
            unit_id=s.unit_id,
            reference=s.kind,
            seen_at=s.observed_at,
        )
        for s in signals
        if isinstance(s, HazardSignalSeen)
        and s.equipment_code is not None
        and signal_names_equipment(s.kind, s.equipment_code)
    ]


async def apply_signals(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await service.note_sightings(context.session, sightings_of([e.payload for e in events]))


def sightings_consumer() -> BatchConsumerSpec:
    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[HAZARD_TOPIC, RESCUE_TOPIC],
        payloads=[HazardSignalSeen, RescueDispatchedSeen],
        handler=apply_signals,
    )
