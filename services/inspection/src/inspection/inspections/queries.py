"""The SQL of inspection records, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

_STANDING = """
    SELECT e.category, e.variety, e.safety_grade, e.commissioned_on, e.use_unit_id,
           d.last_inspected_on, d.last_conclusion, d.monitored_since
    FROM equipment e LEFT JOIN due_schedule d USING (equipment_code)
    WHERE e.equipment_code = $1
    FOR UPDATE OF e
"""
_INSPECTION_COLUMNS = (
    "id, agency_id, client_id, equipment_code, report_number, kind, inspected_on, conclusion, "
    "next_due_on, next_due_kind, next_due_computed, legal_source, valid, recorded_at"
)
_INSERT_INSPECTION = (
    "INSERT INTO inspections (id, agency_id, client_id, equipment_code, report_number, kind, "  # noqa: S608
    "inspected_on, conclusion, next_due_on, next_due_kind, next_due_computed, legal_source, "
    "valid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
    f"ON CONFLICT (agency_id, report_number) DO NOTHING RETURNING {_INSPECTION_COLUMNS}"
)
_BY_REPORT = (
    f"SELECT {_INSPECTION_COLUMNS} FROM inspections "  # noqa: S608
    "WHERE agency_id = $1 AND report_number = $2"
)
_INSERT_HAZARDS = """
    INSERT INTO hazards (equipment_code, use_unit_id, source, inspection_id, severity,
                         description, deadline)
    SELECT $1, $2, 'inspection', $3, h.severity, h.description, h.deadline
    FROM unnest($4::text[], $5::text[], $6::date[]) WITH ORDINALITY
         AS h(severity, description, deadline, n)
    ORDER BY h.n
    RETURNING id, description, severity, deadline, state
"""
_HAZARDS_OF = (
    "SELECT id, description, severity, deadline, state FROM hazards "
    "WHERE inspection_id = $1 ORDER BY created_at, id"
)
# A valid inspection replaces the due date; a failed one keeps it (the workflow goes on towards
# overdue unless a passing re-inspection comes) and takes the validity away.
_AFTER_VALID = """
    INSERT INTO due_schedule (equipment_code, due_on, due_kind, valid, last_inspection_id,
                              last_inspected_on, last_conclusion, monitored_since)
    VALUES ($1, $2, $3, true, $4, $5, $6, $7)
    ON CONFLICT (equipment_code) DO UPDATE SET due_on = EXCLUDED.due_on,
        due_kind = EXCLUDED.due_kind, valid = true,
        last_inspection_id = EXCLUDED.last_inspection_id,
        last_inspected_on = EXCLUDED.last_inspected_on,
        last_conclusion = EXCLUDED.last_conclusion,
        monitored_since = EXCLUDED.monitored_since, computed_at = now()
"""
_AFTER_FAIL = """
    INSERT INTO due_schedule (equipment_code, valid, last_inspection_id, last_inspected_on,
                              last_conclusion)
    VALUES ($1, false, $2, $3, $4)
    ON CONFLICT (equipment_code) DO UPDATE SET valid = false,
        last_inspection_id = EXCLUDED.last_inspection_id,
        last_inspected_on = EXCLUDED.last_inspected_on,
        last_conclusion = EXCLUDED.last_conclusion, monitored_since = NULL, computed_at = now()
"""


async def lock_standing(conn: Connection, equipment_code: str) -> dict[str, Any] | None:
    """The equipment and its standing, its replica row locked: records of one piece of
    equipment are applied one after the other, and its events keep their order."""
    row = await conn.fetchrow(_STANDING, equipment_code)
    return dict(row) if row is not None else None


async def insert_inspection(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """None when the agency already used the report number."""
    row = await conn.fetchrow(
        _INSERT_INSPECTION,
        values["id"],
        values["agency_id"],
        values["client_id"],
        values["equipment_code"],
        values["report_number"],
        values["kind"],
        values["inspected_on"],
        values["conclusion"],
        values["next_due_on"],
        values["next_due_kind"],
        values["next_due_computed"],
        values["legal_source"],
        values["valid"],
    )
    return dict(row) if row is not None else None


async def get_by_report(
    conn: Connection, agency_id: uuid.UUID, report_number: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_BY_REPORT, agency_id, report_number)
    return dict(row) if row is not None else None


async def insert_hazards(
    conn: Connection,
    *,
    equipment_code: str,
    use_unit_id: uuid.UUID,
    inspection_id: uuid.UUID,
    hazards: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    if not hazards:
        return []
    rows = await conn.fetch(
        _INSERT_HAZARDS,
        equipment_code,
        use_unit_id,
        inspection_id,
        [h["severity"] for h in hazards],
        [h["description"] for h in hazards],
        [h["deadline"] for h in hazards],
    )
    return [dict(row) for row in rows]


async def hazards_of(conn: Connection, inspection_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_HAZARDS_OF, inspection_id)]


async def schedule_after_valid(
    conn: Connection,
    *,
    equipment_code: str,
    due_on: date,
    due_kind: str,
    inspection_id: uuid.UUID,
    inspected_on: date,
    conclusion: str,
    monitored_since: date | None,
) -> None:
    await conn.execute(
        _AFTER_VALID,
        equipment_code,
        due_on,
        due_kind,
        inspection_id,
        inspected_on,
        conclusion,
        monitored_since,
    )


async def schedule_after_fail(
    conn: Connection,
    *,
    equipment_code: str,
    inspection_id: uuid.UUID,
    inspected_on: date,
    conclusion: str,
) -> None:
    await conn.execute(_AFTER_FAIL, equipment_code, inspection_id, inspected_on, conclusion)
