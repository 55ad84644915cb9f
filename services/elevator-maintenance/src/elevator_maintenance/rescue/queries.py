"""The SQL of emergency rescue, on raw asyncpg: incidents, their steps, the clocks the deadline
machinery runs, and the figures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardSignalV1
from tzsb_common.contracts.rescue import (
    RESCUE_TOPIC,
    RescueAcknowledgementOverdueV1,
    RescueEscalatedV1,
)
from tzsb_common.deadlines import DeadlineRule, Stage
from tzsb_common.pg import Connection

ACKNOWLEDGEMENT_RULE = "rescue_acknowledgement"
ESCALATION_RULE = "rescue_escalation"
BREACH_RULE = "rescue_breach"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_BASE = """
    'incident_id', i.id, 'equipment_code', i.equipment_code,
    'maintenance_company_id', i.maintenance_company_id, 'dispatched_at', i.dispatched_at
"""
# Each clock looks only at incidents it can still fire for, through the partial index of the
# incidents nobody has reached; `$1` is the pass's instant.
_ACKNOWLEDGEMENT_SUBJECTS = f"""
    SELECT i.id::text AS subject, i.acknowledge_due_at AS deadline,
           jsonb_build_object({_BASE}) AS data
    FROM rescue_incidents i
    WHERE i.arrived_at IS NULL AND i.status = 'dispatched'
      AND i.maintenance_company_id IS NOT NULL AND i.acknowledge_due_at <= $1::timestamptz
"""  # noqa: S608
_MARK_ACKNOWLEDGEMENT_OVERDUE = """
    UPDATE rescue_incidents i SET acknowledgement_overdue_at = $1::timestamptz,
        version = i.version + 1, updated_at = now()
    FROM fired WHERE i.id = fired.subject::uuid
"""
_ESCALATION_SUBJECTS = """
    SELECT i.id::text AS subject, i.escalate_at AS deadline,
           jsonb_build_object({base}, 'reason', 'not_arrived', 'backup_team', {team}) AS data
    FROM rescue_incidents i
    WHERE i.arrived_at IS NULL AND i.status <> 'released' AND i.escalated_at IS NULL
      AND i.escalate_at <= $1::timestamptz
"""
_MARK_ESCALATED = """
    UPDATE rescue_incidents i SET escalated_at = $1::timestamptz,
        backup_team = fired.data->>'backup_team', version = i.version + 1, updated_at = now()
    FROM fired WHERE i.id = fired.subject::uuid
"""
# A late arrival posted before any pass saw the deadline pass is a breach too. The data is a
# whole hazard signal (tzsb.hazard.signal.v1), its id stable per incident.
_BREACH_SUBJECTS = """
    SELECT i.id::text AS subject, i.arrival_due_at AS deadline,
           jsonb_build_object(
               'signal_id', md5('rescue_breach:' || i.id::text)::uuid,
               'kind', 'rescue_breach', 'severity', 'major', 'source_service', {service},
               'observed_at', i.arrival_due_at, 'equipment_code', i.equipment_code,
               'unit_id', i.maintenance_company_id,
               'description', '救援超时: 维保单位未在' ||
                   CASE WHEN i.urban THEN '30' ELSE '60' END || '分钟内到达困人现场',
               'evidence', jsonb_build_object(
                   'incident_id', i.id, 'dispatched_at', i.dispatched_at,
                   'arrival_due_at', i.arrival_due_at, 'arrived_at', i.arrived_at,
                   'urban', i.urban)) AS data
    FROM rescue_incidents i
    WHERE (i.arrived_at IS NULL OR i.arrived_at > i.arrival_due_at)
      AND i.maintenance_company_id IS NOT NULL AND i.breached_at IS NULL
      AND i.arrival_due_at <= $1::timestamptz
"""
_MARK_BREACHED = """
    UPDATE rescue_incidents i SET breached_at = $1::timestamptz,
        version = i.version + 1, updated_at = now()
    FROM fired WHERE i.id = fired.subject::uuid
"""
_BY_ELEVATOR = "data->>'equipment_code'"


def clock_rules(*, backup_team: str, service_name: str) -> list[DeadlineRule]:
    """The three clocks of an incident, each its own rule so that a pass that comes late (a
    replica down for a while) still escalates and records the breach, both."""
    return [
        DeadlineRule(
            name=ACKNOWLEDGEMENT_RULE,
            subjects=_ACKNOWLEDGEMENT_SUBJECTS,
            stages=(Stage("overdue", "deadline"),),
            event_type=RescueAcknowledgementOverdueV1.event_type,
            topic=RESCUE_TOPIC,
            deadline_field="acknowledge_due_at",
            effects=(_MARK_ACKNOWLEDGEMENT_OVERDUE,),
            instant=True,
            event_subject=_BY_ELEVATOR,
        ),
        DeadlineRule(
            name=ESCALATION_RULE,
            subjects=_ESCALATION_SUBJECTS.format(base=_BASE, team=_literal(backup_team)),
            stages=(Stage("escalated", "deadline"),),
            event_type=RescueEscalatedV1.event_type,
            topic=RESCUE_TOPIC,
            deadline_field="escalate_at",
            effects=(_MARK_ESCALATED,),
            instant=True,
            event_subject=_BY_ELEVATOR,
        ),
        DeadlineRule(
            name=BREACH_RULE,
            subjects=_BREACH_SUBJECTS.format(service=_literal(service_name)),
            stages=(Stage("breached", "deadline"),),
            event_type=HazardSignalV1.event_type,
            topic=HAZARD_TOPIC,
            effects=(_MARK_BREACHED,),
            instant=True,
            event_subject=_BY_ELEVATOR,
            annotate=False,
        ),
    ]


# -- incidents ----------------------------------------------------------------------------------

_ELEVATOR_BY_CODE = """
    SELECT e.equipment_code, e.rescue_code, e.status, e.lat, e.lon, e.use_unit_id, e.province,
           e.city, e.district, coalesce(r.urban, false) AS urban
    FROM elevators e
    LEFT JOIN rescue_regions r USING (province, city, district)
    WHERE e.equipment_code = $1
"""
_ELEVATORS_BY_RESCUE_CODE = """
    SELECT e.equipment_code, e.rescue_code, e.status, e.lat, e.lon, e.use_unit_id, e.province,
           e.city, e.district, coalesce(r.urban, false) AS urban
    FROM elevators e
    LEFT JOIN rescue_regions r USING (province, city, district)
    WHERE e.rescue_code = $1
    ORDER BY e.status = 'in_use' DESC, e.equipment_code
    LIMIT 2
"""
# The contract in force on the business day of the dispatch; the latest begun wins.
_CONTRACT_HOLDER = """
    SELECT maintenance_company_id FROM contract_elevators
    WHERE equipment_code = $1 AND valid_from <= $2 AND in_force_until >= $2
    ORDER BY valid_from DESC, contract_id LIMIT 1
"""
_INCIDENT_COLUMNS = """
    id, equipment_code, rescue_code, source, reported_at, trapped_people, caller_phone,
    monitoring_event_id, maintenance_company_id, use_unit_id, province, city, district, urban,
    dispatched_at, acknowledge_due_at, escalate_at, arrival_due_at, status, acknowledged_at,
    arrived_at, arrival_lat, arrival_lon, arrival_distance_m, released_at, people_freed,
    fault_cause, fault_note, acknowledgement_overdue_at, escalated_at, backup_team, breached_at,
    version
"""
# The partial unique index keeps one open incident per elevator: a second report of the same
# trapping (another caller, the alarm beside the call) inserts nothing and joins the first.
_INSERT_INCIDENT = f"""
    INSERT INTO rescue_incidents (
        id, equipment_code, rescue_code, source, reported_at, trapped_people, caller_phone,
        reported_by, monitoring_event_id, maintenance_company_id, use_unit_id, province, city,
        district, urban, dispatched_at, acknowledge_due_at, escalate_at, arrival_due_at, status,
        escalated_at, backup_team)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
            'dispatched', $20, $21)
    ON CONFLICT (equipment_code) WHERE status <> 'released' DO NOTHING
    RETURNING {_INCIDENT_COLUMNS}
"""  # noqa: S608
_OPEN_INCIDENT_OF = f"""
    SELECT {_INCIDENT_COLUMNS} FROM rescue_incidents
    WHERE equipment_code = $1 AND status <> 'released'
"""  # noqa: S608
_INCIDENT = f"SELECT {_INCIDENT_COLUMNS} FROM rescue_incidents WHERE id = $1"  # noqa: S608
_INCIDENT_FOR_UPDATE = f"""
    SELECT {_INCIDENT_COLUMNS} FROM rescue_incidents WHERE id = $1 FOR UPDATE
"""  # noqa: S608
_ACKNOWLEDGE = f"""
    UPDATE rescue_incidents SET status = 'acknowledged', acknowledged_at = $2,
        version = version + 1, updated_at = now()
    WHERE id = $1 RETURNING {_INCIDENT_COLUMNS}
"""  # noqa: S608
_ARRIVE = f"""
    UPDATE rescue_incidents SET status = 'arrived', arrived_at = $2, arrival_lat = $3,
        arrival_lon = $4, arrival_distance_m = $5, version = version + 1, updated_at = now()
    WHERE id = $1 RETURNING {_INCIDENT_COLUMNS}
"""  # noqa: S608
_RELEASE = f"""
    UPDATE rescue_incidents SET status = 'released', released_at = $2, people_freed = $3,
        fault_cause = $4, fault_note = $5, version = version + 1, updated_at = now()
    WHERE id = $1 RETURNING {_INCIDENT_COLUMNS}
"""  # noqa: S608
_ELEVATOR_POSITION = "SELECT lat, lon FROM elevators WHERE equipment_code = $1"
_FAULT_CAUSE_EXISTS = "SELECT EXISTS (SELECT 1 FROM fault_causes WHERE code = $1)"
_FAULT_CAUSES = "SELECT code, name, category FROM fault_causes ORDER BY category, code"
# Newest first; each filter may be null, so one statement serves them all.
_LIST_INCIDENTS = f"""
    SELECT {_INCIDENT_COLUMNS} FROM rescue_incidents
    WHERE ($1::uuid IS NULL OR maintenance_company_id = $1)
      AND ($2::text IS NULL OR ($2 = 'open' AND status <> 'released')
           OR ($2 <> 'open' AND status = $2))
      AND ($3::text IS NULL OR equipment_code = $3)
      AND ($4::timestamptz IS NULL OR (dispatched_at, id) < ($4, $5::uuid))
    ORDER BY dispatched_at DESC, id DESC
    LIMIT $6
"""  # noqa: S608


async def elevator_by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ELEVATOR_BY_CODE, code)
    return dict(row) if row is not None else None


async def elevators_by_rescue_code(conn: Connection, rescue_code: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_ELEVATORS_BY_RESCUE_CODE, rescue_code)]


async def contract_holder(conn: Connection, code: str, on: Any) -> uuid.UUID | None:
    holder: uuid.UUID | None = await conn.fetchval(_CONTRACT_HOLDER, code, on)
    return holder


async def insert_incident(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """The new incident, or None when the elevator already has an open one."""
    row = await conn.fetchrow(
        _INSERT_INCIDENT,
        values["id"],
        values["equipment_code"],
        values["rescue_code"],
        values["source"],
        values["reported_at"],
        values["trapped_people"],
        values["caller_phone"],
        values["reported_by"],
        values["monitoring_event_id"],
        values["maintenance_company_id"],
        values["use_unit_id"],
        values["province"],
        values["city"],
        values["district"],
        values["urban"],
        values["dispatched_at"],
        values["acknowledge_due_at"],
        values["escalate_at"],
        values["arrival_due_at"],
        values["escalated_at"],
        values["backup_team"],
    )
    return dict(row) if row is not None else None


async def open_incident_of(conn: Connection, code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_OPEN_INCIDENT_OF, code)
    return dict(row) if row is not None else None


async def get_incident(conn: Connection, incident_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_INCIDENT, incident_id)
    return dict(row) if row is not None else None


async def lock_incident(conn: Connection, incident_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_INCIDENT_FOR_UPDATE, incident_id)
    return dict(row) if row is not None else None


async def acknowledge(conn: Connection, incident_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    return dict(await conn.fetchrow(_ACKNOWLEDGE, incident_id, at))


async def arrive(
    conn: Connection,
    incident_id: uuid.UUID,
    *,
    at: datetime,
    lat: float,
    lon: float,
    distance_m: float | None,
) -> dict[str, Any]:
    return dict(await conn.fetchrow(_ARRIVE, incident_id, at, lat, lon, distance_m))


async def release(
    conn: Connection,
    incident_id: uuid.UUID,
    *,
    at: datetime,
    people_freed: int,
    fault_cause: str,
    note: str | None,
) -> dict[str, Any]:
    return dict(await conn.fetchrow(_RELEASE, incident_id, at, people_freed, fault_cause, note))


async def elevator_position(conn: Connection, code: str) -> tuple[float | None, float | None]:
    row = await conn.fetchrow(_ELEVATOR_POSITION, code)
    return (row["lat"], row["lon"]) if row is not None else (None, None)


async def fault_cause_exists(conn: Connection, code: str) -> bool:
    exists: bool = await conn.fetchval(_FAULT_CAUSE_EXISTS, code)
    return exists


async def fault_causes(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_FAULT_CAUSES)]


async def list_incidents(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    status: str | None,
    equipment_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _LIST_INCIDENTS,
        company_id,
        status,
        equipment_code,
        *(after or (None, None)),
        limit,
    )
    return [dict(row) for row in rows]


# -- regions ------------------------------------------------------------------------------------

_PUT_REGION = """
    INSERT INTO rescue_regions (province, city, district, urban) VALUES ($1, $2, $3, $4)
    ON CONFLICT (province, city, district) DO UPDATE SET urban = EXCLUDED.urban,
        updated_at = now()
    RETURNING province, city, district, urban, updated_at
"""
_REGIONS = """
    SELECT province, city, district, urban, updated_at FROM rescue_regions
    ORDER BY province, city, district
"""


async def put_region(
    conn: Connection, *, province: str, city: str, district: str, urban: bool
) -> dict[str, Any]:
    return dict(await conn.fetchrow(_PUT_REGION, province, city, district, urban))


async def regions(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_REGIONS)]


# -- figures ------------------------------------------------------------------------------------

_FIGURE_INCIDENTS = """
    SELECT CASE WHEN $3 = 'company' THEN coalesce(maintenance_company_id::text, 'none')
                ELSE province || '/' || city || '/' || district END AS grp,
           dispatched_at, acknowledged_at, arrived_at, released_at, people_freed
    FROM rescue_incidents
    WHERE dispatched_at >= $1 AND dispatched_at < $2
"""
# Elevators in use that a company held a contract for on the period's last day.
_COMPANY_ELEVATORS = """
    SELECT ce.maintenance_company_id::text AS grp, count(DISTINCT ce.equipment_code)::int AS n
    FROM contract_elevators ce JOIN elevators e USING (equipment_code)
    WHERE ce.valid_from <= $1 AND ce.in_force_until >= $1 AND e.status = 'in_use'
    GROUP BY 1
"""
_DISTRICT_ELEVATORS = """
    SELECT province || '/' || city || '/' || district AS grp, count(*)::int AS n
    FROM elevators WHERE status = 'in_use' GROUP BY 1
"""


async def figure_incidents(
    conn: Connection, *, since: datetime, until: datetime, group_by: str
) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(_FIGURE_INCIDENTS, since, until, group_by)]


async def elevators_per_group(conn: Connection, *, group_by: str, last_day: Any) -> dict[str, int]:
    if group_by == "company":
        rows = await conn.fetch(_COMPANY_ELEVATORS, last_day)
    else:
        rows = await conn.fetch(_DISTRICT_ELEVATORS)
    return {row["grp"]: row["n"] for row in rows}
