"""The monitoring feed: an event stored once per poster and id; a trapped-passenger alarm
opens (or joins) the elevator's rescue and raises a hazard signal, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.monitoring import queries
from elevator_maintenance.monitoring.rules import (
    MonitoringKind,
    MonitoringReason,
    check_monitoring_event,
    opens_rescue,
)
from elevator_maintenance.monitoring.schemas import MonitoringEventIn
from elevator_maintenance.rescue.service import Report, open_incident
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database


class MonitoringRefused(Exception):
    def __init__(self, reasons: list[MonitoringReason], field: str) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons
        self.field = field


async def record_event(
    database: Database,
    outbox: Outbox,
    *,
    event: MonitoringEventIn,
    poster_id: uuid.UUID,
    company_id: uuid.UUID | None,
    client_id: str,
    settings: ElevatorMaintenanceSettings,
) -> tuple[dict[str, Any], bool]:
    """The stored event and whether it is new. `company_id` is the posting company, which may
    post only for elevators it holds a contract for on the event's day."""
    now = datetime.now(UTC)
    reasons = check_monitoring_event(
        event.kind,
        event.fault_code,
        event.occurred_at,
        now=now,
        future_tolerance=timedelta(seconds=settings.rescue_time_tolerance_s),
    )
    if reasons:
        field = (
            "fault_code" if reasons[0] is MonitoringReason.fault_code_required else "occurred_at"
        )
        raise MonitoringRefused(reasons, field)
    zone = ZoneInfo(settings.business_timezone)
    async with database.transaction() as conn:
        lift = await queries.elevator(conn, event.equipment_code)
        if lift is None:
            raise MonitoringRefused([MonitoringReason.unknown_equipment], "equipment_code")
        day = event.occurred_at.astimezone(zone).date()
        if company_id is not None and not await queries.holds_contract(
            conn, event.equipment_code, company_id, day
        ):
            raise MonitoringRefused([MonitoringReason.no_valid_contract], "equipment_code")
        row = await queries.insert_event(
            conn,
            {
                "id": uuid.uuid4(),
                "poster_id": poster_id,
                "event_id": event.event_id,
                "equipment_code": event.equipment_code,
                "kind": event.kind.value,
                "fault_code": event.fault_code,
                "occurred_at": event.occurred_at,
                "detail": event.detail,
                "client_id": client_id,
            },
        )
        if row is None:
            return await queries.existing_event(conn, poster_id, event.event_id), False
        if opens_rescue(event.kind):
            incident, _ = await open_incident(
                conn,
                outbox,
                report=Report(
                    equipment_code=event.equipment_code,
                    rescue_code=None,
                    source="monitoring_alarm",
                    reported_at=event.occurred_at,
                    trapped_people=None,
                    caller_phone=None,
                    reported_by=client_id,
                    monitoring_event_id=row["id"],
                ),
                settings=settings,
                now=now,
            )
            row = await queries.link_incident(conn, row["id"], incident["id"])
            await outbox.add_on_connection(
                conn,
                _alarm_signal(row, incident, lift, service=settings.service_name),
                subject=event.equipment_code,
            )
    return row, True


def _alarm_signal(
    row: dict[str, Any], incident: dict[str, Any], lift: dict[str, Any], *, service: str
) -> HazardSignalV1:
    return HazardSignalV1(
        signal_id=row["id"],
        kind="trapped_passenger_alarm",
        severity="major",
        source_service=service,
        observed_at=row["occurred_at"],
        equipment_code=row["equipment_code"],
        # The company dispatched answers for the rescue; without one, the use unit.
        unit_id=incident["maintenance_company_id"] or lift["use_unit_id"],
        description="困人报警: 电梯远程监测装置报告轿厢困人, 已派单救援",
        evidence={
            "monitoring_event_id": str(row["id"]),
            "event_id": row["event_id"],
            "incident_id": str(incident["id"]),
            "occurred_at": row["occurred_at"].isoformat(),
        },
    )


async def may_read(
    database: Database, *, company_id: uuid.UUID | None, equipment_code: str, today: date
) -> bool:
    if company_id is None:
        return True
    async with database.connection() as conn:
        return await queries.holds_contract(conn, equipment_code, company_id, today)


async def summary(
    database: Database, *, equipment_code: str, since: datetime | None, until: datetime | None
) -> dict[str, Any] | None:
    async with database.connection() as conn:
        if await queries.elevator(conn, equipment_code) is None:
            return None
        totals = await queries.summary(conn, equipment_code, since, until)
    return {"equipment_code": equipment_code, **totals}


__all__ = ["MonitoringKind", "MonitoringRefused", "may_read", "record_event", "summary"]
