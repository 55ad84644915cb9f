"""Valid registry snapshots, events and request bodies with overrides, for inspection's tests."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from tzsb_common.events import CloudEvent, snapshot_event_id

_serial = itertools.count(1)


def equipment_code(variety: str = "3110") -> str:
    return f"{variety}{random.randrange(10**14):014d}"


def snapshot(**overrides: Any) -> dict[str, Any]:
    """An equipment snapshot as the registry publishes it."""
    body: dict[str, Any] = {
        "equipment_code": equipment_code(),
        "category": "3000",
        "variety": "3110",
        "status": "in_use",
        "registration_number": "梯11甘A00001(26)",
        "use_unit_id": str(uuid.uuid4()),
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "park": "中川园区",
        "manufacturer": "兰州电梯制造有限公司",
        "factory_number": f"F2026-{next(_serial):04d}",
        "manufactured_on": "2019-06-01",
        "commissioned_on": "2020-01-15",
        "address": "兰州新区中川园区纬一路 1 号",
        "lat": 36.51,
        "lon": 103.62,
        "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
        "rescue_code": "62010012345",
        "rescue_sign_posted": True,
        "version": 1,
    }
    body.update(overrides)
    return body


def equipment_event(equipment: dict[str, Any], *, created: bool | None = None) -> CloudEvent:
    created = equipment["version"] == 1 if created is None else created
    kind = "created" if created else "updated"
    event_type = f"tzsb.registry.equipment.{kind}.v1"
    data: dict[str, Any] = {"equipment": equipment}
    if not created:
        data["changed_fields"] = []
    return CloudEvent(
        id=snapshot_event_id(event_type, equipment["equipment_code"], equipment["version"]),
        source="registry",
        type=event_type,
        subject=equipment["equipment_code"],
        data=data,
    )


def inspection(equipment_code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "equipment_code": equipment_code,
        "report_number": f"TJ-2026-{next(_serial):06d}",
        "kind": "periodic",
        "inspected_on": date(2026, 3, 10).isoformat(),
        "conclusion": "pass",
        "hazards": [],
    }
    body.update(overrides)
    return body


async def seed_equipment(app: Any, *snapshots: dict[str, Any], today: date) -> None:
    """Apply registry snapshots through the replica's own decoder and handler (no broker)."""
    from inspection.replicas.equipment import apply_equipment, equipment_replica
    from tzsb_common.consumer import HandlerContext

    spec = equipment_replica(ZoneInfo("Asia/Shanghai"))
    events = [spec.decoder.validate_json(equipment_event(s).to_json_bytes()) for s in snapshots]
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_equipment(context, events, today=today)


def contract(*codes: str, **overrides: Any) -> dict[str, Any]:
    """A maintenance-contract snapshot as the registry publishes it."""
    body: dict[str, Any] = {
        "contract_id": str(uuid.uuid4()),
        "maintenance_company_id": str(uuid.uuid4()),
        "equipment_codes": list(codes),
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "maintenance_interval_days": None,
        "status": "active",
        "terminated_on": None,
        "termination_reason": None,
        "in_force_until": "2026-12-31",
        "version": 1,
    }
    body.update(overrides)
    return body


async def seed_contracts(app: Any, *contracts: dict[str, Any]) -> None:
    """Apply registry contract snapshots through the replica's own decoder and handler."""
    from inspection.replicas.contracts import apply_contracts, contract_replica
    from tzsb_common.consumer import HandlerContext
    from tzsb_common.contracts.registry import ContractCreatedV1, ContractSnapshot

    spec = contract_replica()
    events = [
        spec.decoder.validate_json(
            ContractCreatedV1(contract=ContractSnapshot.model_validate(c))
            .to_event(source="registry", subject=c["contract_id"])
            .to_json_bytes()
        )
        for c in contracts
    ]
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_contracts(context, events)


def hazard_signal(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "signal_id": str(uuid.uuid4()),
        "kind": "complaint",
        "severity": "general",
        "source_service": "reporting",
        "observed_at": "2026-11-20T08:00:00+08:00",
        "equipment_code": equipment_code(),
        "unit_id": None,
        "description": "群众投诉: 电梯运行异响",
        "evidence": {},
    }
    body.update(overrides)
    return body


async def seed_signals(app: Any, *signals: dict[str, Any]) -> None:
    """Apply hazard signals through the patrol's sightings consumer."""
    from inspection.patrol.sightings import apply_signals, sightings_consumer
    from tzsb_common.consumer import HandlerContext
    from tzsb_common.contracts.hazard import HazardSignalV1

    spec = sightings_consumer()
    events = [
        spec.decoder.validate_json(
            HazardSignalV1.model_validate(s)
            .to_event(source=s["source_service"], subject=s["equipment_code"] or "unit")
            .to_json_bytes()
        )
        for s in signals
    ]
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_signals(context, events)


def organisation(**overrides: Any) -> dict[str, Any]:
    """An organisation snapshot as the registry publishes it."""
    body: dict[str, Any] = {
        "organisation_id": str(uuid.uuid4()),
        "credit_code": "91620100MA74XXXX0B",
        "name": "兰州新区中川物业管理有限公司",
        "kind": "use_unit",
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "address": "兰州新区中川园区纬一路 1 号",
        "version": 1,
    }
    body.update(overrides)
    return body


async def seed_organisations(app: Any, *organisations: dict[str, Any]) -> None:
    """Apply registry organisation snapshots through the replica's own decoder and handler."""
    from inspection.replicas.organisations import apply_organisations, organisation_replica
    from tzsb_common.consumer import HandlerContext
    from tzsb_common.contracts.registry import (
        OrganisationCreatedV1,
        OrganisationSnapshot,
        OrganisationUpdatedV1,
    )

    spec = organisation_replica()
    events = []
    for o in organisations:
        snapshot = OrganisationSnapshot.model_validate(o)
        payload = (
            OrganisationCreatedV1(organisation=snapshot)
            if o["version"] == 1
            else OrganisationUpdatedV1(organisation=snapshot, changed_fields=["name"])
        )
        events.append(
            spec.decoder.validate_json(
                payload.to_event(source="registry", subject=o["organisation_id"]).to_json_bytes()
            )
        )
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_organisations(context, events)


def rescue_dispatched(equipment_code: str, **overrides: Any) -> dict[str, Any]:
    """A dispatched rescue (96333 困人) as elevator-maintenance publishes it."""
    body: dict[str, Any] = {
        "incident_id": str(uuid.uuid4()),
        "equipment_code": equipment_code,
        "maintenance_company_id": None,
        "source": "call_centre",
        "rescue_code": "62011",
        "reported_at": "2026-11-22T09:00:00+08:00",
        "dispatched_at": "2026-11-22T09:01:00+08:00",
        "trapped_people": 2,
        "acknowledge_due_at": "2026-11-22T09:04:00+08:00",
        "escalate_at": "2026-11-22T09:31:00+08:00",
        "arrival_due_at": "2026-11-22T09:31:00+08:00",
        "urban": True,
    }
    body.update(overrides)
    return body


async def seed_rescues(app: Any, *rescues: dict[str, Any]) -> None:
    """Apply dispatched rescues through the patrol's sightings consumer."""
    from inspection.patrol.sightings import apply_signals, sightings_consumer
    from tzsb_common.consumer import HandlerContext
    from tzsb_common.contracts.rescue import RescueDispatchedV1

    spec = sightings_consumer()
    events = [
        spec.decoder.validate_json(
            RescueDispatchedV1.model_validate(r)
            .to_event(source="elevator-maintenance", subject=r["equipment_code"])
            .to_json_bytes()
        )
        for r in rescues
    ]
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_signals(context, events)
