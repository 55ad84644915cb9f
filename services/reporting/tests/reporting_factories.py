"""Events as the other services publish them, built from the real contract models, and the
helpers that put them on the test's topics."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from tzsb_common.contracts.cylinder import (
    FillDayStatistics,
    FillStatisticsV1,
    fill_statistics_subject,
)
from tzsb_common.contracts.elevator import (
    SwipeDayStatistics,
    SwipeStatisticsV1,
    VisitCompletedV1,
    swipe_statistics_subject,
)
from tzsb_common.contracts.inspection import InspectionResultV1
from tzsb_common.contracts.registry import (
    ContractCreatedV1,
    ContractSnapshot,
    EquipmentCreatedV1,
    EquipmentSnapshot,
    OrganisationCreatedV1,
    OrganisationSnapshot,
    StaffCreatedV1,
    StaffRegionPayload,
    StaffSnapshot,
    StaffUpdatedV1,
)
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.settings import ServiceSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def publish(
    producer: AIOKafkaProducer, settings: ServiceSettings, *events: tuple[EventPayload, CloudEvent]
) -> None:
    for payload, event in events:
        await producer.send(
            settings.topic(payload.topic), event.to_json_bytes(), key=event.subject.encode()
        )
    await producer.flush()


def event(payload: EventPayload, subject: str) -> tuple[EventPayload, CloudEvent]:
    return payload, payload.to_event(source="test", subject=subject)


def elevator(park: str, **overrides: Any) -> EquipmentSnapshot:
    body: dict[str, Any] = {
        "equipment_code": f"3110{random.randrange(10**14):014d}",
        "category": "3000",
        "variety": "3110",
        "status": "in_use",
        "registration_number": "梯11甘A00001(20)",
        "use_unit_id": uuid.uuid4(),
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "park": park,
        "manufacturer": "兰州电梯制造有限公司",
        "factory_number": "F2020-0001",
        "manufactured_on": date(2019, 6, 1),
        "commissioned_on": date(2020, 1, 15),
        "address": f"兰州新区{park}纬一路 1 号",
        "lat": 36.51,
        "lon": 103.62,
        "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
        "rescue_code": "62010",
        "rescue_sign_posted": True,
        "registered": True,
        "version": 1,
    }
    body.update(overrides)
    return EquipmentSnapshot.model_validate(body)


def created(snapshot: EquipmentSnapshot) -> tuple[EventPayload, CloudEvent]:
    return event(EquipmentCreatedV1(equipment=snapshot), snapshot.equipment_code)


def contract(
    company: uuid.UUID, codes: list[str], interval_days: int | None = None
) -> tuple[EventPayload, CloudEvent]:
    snapshot = ContractSnapshot(
        contract_id=uuid.uuid4(),
        maintenance_company_id=company,
        equipment_codes=codes,
        valid_from=date(2025, 7, 1),
        valid_to=date(2026, 6, 30),
        maintenance_interval_days=interval_days,
        status="active",
        terminated_on=None,
        termination_reason=None,
        in_force_until=date(2026, 6, 30),
        version=1,
    )
    return event(ContractCreatedV1(contract=snapshot), str(snapshot.contract_id))


def inspection(
    code: str, inspected_on: date, conclusion: str, next_due_on: date | None
) -> tuple[EventPayload, CloudEvent]:
    passed = conclusion in ("pass", "pass_after_reinspection")
    payload = InspectionResultV1(
        inspection_id=uuid.uuid4(),
        equipment_code=code,
        agency_id=uuid.uuid4(),
        report_number=f"R{random.randrange(10**8)}",
        kind="periodic",
        inspected_on=inspected_on,
        conclusion=conclusion,  # type: ignore[arg-type]
        valid=passed,
        next_due_on=next_due_on,
        next_due_kind="periodic" if next_due_on else None,
        hazards=[],
    )
    return event(payload, code)


def visit(
    code: str, company: uuid.UUID, on: date, visit_id: uuid.UUID | None = None
) -> tuple[EventPayload, CloudEvent]:
    started = datetime.combine(on, time(10, 0), SHANGHAI)
    payload = VisitCompletedV1(
        visit_id=visit_id or uuid.uuid4(),
        equipment_code=code,
        maintenance_company_id=company,
        started_at=started,
        ended_at=started + timedelta(minutes=45),
        kind="half_monthly",
        workers=["TS0000000001", "TS0000000002"],
    )
    return event(payload, code)


def swipe_day(
    company: uuid.UUID,
    on: date,
    accepted: int,
    rejected_by_reason: dict[str, int] | None = None,
    *,
    rejected: int | None = None,
    version: int = 1,
) -> tuple[EventPayload, CloudEvent]:
    """A company's swipe statistics of a day as the elevator-maintenance service publishes
    them; `rejected` defaults to one swipe per reason."""
    by_reason = rejected_by_reason or {}
    payload = SwipeStatisticsV1(
        statistics=SwipeDayStatistics(
            maintenance_company_id=company,
            day=on,
            accepted=accepted,
            rejected=sum(by_reason.values()) if rejected is None else rejected,
            rejected_by_reason=by_reason,
            version=version,
        )
    )
    return event(payload, swipe_statistics_subject(company, on))


def fill_day(
    station: uuid.UUID,
    on: date,
    accepted_by_medium: dict[str, int],
    refused_by_medium: dict[str, int] | None = None,
    refused_by_reason: dict[str, int] | None = None,
    *,
    version: int = 1,
) -> tuple[EventPayload, CloudEvent]:
    """A station's fill statistics of a day as the cylinder-trace service publishes them."""
    refused = refused_by_medium or {}
    payload = FillStatisticsV1(
        statistics=FillDayStatistics(
            station_id=station,
            day=on,
            accepted=sum(accepted_by_medium.values()),
            refused=sum(refused.values()),
            accepted_by_medium=accepted_by_medium,
            refused_by_medium=refused,
            refused_by_reason=refused_by_reason or {},
            version=version,
        )
    )
    return event(payload, fill_statistics_subject(station, on))


def every(first: date, days: int, until: date) -> list[date]:
    return [first + timedelta(days=n * days) for n in range((until - first).days // days + 1)]


async def fetch_value(app: FastAPI, sql: str, *args: Any) -> Any:
    async with app.state.database.connection() as conn:
        return await conn.fetchval(sql, *args)


def maintenance_company(name: str) -> tuple[uuid.UUID, tuple[EventPayload, CloudEvent]]:
    snapshot = OrganisationSnapshot(
        organisation_id=uuid.uuid4(),
        credit_code=None,
        name=name,
        kind="maintenance_company",
        region={"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        address=None,
        version=1,
    )
    payload = OrganisationCreatedV1(organisation=snapshot)
    return snapshot.organisation_id, event(payload, str(snapshot.organisation_id))


def staff_member(
    body: str | None,
    *,
    level: str | None = "B",
    active: bool = True,
    park: str | None = None,
    entered_at: datetime | None = None,
) -> StaffSnapshot:
    """A member of the bureau's supervision staff (监察人员), as the registry publishes one."""
    entered = entered_at or datetime(2020, 3, 1, 2, tzinfo=SHANGHAI)
    return StaffSnapshot(
        staff_id=uuid.uuid4(),
        name="王伟",
        region=StaffRegionPayload(province="甘肃省", city="兰州市", district="兰州新区", park=park),
        supervision_body=body,
        certificate_number=f"JC{uuid.uuid4().int % 10**8:08d}" if level else None,
        certificate_level=level,
        active=active,
        version=1,
        created_at=entered,
        updated_at=entered,
    )


def staff_event(snapshot: StaffSnapshot, **changes: Any) -> tuple[EventPayload, CloudEvent]:
    """Created at version 1; with `changes`, the next version's update."""
    if not changes:
        return event(StaffCreatedV1(staff=snapshot), str(snapshot.staff_id))
    changed = snapshot.model_copy(update={**changes, "version": snapshot.version + 1})
    payload = StaffUpdatedV1(staff=changed, changed_fields=sorted(changes))
    return event(payload, str(snapshot.staff_id))
