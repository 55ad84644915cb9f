"""Rescue use cases: each one transaction with its outbox events, the incident row locked so
its events keep their order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.rescue import queries
from elevator_maintenance.rescue.rules import (
    TRANSITION_REASONS,
    Figures,
    IncidentState,
    IncidentTimes,
    RescueLimits,
    RescueReason,
    RescueStatus,
    arrival_distance,
    check_step,
    months_in,
    outside_geofence,
    rescue_clock,
    rescue_figures,
)
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from tzsb_common.contracts.rescue import (
    RescueAcknowledgedV1,
    RescueArrivedV1,
    RescueDispatchedV1,
    RescueEscalatedV1,
    RescueReleasedV1,
    RescueSource,
)
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database


class RescueRefused(Exception):
    """A report or a step that the rules refuse: `conflict` when it contradicts the incident's
    state (409), else a bad field (422)."""

    def __init__(self, reasons: list[RescueReason], field: str) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons
        self.field = field

    @property
    def conflict(self) -> bool:
        return any(r in TRANSITION_REASONS for r in self.reasons)


def limits_of(settings: ElevatorMaintenanceSettings) -> RescueLimits:
    return RescueLimits(
        acknowledge=timedelta(minutes=settings.rescue_acknowledge_minutes),
        escalate=timedelta(minutes=settings.rescue_escalate_minutes),
        arrival_urban=timedelta(minutes=settings.rescue_arrival_urban_minutes),
        arrival_other=timedelta(minutes=settings.rescue_arrival_other_minutes),
        future_tolerance=timedelta(seconds=settings.rescue_time_tolerance_s),
        geofence_m=settings.swipe_geofence_m,
    )


@dataclass(frozen=True, slots=True)
class Report:
    equipment_code: str | None
    rescue_code: str | None
    source: RescueSource
    reported_at: datetime
    trapped_people: int | None
    caller_phone: str | None
    reported_by: str
    monitoring_event_id: uuid.UUID | None = None


async def _elevator_of(conn: Connection, report: Report) -> dict[str, Any]:
    by_code = (
        await queries.elevator_by_code(conn, report.equipment_code)
        if report.equipment_code
        else None
    )
    if report.equipment_code and by_code is None:
        raise RescueRefused([RescueReason.unknown_equipment], "equipment_code")
    if report.rescue_code is None:
        if by_code is None:
            raise RescueRefused([RescueReason.equipment_or_rescue_code_required], "equipment_code")
        return by_code
    if by_code is not None:
        # An elevator whose record carries no rescue code yet is found by its equipment code.
        if by_code["rescue_code"] not in (None, report.rescue_code):
            raise RescueRefused([RescueReason.codes_disagree], "rescue_code")
        return by_code
    found = await queries.elevators_by_rescue_code(conn, report.rescue_code)
    if not found:
        raise RescueRefused([RescueReason.unknown_rescue_code], "rescue_code")
    # A code is meant to be unique; if the registry holds it twice, the elevator in use wins.
    return found[0]


async def open_incident(
    conn: Connection,
    outbox: Outbox,
    *,
    report: Report,
    settings: ElevatorMaintenanceSettings,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Inside the caller's transaction: the new incident dispatched to the contract holder
    (True), or the elevator's open incident that this report joins (False)."""
    limits = limits_of(settings)
    if report.reported_at > now + limits.future_tolerance:
        raise RescueRefused([RescueReason.reported_in_future], "reported_at")
    elevator = await _elevator_of(conn, report)
    code = elevator["equipment_code"]
    zone = ZoneInfo(settings.business_timezone)
    company = await queries.contract_holder(conn, code, now.astimezone(zone).date())
    clock = rescue_clock(now, urban=elevator["urban"], limits=limits)
    incident = await queries.insert_incident(
        conn,
        {
            "id": uuid.uuid4(),
            "equipment_code": code,
            "rescue_code": elevator["rescue_code"],
            "source": report.source,
            "reported_at": report.reported_at,
            "trapped_people": report.trapped_people,
            "caller_phone": report.caller_phone,
            "reported_by": report.reported_by,
            "monitoring_event_id": report.monitoring_event_id,
            "maintenance_company_id": company,
            "use_unit_id": elevator["use_unit_id"],
            "province": elevator["province"],
            "city": elevator["city"],
            "district": elevator["district"],
            "urban": elevator["urban"],
            "dispatched_at": now,
            "acknowledge_due_at": clock.acknowledge_due_at,
            "escalate_at": clock.escalate_at,
            "arrival_due_at": clock.arrival_due_at,
            # Nobody to dispatch to: the backup team goes at once.
            "escalated_at": now if company is None else None,
            "backup_team": settings.rescue_backup_team if company is None else None,
        },
    )
    if incident is None:
        joined = await queries.open_incident_of(conn, code)
        if joined is not None:
            return joined, False
        raise RuntimeError("an open incident vanished while a report joined it")
    events: list[Any] = [
        RescueDispatchedV1(
            incident_id=incident["id"],
            equipment_code=code,
            maintenance_company_id=company,
            source=report.source,
            rescue_code=incident["rescue_code"],
            reported_at=report.reported_at,
            dispatched_at=now,
            trapped_people=report.trapped_people,
            acknowledge_due_at=clock.acknowledge_due_at,
            escalate_at=clock.escalate_at,
            arrival_due_at=clock.arrival_due_at,
            urban=elevator["urban"],
        )
    ]
    if company is None:
        events.append(
            RescueEscalatedV1(
                incident_id=incident["id"],
                equipment_code=code,
                maintenance_company_id=None,
                reason="no_valid_contract",
                backup_team=settings.rescue_backup_team,
                dispatched_at=now,
                stage="escalated",
                escalate_at=now,
                as_of=now,
            )
        )
    await outbox.add_events_on_connection(
        conn,
        [(e.to_event(source=outbox.settings.service_name, subject=code), e.topic) for e in events],
    )
    return incident, True


async def report_incident(
    database: Database,
    outbox: Outbox,
    *,
    report: Report,
    settings: ElevatorMaintenanceSettings,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    async with database.transaction() as conn:
        return await open_incident(
            conn, outbox, report=report, settings=settings, now=now or datetime.now(UTC)
        )


def _state(row: dict[str, Any]) -> IncidentState:
    return IncidentState(
        status=RescueStatus(row["status"]),
        dispatched_at=row["dispatched_at"],
        acknowledged_at=row["acknowledged_at"],
        arrived_at=row["arrived_at"],
    )


async def _own(conn: Connection, incident_id: uuid.UUID, company_id: uuid.UUID) -> dict[str, Any]:
    row = await queries.lock_incident(conn, incident_id)
    if row is None or row["maintenance_company_id"] != company_id:
        raise LookupError(incident_id)
    return row


def _check(
    row: dict[str, Any], step: RescueStatus, at: datetime, now: datetime, limits: RescueLimits
) -> None:
    reasons = check_step(_state(row), step, at=at, now=now, limits=limits)
    if reasons:
        raise RescueRefused(reasons, "at")


async def acknowledge(
    database: Database,
    outbox: Outbox,
    *,
    incident_id: uuid.UUID,
    company_id: uuid.UUID,
    at: datetime | None,
    settings: ElevatorMaintenanceSettings,
) -> dict[str, Any]:
    """响应. LookupError when the incident is not the company's."""
    now = datetime.now(UTC)
    at = at or now
    async with database.transaction() as conn:
        row = await _own(conn, incident_id, company_id)
        _check(row, RescueStatus.acknowledged, at, now, limits_of(settings))
        row = await queries.acknowledge(conn, incident_id, at)
        await outbox.add_on_connection(
            conn,
            RescueAcknowledgedV1(
                incident_id=incident_id,
                equipment_code=row["equipment_code"],
                maintenance_company_id=company_id,
                dispatched_at=row["dispatched_at"],
                acknowledged_at=at,
                within_limit=at <= row["acknowledge_due_at"],
            ),
            subject=row["equipment_code"],
        )
    return row


async def arrive(
    database: Database,
    outbox: Outbox,
    *,
    incident_id: uuid.UUID,
    company_id: uuid.UUID,
    at: datetime | None,
    lat: float,
    lon: float,
    settings: ElevatorMaintenanceSettings,
) -> dict[str, Any]:
    """到达现场, the position checked against the elevator's like a swipe's."""
    now = datetime.now(UTC)
    at = at or now
    limits = limits_of(settings)
    async with database.transaction() as conn:
        row = await _own(conn, incident_id, company_id)
        _check(row, RescueStatus.arrived, at, now, limits)
        distance = arrival_distance(
            lat, lon, *await queries.elevator_position(conn, row["equipment_code"])
        )
        if outside_geofence(distance, limits):
            raise RescueRefused([RescueReason.outside_geofence], "lat")
        row = await queries.arrive(conn, incident_id, at=at, lat=lat, lon=lon, distance_m=distance)
        await outbox.add_on_connection(
            conn,
            RescueArrivedV1(
                incident_id=incident_id,
                equipment_code=row["equipment_code"],
                maintenance_company_id=company_id,
                dispatched_at=row["dispatched_at"],
                arrived_at=at,
                within_limit=at <= row["arrival_due_at"],
                distance_m=distance,
            ),
            subject=row["equipment_code"],
        )
    return row


async def release(
    database: Database,
    outbox: Outbox,
    *,
    incident_id: uuid.UUID,
    company_id: uuid.UUID,
    at: datetime | None,
    people_freed: int,
    fault_cause: str,
    note: str | None,
    settings: ElevatorMaintenanceSettings,
) -> dict[str, Any]:
    """解困, closing the loop with the fault's cause code."""
    now = datetime.now(UTC)
    at = at or now
    async with database.transaction() as conn:
        row = await _own(conn, incident_id, company_id)
        _check(row, RescueStatus.released, at, now, limits_of(settings))
        if not await queries.fault_cause_exists(conn, fault_cause):
            raise RescueRefused([RescueReason.unknown_fault_cause], "fault_cause")
        row = await queries.release(
            conn, incident_id, at=at, people_freed=people_freed, fault_cause=fault_cause, note=note
        )
        await outbox.add_on_connection(
            conn,
            RescueReleasedV1(
                incident_id=incident_id,
                equipment_code=row["equipment_code"],
                maintenance_company_id=company_id,
                dispatched_at=row["dispatched_at"],
                arrived_at=row["arrived_at"],
                released_at=at,
                people_freed=people_freed,
                fault_cause=fault_cause,
                arrival_minutes=round(
                    (row["arrived_at"] - row["dispatched_at"]).total_seconds() / 60, 2
                ),
                rescue_minutes=round((at - row["arrived_at"]).total_seconds() / 60, 2),
            ),
            subject=row["equipment_code"],
        )
    return row


async def get_incident(database: Database, incident_id: uuid.UUID) -> dict[str, Any] | None:
    async with database.connection() as conn:
        return await queries.get_incident(conn, incident_id)


async def list_incidents(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    status: str | None,
    equipment_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    async with database.connection() as conn:
        return await queries.list_incidents(
            conn,
            company_id=company_id,
            status=status,
            equipment_code=equipment_code,
            after=after,
            limit=limit,
        )


async def fault_causes(database: Database) -> list[dict[str, Any]]:
    async with database.connection() as conn:
        return await queries.fault_causes(conn)


async def put_region(
    database: Database, *, province: str, city: str, district: str, urban: bool
) -> dict[str, Any]:
    async with database.transaction() as conn:
        return await queries.put_region(
            conn, province=province, city=city, district=district, urban=urban
        )


async def regions(database: Database) -> list[dict[str, Any]]:
    async with database.connection() as conn:
        return await queries.regions(conn)


# -- clocks -------------------------------------------------------------------------------------


def clock_scanner(settings: ElevatorMaintenanceSettings, outbox_table: Any) -> DeadlineScanner:
    return DeadlineScanner(
        queries.clock_rules(
            backup_team=settings.rescue_backup_team, service_name=settings.service_name
        ),
        settings=settings,
        outbox_table=outbox_table,
    )


async def run_clocks(
    scanner: DeadlineScanner, database: Database, *, as_of: datetime
) -> dict[str, int]:
    """A pass of the three clocks for `as_of`, waiting for a replica's pass in progress; each
    stage fires once per incident however often this runs."""
    fired = {o.rule: o.fired for o in await scanner.run_pass(database, as_of=as_of)}
    return {
        "acknowledgement_overdue": fired.get(queries.ACKNOWLEDGEMENT_RULE, 0),
        "escalated": fired.get(queries.ESCALATION_RULE, 0),
        "breached": fired.get(queries.BREACH_RULE, 0),
    }


# -- figures ------------------------------------------------------------------------------------


async def figures(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    group_by: str,
    zone: ZoneInfo,
    limits: RescueLimits,
) -> tuple[Any, list[Figures]]:
    """The published figures for the days `period_start`…`period_end` (business days, both
    included), by dispatch time."""
    since = datetime.combine(period_start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(period_end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    async with database.connection() as conn:
        rows = await queries.figure_incidents(conn, since=since, until=until, group_by=group_by)
        elevators = await queries.elevators_per_group(conn, group_by=group_by, last_day=period_end)
    months = months_in(period_start, period_end)
    return months, rescue_figures(
        (
            IncidentTimes(
                group=r["grp"],
                dispatched_at=r["dispatched_at"],
                acknowledged_at=r["acknowledged_at"],
                arrived_at=r["arrived_at"],
                released_at=r["released_at"],
                people_freed=r["people_freed"],
            )
            for r in rows
        ),
        elevators,
        months=months,
        response_limit=limits.acknowledge,
    )
