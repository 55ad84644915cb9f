"""Hazard, anomaly and rescue events as the inspection and elevator-maintenance services
publish them, built from the real contract models."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from reporting_factories import event
from tzsb_common.contracts.elevator import MaintenanceAnomalyV1
from tzsb_common.contracts.hazard import (
    HazardClosedV1,
    HazardFoundV1,
    HazardOrderIssuedV1,
    HazardOverdueV1,
    HazardRectifiedV1,
)
from tzsb_common.contracts.rescue import (
    RescueAcknowledgedV1,
    RescueArrivedV1,
    RescueDispatchedV1,
    RescueReleasedV1,
)
from tzsb_common.events import CloudEvent, EventPayload

Published = tuple[EventPayload, CloudEvent]


def hazard_found(
    hazard_id: uuid.UUID, code: str, severity: str = "general", deadline: date | None = None
) -> Published:
    payload = HazardFoundV1(
        hazard_id=hazard_id,
        source="inspection",
        severity=severity,  # type: ignore[arg-type]
        description="安全保护装置失效",
        equipment_code=code,
        use_unit_id=uuid.uuid4(),
        unit_id=None,
        deadline=deadline,
        inspection_id=None,
        signal_id=None,
    )
    return event(payload, code)


def hazard_order_issued(hazard_id: uuid.UUID, code: str, deadline: date) -> Published:
    payload = HazardOrderIssuedV1(
        hazard_id=hazard_id,
        order_id=uuid.uuid4(),
        order_number="市监特令〔2026〕第12号",
        deadline=deadline,
        equipment_code=code,
        use_unit_id=None,
        unit_id=None,
    )
    return event(payload, code)


def hazard_rectified(hazard_id: uuid.UUID, code: str, at: datetime) -> Published:
    payload = HazardRectifiedV1(
        hazard_id=hazard_id,
        equipment_code=code,
        rectified_at=at,
        evidence_sha256=["0" * 64],
        deadline=None,
        within_deadline=None,
    )
    return event(payload, code)


def hazard_closed(hazard_id: uuid.UUID, code: str, at: datetime) -> Published:
    payload = HazardClosedV1(
        hazard_id=hazard_id,
        equipment_code=code,
        closed_at=at,
        deadline=None,
        rectified_within_deadline=True,
    )
    return event(payload, code)


def hazard_overdue(hazard_id: uuid.UUID, code: str, deadline: date, as_of: date) -> Published:
    payload = HazardOverdueV1(
        hazard_id=hazard_id,
        equipment_code=code,
        use_unit_id=None,
        unit_id=None,
        severity="major",
        state="order_issued",
        stage="overdue",
        deadline=deadline,
        as_of=as_of,
    )
    return event(payload, code)


def anomaly(
    code: str, company: uuid.UUID, at: datetime, anomaly_id: uuid.UUID | None = None
) -> Published:
    payload = MaintenanceAnomalyV1(
        anomaly_id=anomaly_id or uuid.uuid4(),
        kind="short_visit",
        maintenance_company_id=company,
        equipment_code=code,
        certificate_number="TS0000000001",
        visit_id=uuid.uuid4(),
        other_visit_id=None,
        observed_at=at,
        details={"minutes": 4},
    )
    return event(payload, code)


def rescue(
    incident_id: uuid.UUID, code: str, company: uuid.UUID, dispatched: datetime
) -> list[Published]:
    """Dispatched, acknowledged after 2 minutes, arrived after 20 (in time), released at 35."""
    common = {
        "incident_id": incident_id,
        "equipment_code": code,
        "maintenance_company_id": company,
        "dispatched_at": dispatched,
    }
    arrived = dispatched + timedelta(minutes=20)
    return [
        event(
            RescueDispatchedV1(
                **common,
                source="call_centre",
                rescue_code="62010",
                reported_at=dispatched - timedelta(minutes=1),
                trapped_people=2,
                acknowledge_due_at=dispatched + timedelta(minutes=3),
                escalate_at=dispatched + timedelta(minutes=30),
                arrival_due_at=dispatched + timedelta(minutes=30),
                urban=True,
            ),
            code,
        ),
        event(
            RescueAcknowledgedV1(
                **common, acknowledged_at=dispatched + timedelta(minutes=2), within_limit=True
            ),
            code,
        ),
        event(
            RescueArrivedV1(**common, arrived_at=arrived, within_limit=True, distance_m=35.0),
            code,
        ),
        event(
            RescueReleasedV1(
                **common,
                arrived_at=arrived,
                released_at=arrived + timedelta(minutes=15),
                people_freed=2,
                fault_cause="door_lock",
                arrival_minutes=20.0,
                rescue_minutes=15.0,
            ),
            code,
        ),
    ]
