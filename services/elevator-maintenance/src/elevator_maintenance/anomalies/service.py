"""Anomalies: judged inside the swipe transaction when visits form (two statements per batch
that formed visits, none per row), and the reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.anomalies import queries
from elevator_maintenance.anomalies.rules import (
    CERTIFICATE_LENDING,
    AnomalyKind,
    AnomalyLimits,
    Finding,
    VisitSpan,
    WorkerVisit,
    certificate_findings,
    short_visit,
)
from elevator_maintenance.anomalies.schemas import AnomalyRead
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.visits.rules import VisitPlan
from tzsb_common.contracts.elevator import MaintenanceAnomalyV1
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.events import CloudEvent
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database

_HISTORY_MARGIN = timedelta(days=1, hours=8)
"""How far around a batch's new visits a certificate's other visits are read: the whole
business day of each (for the daily count), and a visit up to 8 hours long that may overlap."""

_DESCRIPTIONS = {
    AnomalyKind.impossible_travel: "同一作业人员证在无法到达的两地维保（疑似借证挂靠）",
    AnomalyKind.too_many_visits: "同一作业人员证单日维保次数过多（疑似借证挂靠）",
    AnomalyKind.overlapping_visits: "同一作业人员证维保时间重叠（疑似借证挂靠）",
}


def limits_of(settings: ElevatorMaintenanceSettings) -> AnomalyLimits:
    return AnomalyLimits(
        min_visit=timedelta(minutes=settings.anomaly_min_visit_minutes),
        max_travel_kmh=settings.anomaly_max_travel_kmh,
        same_site_km=settings.anomaly_same_site_km,
        max_visits_per_day=settings.anomaly_max_visits_per_day,
        zone=ZoneInfo(settings.business_timezone),
    )


def _events(
    finding: Finding, *, company_id: uuid.UUID, source: str
) -> list[tuple[CloudEvent, str]]:
    anomaly = MaintenanceAnomalyV1(
        anomaly_id=finding.anomaly_id,
        kind=finding.kind.value,
        maintenance_company_id=company_id,
        equipment_code=finding.equipment_code,
        certificate_number=finding.certificate_number,
        visit_id=finding.visit_id,
        other_visit_id=finding.other_visit_id,
        observed_at=finding.observed_at,
        details=finding.details,
    )
    events = [
        (
            anomaly.to_event(source=source, subject=finding.equipment_code),
            MaintenanceAnomalyV1.topic,
        )
    ]
    if finding.kind in CERTIFICATE_LENDING:
        signal = HazardSignalV1(
            signal_id=finding.anomaly_id,
            kind="certificate_lending",
            severity="general",
            source_service=source,
            observed_at=finding.observed_at,
            equipment_code=finding.equipment_code,
            unit_id=company_id,
            description=_DESCRIPTIONS[finding.kind],
            evidence={
                "anomaly_id": str(finding.anomaly_id),
                "anomaly_kind": finding.kind.value,
                "certificate_number": finding.certificate_number,
                "visit_id": str(finding.visit_id),
                "other_visit_id": str(finding.other_visit_id) if finding.other_visit_id else None,
                **finding.details,
            },
        )
        events.append(
            (signal.to_event(source=source, subject=finding.equipment_code), HazardSignalV1.topic)
        )
    return events


def history_windows(plans: Sequence[VisitPlan]) -> list[tuple[str, datetime, datetime]]:
    """(certificate, since, until) around the worker visits `plans` add: where each of their
    certificates' other visits are read from to judge them."""
    windows: dict[str, tuple[datetime, datetime]] = {}
    for v in plans:
        for p in v.new_pairs:
            low, high = windows.get(p.certificate_number, (p.start.at, p.end.at))
            windows[p.certificate_number] = (min(low, p.start.at), max(high, p.end.at))
    return [
        (cert, low - _HISTORY_MARGIN, high + _HISTORY_MARGIN)
        for cert, (low, high) in sorted(windows.items())
    ]


async def judge_new_visits(
    conn: Connection,
    outbox: Outbox,
    *,
    company_id: uuid.UUID,
    plans: Sequence[VisitPlan],
    limits: AnomalyLimits,
    history: Sequence[Any] | None = None,
) -> list[Finding]:
    """Judge the visits a batch formed or grew (already written in this transaction) and record
    the new findings with their events. Returns the findings that were new. `history` is the
    certificates' worker visits in `history_windows(plans)`, the new ones included, when the
    caller read them with its own writes; else they are read here."""
    if not plans:
        return []
    findings = [
        f
        for f in (
            short_visit(VisitSpan(v.visit_id, v.equipment_code, v.started_at, v.ended_at), limits)
            for v in plans
        )
        if f is not None
    ]
    judged = [(v.visit_id, p.certificate_number) for v in plans for p in v.new_pairs]
    if history is None:
        history = await queries.certificate_visits(
            conn, company_id=company_id, windows=history_windows(plans)
        )
    # The rows' columns are WorkerVisit's fields in order (queries.certificate_visits and
    # visits.queries.write_visits): hundreds a batch, so unpacked rather than looked up by name.
    known = [WorkerVisit(*row) for row in history]
    by_key = {(v.visit_id, v.certificate_number): v for v in known}
    findings += certificate_findings(
        [by_key[key] for key in judged if key in by_key],
        known,
        company_id=company_id,
        limits=limits,
    )
    if not findings:
        return []
    # In key order: two batches finding the same patterns wait on each other's keys in one
    # order, never in a cycle.
    findings.sort(key=lambda f: f.key)
    source = outbox.settings.service_name
    events = [
        (f.anomaly_id, e)
        for f in findings
        for e in _events(f, company_id=company_id, source=source)
    ]
    written = set(
        await queries.write_findings(
            conn,
            company_id=company_id,
            findings=[
                (
                    f.anomaly_id,
                    f.kind.value,
                    f.key,
                    f.equipment_code,
                    f.certificate_number,
                    f.visit_id,
                    f.other_visit_id,
                    f.observed_at,
                    json.dumps(f.details),
                )
                for f in findings
            ],
            event_anomaly_ids=[anomaly_id for anomaly_id, _ in events],
            event_columns=outbox.row_arrays([e for _, e in events]),
        )
    )
    return [f for f in findings if f.anomaly_id in written]


def _read(row: dict[str, object]) -> AnomalyRead:
    details = row["details"]
    return AnomalyRead.model_validate(
        {**row, "details": json.loads(details) if isinstance(details, str) else details}
    )


async def get_anomaly(database: Database, anomaly_id: uuid.UUID) -> AnomalyRead | None:
    async with database.connection() as conn:
        row = await queries.get_anomaly(conn, anomaly_id)
    return _read(row) if row is not None else None


async def list_anomalies(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    kind: str | None,
    equipment_code: str | None,
    certificate_number: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[AnomalyRead]:
    async with database.connection() as conn:
        rows = await queries.list_anomalies(
            conn,
            company_id=company_id,
            kind=kind,
            equipment_code=equipment_code,
            certificate_number=certificate_number,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
    return [_read(row) for row in rows]
