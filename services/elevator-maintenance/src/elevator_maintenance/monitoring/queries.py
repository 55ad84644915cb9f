"""The SQL of the monitoring feed, on raw asyncpg."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tzsb_common.pg import Connection

_COLUMNS = (
    "id, event_id, equipment_code, kind, fault_code, occurred_at, detail, incident_id, received_at"
)
# A retried post inserts nothing and is answered with the first record.
_INSERT = f"""
    INSERT INTO monitoring_events (id, poster_id, event_id, equipment_code, kind, fault_code,
                                   occurred_at, detail, client_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (poster_id, event_id) DO NOTHING
    RETURNING {_COLUMNS}
"""  # noqa: S608
_EXISTING = f"SELECT {_COLUMNS} FROM monitoring_events WHERE poster_id = $1 AND event_id = $2"  # noqa: S608
_LINK_INCIDENT = f"""
    UPDATE monitoring_events SET incident_id = $2 WHERE id = $1 RETURNING {_COLUMNS}
"""  # noqa: S608
_ELEVATOR = "SELECT equipment_code, use_unit_id FROM elevators WHERE equipment_code = $1"
_HOLDS_CONTRACT = """
    SELECT EXISTS (
        SELECT 1 FROM contract_elevators
        WHERE equipment_code = $1 AND maintenance_company_id = $2
          AND valid_from <= $3 AND in_force_until >= $3)
"""
_SUMMARY = """
    SELECT count(*) FILTER (WHERE kind = 'fault')::int AS faults,
           count(*) FILTER (WHERE kind = 'trapped_passenger')::int AS trapped_passenger_alarms,
           max(occurred_at) AS last_event_at
    FROM monitoring_events
    WHERE equipment_code = $1
      AND ($2::timestamptz IS NULL OR occurred_at >= $2)
      AND ($3::timestamptz IS NULL OR occurred_at < $3)
"""
_BY_FAULT_CODE = """
    SELECT fault_code, count(*)::int AS count FROM monitoring_events
    WHERE equipment_code = $1 AND kind = 'fault'
      AND ($2::timestamptz IS NULL OR occurred_at >= $2)
      AND ($3::timestamptz IS NULL OR occurred_at < $3)
    GROUP BY fault_code ORDER BY count DESC, fault_code
"""
_OPEN_INCIDENT = """
    SELECT id FROM rescue_incidents WHERE equipment_code = $1 AND status <> 'released'
"""


async def insert_event(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        _INSERT,
        values["id"],
        values["poster_id"],
        values["event_id"],
        values["equipment_code"],
        values["kind"],
        values["fault_code"],
        values["occurred_at"],
        values["detail"],
        values["client_id"],
    )
    return dict(row) if row is not None else None


async def existing_event(conn: Connection, poster_id: uuid.UUID, event_id: str) -> dict[str, Any]:
    return dict(await conn.fetchrow(_EXISTING, poster_id, event_id))


async def link_incident(conn: Connection, event: uuid.UUID, incident: uuid.UUID) -> dict[str, Any]:
    return dict(await conn.fetchrow(_LINK_INCIDENT, event, incident))


async def elevator(conn: Connection, code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ELEVATOR, code)
    return dict(row) if row is not None else None


async def holds_contract(conn: Connection, code: str, company_id: uuid.UUID, on: Any) -> bool:
    holds: bool = await conn.fetchval(_HOLDS_CONTRACT, code, company_id, on)
    return holds


async def summary(
    conn: Connection, code: str, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    totals = dict(await conn.fetchrow(_SUMMARY, code, since, until))
    totals["by_fault_code"] = [
        dict(r) for r in await conn.fetch(_BY_FAULT_CODE, code, since, until)
    ]
    totals["open_incident_id"] = await conn.fetchval(_OPEN_INCIDENT, code)
    return totals
