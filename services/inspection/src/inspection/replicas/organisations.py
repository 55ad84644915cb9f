"""The organisation replica, kept from `tzsb.registry.organisation` by a set-based consumer.

A supervision order (监察指令书) names its addressee (受令单位) by name and unified social credit
code; the organisations are the registry's, so inspection keeps the few fields it prints (a
tolerant reader: a field the registry adds later never dead-letters an event here).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from inspection.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import (
    ORGANISATION_TOPIC,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
)
from tzsb_common.events import EventPayload

CONSUMER_NAME = "organisation-replica"


class OrganisationSeen(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation_id: uuid.UUID
    name: str
    credit_code: str | None = None
    kind: str
    version: int

    def replica_row(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "name": self.name,
            "credit_code": self.credit_code,
            "kind": self.kind,
            "version": self.version,
        }


class OrganisationCreatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = OrganisationCreatedV1.event_type
    topic: ClassVar[str] = ORGANISATION_TOPIC

    organisation: OrganisationSeen


class OrganisationUpdatedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = OrganisationUpdatedV1.event_type
    topic: ClassVar[str] = ORGANISATION_TOPIC

    organisation: OrganisationSeen


def latest_organisations(events: Sequence[TypedEvent[Any]]) -> list[OrganisationSeen]:
    """One snapshot per organisation, the highest version, in id order (a stable lock order)."""
    latest: dict[uuid.UUID, OrganisationSeen] = {}
    for event in events:
        snapshot: OrganisationSeen = event.payload.organisation
        held = latest.get(snapshot.organisation_id)
        if held is None or held.version < snapshot.version:
            latest[snapshot.organisation_id] = snapshot
    return [latest[key] for key in sorted(latest)]


async def apply_organisations(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    snapshots = latest_organisations(events)
    await queries.upsert_organisations(context.session, [s.replica_row() for s in snapshots])


def organisation_replica() -> BatchConsumerSpec:
    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[ORGANISATION_TOPIC],
        payloads=[OrganisationCreatedSeen, OrganisationUpdatedSeen],
        handler=apply_organisations,
    )
