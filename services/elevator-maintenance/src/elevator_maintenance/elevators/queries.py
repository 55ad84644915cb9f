"""The SQL of the elevator list, on raw asyncpg: one statement per page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

# Per elevator: the contract in force on $2 (the newest), its on-demand interval if one sets
# it, and the last visit (one backward probe of ix_visits_equipment). due_by is the arithmetic
# of visits.rules.maintenance_standing, here so the list can be filtered on it.
_STANDING = """
    SELECT s.*, (s.last_visit_ended_at AT TIME ZONE $6::text)::date
                + coalesce(s.contract_interval_days, $7::int) AS due_by
    FROM (
        SELECT e.equipment_code, e.status, c.maintenance_company_id,
               (SELECT ce.maintenance_interval_days FROM contract_elevators ce
                WHERE ce.equipment_code = e.equipment_code
                  AND ce.valid_from <= $2 AND ce.in_force_until >= $2
                  AND ce.maintenance_interval_days IS NOT NULL
                ORDER BY ce.valid_from DESC LIMIT 1) AS contract_interval_days,
               lv.id AS last_visit_id, lv.ended_at AS last_visit_ended_at
        FROM {elevators} e
        LEFT JOIN LATERAL (
            SELECT ce.maintenance_company_id FROM contract_elevators ce
            WHERE ce.equipment_code = e.equipment_code
              AND ce.valid_from <= $2 AND ce.in_force_until >= $2
            ORDER BY ce.valid_from DESC LIMIT 1
        ) AS c ON true
        LEFT JOIN LATERAL (
            SELECT v.id, v.ended_at FROM visits v WHERE v.equipment_code = e.equipment_code
            ORDER BY v.ended_at DESC, v.id DESC LIMIT 1
        ) AS lv ON true
        WHERE ($3::text IS NULL OR e.equipment_code > $3)
    ) AS s
    WHERE ($4::bool IS NULL
           OR (s.last_visit_ended_at IS NOT NULL
               AND (s.last_visit_ended_at AT TIME ZONE $6::text)::date
                   + coalesce(s.contract_interval_days, $7::int) < $2) = $4)
    ORDER BY s.equipment_code
    LIMIT $5
"""
# A company's elevators: those it holds a contract in force for, found through its index
# (ix_contract_elevators_company) rather than by walking every elevator.
_OF_COMPANY = _STANDING.format(
    elevators="""(SELECT * FROM elevators WHERE equipment_code IN (
        SELECT ce.equipment_code FROM contract_elevators ce
        WHERE ce.maintenance_company_id = $1
          AND ce.valid_from <= $2 AND ce.in_force_until >= $2))"""
)
_ALL = _STANDING.format(elevators="(SELECT * FROM elevators WHERE $1::uuid IS NULL)")


async def list_elevators(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    today: date,
    after: str | None,
    overdue: bool | None,
    limit: int,
    zone: str,
    regular_interval_days: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _ALL if company_id is None else _OF_COMPANY,
        company_id,
        today,
        after,
        overdue,
        limit,
        zone,
        regular_interval_days,
    )
    return [dict(row) for row in rows]
