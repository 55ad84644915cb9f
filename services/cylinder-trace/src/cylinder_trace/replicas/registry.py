"""Filling stations, their filling licences and personnel certificates, kept from the registry's
snapshot topics by one set-based consumer.

Each model reads the fields the filling rules need and ignores the rest (a tolerant reader), so
a field the registry adds later never sends an event to the dead-letter topic here. Only
organisations of kind `filling_station` and licences of kind `filling` are kept; certificates
of every item are, so that a filler showing a certificate of another item is told so.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from cylinder_trace.replicas import queries
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.registry import (
    CERTIFICATE_TOPIC,
    LICENCE_TOPIC,
    ORGANISATION_TOPIC,
    CertificateCreatedV1,
    CertificateUpdatedV1,
    LicenceCreatedV1,
    LicenceStatusChangedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
)
from tzsb_common.events import EventPayload

CONSUMER_NAME = "registry-replica"
FILLING_STATION = "filling_station"
FILLING_LICENCE = "filling"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OrganisationSeen(_Tolerant):
    organisation_id: uuid.UUID
    credit_code: str | None = None
    name: str
    kind: str
    version: int

    @property
    def key(self) -> str:
        return str(self.organisation_id)

    def replica_row(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "name": self.name,
            "credit_code": self.credit_code,
            "version": self.version,
        }


class LicenceSeen(_Tolerant):
    licence_id: uuid.UUID
    organisation_id: uuid.UUID
    number: str
    kind: str
    scope: list[str]
    valid_from: date
    valid_to: date
    status: str
    status_changed_on: date | None = None
    version: int

    @property
    def key(self) -> str:
        return str(self.licence_id)

    def replica_row(self) -> dict[str, Any]:
        return {
            "licence_id": self.licence_id,
            "organisation_id": self.organisation_id,
            "number": self.number,
            "scope": json.dumps(self.scope),
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "status": self.status,
            "status_changed_on": self.status_changed_on,
            "version": self.version,
        }


class CertificateSeen(_Tolerant):
    number: str
    holder_name: str
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
            "holder_name": self.holder_name,
            "item": self.item,
            "employer_id": self.employer_id,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "version": self.version,
        }


class _Seen(EventPayload):
    model_config = ConfigDict(extra="ignore")


class OrganisationCreatedSeen(_Seen):
    event_type: ClassVar[str] = OrganisationCreatedV1.event_type
    topic: ClassVar[str] = ORGANISATION_TOPIC
    organisation: OrganisationSeen


class OrganisationUpdatedSeen(_Seen):
    event_type: ClassVar[str] = OrganisationUpdatedV1.event_type
    topic: ClassVar[str] = ORGANISATION_TOPIC
    organisation: OrganisationSeen


class LicenceCreatedSeen(_Seen):
    event_type: ClassVar[str] = LicenceCreatedV1.event_type
    topic: ClassVar[str] = LICENCE_TOPIC
    licence: LicenceSeen


class LicenceStatusChangedSeen(_Seen):
    event_type: ClassVar[str] = LicenceStatusChangedV1.event_type
    topic: ClassVar[str] = LICENCE_TOPIC
    licence: LicenceSeen


class CertificateCreatedSeen(_Seen):
    event_type: ClassVar[str] = CertificateCreatedV1.event_type
    topic: ClassVar[str] = CERTIFICATE_TOPIC
    certificate: CertificateSeen


class CertificateUpdatedSeen(_Seen):
    event_type: ClassVar[str] = CertificateUpdatedV1.event_type
    topic: ClassVar[str] = CERTIFICATE_TOPIC
    certificate: CertificateSeen


S = TypeVar("S", OrganisationSeen, LicenceSeen, CertificateSeen)


def latest(events: Sequence[TypedEvent[Any]], snapshot_of: Callable[[Any], S | None]) -> list[S]:
    """One snapshot per record, the highest version, in key order (a stable lock order)."""
    held: dict[str, S] = {}
    for event in events:
        snapshot = snapshot_of(event.payload)
        if snapshot is None:
            continue
        before = held.get(snapshot.key)
        if before is None or before.version < snapshot.version:
            held[snapshot.key] = snapshot
    return [held[key] for key in sorted(held)]


def _station(payload: Any) -> OrganisationSeen | None:
    organisation = getattr(payload, "organisation", None)
    return (
        organisation if organisation is not None and organisation.kind == FILLING_STATION else None
    )


def _licence(payload: Any) -> LicenceSeen | None:
    licence = getattr(payload, "licence", None)
    return licence if licence is not None and licence.kind == FILLING_LICENCE else None


def _certificate(payload: Any) -> CertificateSeen | None:
    return getattr(payload, "certificate", None)


async def apply_registry(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    session = context.session
    await queries.upsert_stations(session, [s.replica_row() for s in latest(events, _station)])
    await queries.upsert_licences(session, [s.replica_row() for s in latest(events, _licence)])
    await queries.upsert_certificates(
        session, [s.replica_row() for s in latest(events, _certificate)]
    )


def registry_replica() -> BatchConsumerSpec:
    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[ORGANISATION_TOPIC, LICENCE_TOPIC, CERTIFICATE_TOPIC],
        payloads=[
            OrganisationCreatedSeen,
            OrganisationUpdatedSeen,
            LicenceCreatedSeen,
            LicenceStatusChangedSeen,
            CertificateCreatedSeen,
            CertificateUpdatedSeen,
        ],
        handler=apply_registry,
    )
