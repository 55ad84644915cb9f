"""The read-model consumers: one set-based consumer per record kind.

Each reads the fields reporting needs and ignores the rest (a tolerant reader), so a field a
publisher adds later never sends an event to the dead-letter topic here. A chunk may carry
several versions of one registry record; only the highest is applied, and only over an older
one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from reporting.read_models import queries
from reporting.read_models.rules import (
    business_day,
    integer_attribute,
    month_of,
    number_attribute,
    record_complete,
)
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.cylinder import FILL_STATISTICS_TOPIC, FillStatisticsV1
from tzsb_common.contracts.elevator import (
    MAINTENANCE_TOPIC,
    SwipeStatisticsV1,
    VisitCompletedV1,
)
from tzsb_common.contracts.inspection import (
    DUE_TOPIC,
    RESULT_TOPIC,
    InspectionDueV1,
    InspectionResultV1,
)
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
    EquipmentRegisteredV1,
    EquipmentStatusChangedV1,
    EquipmentUpdatedV1,
    LicenceCreatedV1,
    LicenceStatusChangedV1,
    OrganisationCreatedV1,
    OrganisationUpdatedV1,
    StaffCreatedV1,
    StaffUpdatedV1,
)
from tzsb_common.events import EventPayload


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
    status_since: date | None = None
    registration_number: str | None = None
    registered_on: date | None = None
    registered: bool | None = None
    use_unit_id: uuid.UUID
    region: RegionSeen
    park: str | None = None
    manufacturer: str | None = None
    factory_number: str | None = None
    manufactured_on: date | None = None
    commissioned_on: date | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    attributes: dict[str, Any] = {}
    rescue_code: str | None = None
    rescue_sign_posted: bool = False
    version: int

    @property
    def key(self) -> str:
        return self.equipment_code

    def read_model_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "equipment_code": self.equipment_code,
            "category": self.category,
            "variety": self.variety,
            "status": self.status,
            "status_since": self.status_since,
            # Events from before the flag existed say it through their certificate number.
            "registered": (
                self.registered
                if self.registered is not None
                else self.registration_number is not None
            ),
            "registration_number": self.registration_number,
            "registered_on": self.registered_on,
            "use_unit_id": self.use_unit_id,
            "province": self.region.province,
            "city": self.region.city,
            "district": self.region.district,
            "park": self.park,
            "manufacturer": self.manufacturer,
            "factory_number": self.factory_number,
            "manufactured_on": self.manufactured_on,
            "commissioned_on": self.commissioned_on,
            "address": self.address,
            "lat": self.lat,
            "lon": self.lon,
            "rated_load_kg": number_attribute(self.attributes, "rated_load_kg"),
            "rated_speed_ms": number_attribute(self.attributes, "rated_speed_ms"),
            "stops": integer_attribute(self.attributes, "stops"),
            "rescue_code": self.rescue_code,
            "rescue_sign_posted": self.rescue_sign_posted,
            "version": self.version,
        }
        row["record_complete"] = record_complete(row)
        return row


class OrganisationSeen(_Tolerant):
    organisation_id: uuid.UUID
    credit_code: str | None = None
    name: str
    kind: str
    region: dict[str, str | None] = {}
    address: str | None = None
    version: int

    @property
    def key(self) -> str:
        return str(self.organisation_id)

    def read_model_row(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "credit_code": self.credit_code,
            "name": self.name,
            "kind": self.kind,
            "province": self.region.get("province"),
            "city": self.region.get("city"),
            "district": self.region.get("district"),
            "address": self.address,
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

    def read_model_row(self) -> dict[str, Any]:
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


class LicenceSeen(_Tolerant):
    licence_id: uuid.UUID
    organisation_id: uuid.UUID
    number: str
    kind: str
    scope: list[str] = Field(default_factory=list)
    valid_from: date
    valid_to: date
    status: str
    version: int

    @property
    def key(self) -> str:
        return str(self.licence_id)

    def read_model_row(self) -> dict[str, Any]:
        return {
            "licence_id": self.licence_id,
            "organisation_id": self.organisation_id,
            "number": self.number,
            "kind": self.kind,
            "scope": json.dumps(self.scope),
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "status": self.status,
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

    def read_model_row(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "holder_name": self.holder_name,
            "item": self.item,
            "employer_id": self.employer_id,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "version": self.version,
        }


class StaffRegionSeen(_Tolerant):
    province: str
    city: str
    district: str
    park: str | None = None


class StaffSeen(_Tolerant):
    staff_id: uuid.UUID
    region: StaffRegionSeen
    supervision_body: str | None = None
    certificate_level: str | None = None
    active: bool
    created_at: datetime
    version: int

    @property
    def key(self) -> str:
        return str(self.staff_id)

    def read_model_row(self) -> dict[str, Any]:
        return {
            "staff_id": self.staff_id,
            "province": self.region.province,
            "city": self.region.city,
            "district": self.region.district,
            "park": self.region.park,
            "supervision_body": self.supervision_body,
            "certificate_level": self.certificate_level,
            "active": self.active,
            "entered_at": self.created_at,
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


class InspectionResultSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = InspectionResultV1.event_type
    topic: ClassVar[str] = RESULT_TOPIC

    inspection_id: uuid.UUID
    equipment_code: str
    agency_id: uuid.UUID
    report_number: str
    kind: str
    inspected_on: date
    conclusion: str
    valid: bool
    next_due_on: date | None = None
    next_due_kind: str | None = None
    hazards: list[dict[str, Any]] = Field(default_factory=list)


class InspectionDueSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = InspectionDueV1.event_type
    topic: ClassVar[str] = DUE_TOPIC

    equipment_code: str
    stage: str
    due_on: date
    due_kind: str
    as_of: date
    use_unit_id: uuid.UUID
    category: str
    variety: str
    park: str | None = None


class FillDaySeen(_Tolerant):
    station_id: uuid.UUID
    day: date
    accepted_by_medium: dict[str, int] = Field(default_factory=dict)
    refused_by_medium: dict[str, int] = Field(default_factory=dict)
    refused_by_reason: dict[str, int] = Field(default_factory=dict)
    version: int

    @property
    def key(self) -> tuple[uuid.UUID, date]:
        return (self.station_id, self.day)

    def medium_rows(self) -> list[dict[str, Any]]:
        media = sorted(self.accepted_by_medium.keys() | self.refused_by_medium.keys())
        return [
            {
                "station_id": self.station_id,
                "day": self.day,
                "medium": medium,
                "accepted": self.accepted_by_medium.get(medium, 0),
                "refused": self.refused_by_medium.get(medium, 0),
                "version": self.version,
            }
            for medium in media
        ]

    def refusal_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "station_id": self.station_id,
                "day": self.day,
                "reason": reason,
                "fills": fills,
                "version": self.version,
            }
            for reason, fills in sorted(self.refused_by_reason.items())
        ]


class FillStatisticsSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = FillStatisticsV1.event_type
    topic: ClassVar[str] = FILL_STATISTICS_TOPIC

    statistics: FillDaySeen


class VisitCompletedSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = VisitCompletedV1.event_type
    topic: ClassVar[str] = MAINTENANCE_TOPIC

    visit_id: uuid.UUID
    equipment_code: str
    maintenance_company_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    kind: str | None = None
    workers: list[str] = Field(default_factory=list)


class SwipeDaySeen(_Tolerant):
    maintenance_company_id: uuid.UUID
    day: date
    accepted: int
    rejected: int
    rejected_by_reason: dict[str, int] = Field(default_factory=dict)
    version: int

    @property
    def key(self) -> tuple[uuid.UUID, date]:
        return (self.maintenance_company_id, self.day)

    def read_model_row(self) -> dict[str, Any]:
        return {
            "company_id": self.maintenance_company_id,
            "day": self.day,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejected_by_reason": json.dumps(self.rejected_by_reason, sort_keys=True),
            "version": self.version,
        }


class SwipeStatisticsSeen(EventPayload):
    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str] = SwipeStatisticsV1.event_type
    topic: ClassVar[str] = MAINTENANCE_TOPIC

    statistics: SwipeDaySeen


EQUIPMENT_EVENTS = [
    _seen(c, "equipment", EquipmentSeen)
    for c in (
        EquipmentCreatedV1,
        EquipmentUpdatedV1,
        EquipmentRegisteredV1,
        EquipmentStatusChangedV1,
    )
]
ORGANISATION_EVENTS = [
    _seen(c, "organisation", OrganisationSeen)
    for c in (OrganisationCreatedV1, OrganisationUpdatedV1)
]
CONTRACT_EVENTS = [
    _seen(c, "contract", ContractSeen) for c in (ContractCreatedV1, ContractTerminatedV1)
]
LICENCE_EVENTS = [
    _seen(c, "licence", LicenceSeen) for c in (LicenceCreatedV1, LicenceStatusChangedV1)
]
CERTIFICATE_EVENTS = [
    _seen(c, "certificate", CertificateSeen) for c in (CertificateCreatedV1, CertificateUpdatedV1)
]
STAFF_EVENTS = [_seen(c, "staff", StaffSeen) for c in (StaffCreatedV1, StaffUpdatedV1)]

Snapshot = TypeVar(
    "Snapshot",
    EquipmentSeen,
    OrganisationSeen,
    ContractSeen,
    CertificateSeen,
    LicenceSeen,
    StaffSeen,
    SwipeDaySeen,
    FillDaySeen,
)


def latest_snapshots(snapshots: Sequence[Snapshot]) -> list[Snapshot]:
    """One snapshot per record (or company-day, station-day), the highest version, in key
    order (a stable lock order)."""
    latest: dict[Any, Snapshot] = {}
    for snapshot in snapshots:
        held = latest.get(snapshot.key)
        if held is None or held.version < snapshot.version:
            latest[snapshot.key] = snapshot
    return [latest[key] for key in sorted(latest)]


def _rows(events: Sequence[TypedEvent[Any]], field: str) -> list[dict[str, Any]]:
    snapshots = latest_snapshots([getattr(event.payload, field) for event in events])
    return [s.read_model_row() for s in snapshots]


async def apply_equipment(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_equipment(context.session, _rows(events, "equipment"))


async def apply_organisations(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_organisations(context.session, _rows(events, "organisation"))


async def apply_contracts(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_contracts(context.session, _rows(events, "contract"))


async def apply_certificates(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_certificates(context.session, _rows(events, "certificate"))


async def apply_licences(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_licences(context.session, _rows(events, "licence"))


async def apply_staff(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    await queries.upsert_staff(context.session, _rows(events, "staff"))


async def apply_inspections(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    rows = []
    for event in events:
        result: InspectionResultSeen = event.payload
        rows.append(
            {
                "inspection_id": result.inspection_id,
                "equipment_code": result.equipment_code,
                "agency_id": result.agency_id,
                "report_number": result.report_number,
                "kind": result.kind,
                "inspected_on": result.inspected_on,
                "conclusion": result.conclusion,
                "valid": result.valid,
                "next_due_on": result.next_due_on,
                "next_due_kind": result.next_due_kind,
                "hazards_found": len(result.hazards),
                "recorded_at": event.time,
            }
        )
    await queries.insert_inspections(context.session, rows)


async def apply_due_stages(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    stages = {}
    for event in events:
        due: InspectionDueSeen = event.payload
        stages[(due.equipment_code, due.due_on, due.stage)] = due.model_dump(
            include={
                "equipment_code",
                "due_on",
                "stage",
                "due_kind",
                "as_of",
                "use_unit_id",
                "category",
                "variety",
                "park",
            }
        )
    await queries.insert_due_stages(context.session, list(stages.values()))


async def apply_fill_days(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    """Keep each station-day's newest totals per medium and per refusal reason: the publisher's
    version orders them, so a redelivered or re-published older event changes nothing. Counts
    only grow, so a newer day holds every medium and reason an older one did."""
    days = latest_snapshots([event.payload.statistics for event in events])
    await queries.upsert_fill_days(
        context.session, [row for day in days for row in day.medium_rows()]
    )
    await queries.upsert_fill_refusal_days(
        context.session, [row for day in days for row in day.refusal_rows()]
    )


async def apply_swipe_days(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    """Keep each company-day's newest totals: the publisher's version orders them, so a
    redelivered or re-published older event changes nothing."""
    days = latest_snapshots([event.payload.statistics for event in events])
    await queries.upsert_swipe_days(context.session, [day.read_model_row() for day in days])


def visit_consumer_handler(
    zone: ZoneInfo,
) -> Callable[[HandlerContext, Sequence[TypedEvent[Any]]], Any]:
    async def apply_visits(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        """Store the visits (the last publication of each wins) and recompute the roll-up of
        every elevator-month they count in now or counted in before."""
        latest: dict[uuid.UUID, dict[str, Any]] = {}
        for event in events:
            visit: VisitCompletedSeen = event.payload
            latest[visit.visit_id] = {
                "visit_id": visit.visit_id,
                "equipment_code": visit.equipment_code,
                "maintenance_company_id": visit.maintenance_company_id,
                "started_at": visit.started_at,
                "ended_at": visit.ended_at,
                "visit_on": business_day(visit.started_at, zone),
                "kind": visit.kind,
                "workers": len(set(visit.workers)),
            }
        rows = [latest[k] for k in sorted(latest)]
        held = set(await queries.visit_months_held(context.session, list(latest)))
        now_in = {(row["equipment_code"], month_of(row["visit_on"])) for row in rows}
        await queries.upsert_visits(context.session, rows)
        await queries.roll_up_visit_months(
            context.session, sorted(held | now_in), may_be_empty=sorted(held - now_in)
        )

    return apply_visits


def _spec(
    name: str,
    topic: str,
    payloads: Sequence[type[EventPayload]],
    handler: Callable[[HandlerContext, Sequence[TypedEvent[Any]]], Any],
) -> BatchConsumerSpec:
    return BatchConsumerSpec(name=name, topics=[topic], payloads=payloads, handler=handler)


def read_model_consumers(zone: ZoneInfo) -> list[BatchConsumerSpec]:
    return [
        _spec("equipment-read-model", EQUIPMENT_TOPIC, EQUIPMENT_EVENTS, apply_equipment),
        _spec(
            "organisation-read-model", ORGANISATION_TOPIC, ORGANISATION_EVENTS, apply_organisations
        ),
        _spec("contract-read-model", CONTRACT_TOPIC, CONTRACT_EVENTS, apply_contracts),
        _spec("certificate-read-model", CERTIFICATE_TOPIC, CERTIFICATE_EVENTS, apply_certificates),
        _spec("licence-read-model", LICENCE_TOPIC, LICENCE_EVENTS, apply_licences),
        _spec("staff-read-model", STAFF_TOPIC, STAFF_EVENTS, apply_staff),
        _spec("inspection-read-model", RESULT_TOPIC, [InspectionResultSeen], apply_inspections),
        _spec("due-stage-read-model", DUE_TOPIC, [InspectionDueSeen], apply_due_stages),
        _spec(
            "visit-read-model",
            MAINTENANCE_TOPIC,
            [VisitCompletedSeen],
            visit_consumer_handler(zone),
        ),
        _spec(
            "swipe-statistics-read-model",
            MAINTENANCE_TOPIC,
            [SwipeStatisticsSeen],
            apply_swipe_days,
        ),
        _spec(
            "fill-statistics-read-model",
            FILL_STATISTICS_TOPIC,
            [FillStatisticsSeen],
            apply_fill_days,
        ),
    ]
