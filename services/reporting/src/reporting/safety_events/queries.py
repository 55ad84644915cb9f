"""SQL of the hazard, anomaly and rescue read models: one statement per table and chunk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.safety_events.rules import ANY_TRUE_COLUMNS, EARLIEST_COLUMNS

HAZARD_TYPES = {
    "hazard_id": "uuid[]",
    "source": "text[]",
    "severity": "text[]",
    "equipment_code": "text[]",
    "use_unit_id": "uuid[]",
    "unit_id": "uuid[]",
    "found_at": "timestamptz[]",
    "deadline": "date[]",
    "order_number": "text[]",
    "order_deadline": "date[]",
    "order_issued_at": "timestamptz[]",
    "rectified_at": "timestamptz[]",
    "closed_at": "timestamptz[]",
    "rectified_within_deadline": "bool[]",
    "overdue_on": "date[]",
}
HAZARD_COLUMNS = tuple(HAZARD_TYPES)[1:]

RESCUE_TYPES = {
    "incident_id": "uuid[]",
    "equipment_code": "text[]",
    "maintenance_company_id": "uuid[]",
    "source": "text[]",
    "urban": "bool[]",
    "reported_at": "timestamptz[]",
    "dispatched_at": "timestamptz[]",
    "arrival_due_at": "timestamptz[]",
    "acknowledged_at": "timestamptz[]",
    "acknowledged_in_time": "bool[]",
    "acknowledgement_overdue": "bool[]",
    "arrived_at": "timestamptz[]",
    "arrived_in_time": "bool[]",
    "escalation_reason": "text[]",
    "released_at": "timestamptz[]",
    "people_freed": "int4[]",
    "fault_cause": "text[]",
    "arrival_minutes": "float8[]",
    "rescue_minutes": "float8[]",
}
RESCUE_COLUMNS = tuple(RESCUE_TYPES)[1:]

_NOT_NULL_DEFAULTS = {"acknowledgement_overdue": "false"}


def _merge(table: str, column: str) -> str:
    if column in EARLIEST_COLUMNS:
        return f"{column} = LEAST({table}.{column}, EXCLUDED.{column})"
    if column in ANY_TRUE_COLUMNS:
        return f"{column} = {table}.{column} OR EXCLUDED.{column}"
    return f"{column} = COALESCE(EXCLUDED.{column}, {table}.{column})"


def _fold_in(table: str, key: str, types: dict[str, str]) -> TextClause:
    """Insert the folded rows, or merge each into the stored one: a known value over an
    unknown, the furthest state."""
    columns = (*types, "state", "state_rank")
    arrays = ", ".join(
        f"CAST(:{c} AS {types.get(c, 'text[]' if c == 'state' else 'int4[]')})" for c in columns
    )
    selected = ", ".join(
        f"coalesce(u.{c}, {_NOT_NULL_DEFAULTS[c]})" if c in _NOT_NULL_DEFAULTS else f"u.{c}"
        for c in columns
    )
    merges = [_merge(table, c) for c in types if c != key]
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant names)
        f"SELECT {selected} FROM unnest({arrays}) AS u({', '.join(columns)}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(merges)}, "
        f"state = CASE WHEN EXCLUDED.state_rank > {table}.state_rank "
        f"THEN EXCLUDED.state ELSE {table}.state END, "
        f"state_rank = GREATEST({table}.state_rank, EXCLUDED.state_rank), updated_at = now()"
    )


_FOLD_HAZARDS = _fold_in("hazards", "hazard_id", HAZARD_TYPES)
_FOLD_RESCUE_INCIDENTS = _fold_in("rescue_incidents", "incident_id", RESCUE_TYPES)

ANOMALY_COLUMNS = (
    "anomaly_id",
    "kind",
    "maintenance_company_id",
    "equipment_code",
    "certificate_number",
    "visit_id",
    "observed_at",
    "observed_on",
)
_INSERT_ANOMALIES = text(
    f"INSERT INTO maintenance_anomalies ({', '.join(ANOMALY_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest(CAST(:anomaly_id AS uuid[]), CAST(:kind AS text[]), "
    "CAST(:maintenance_company_id AS uuid[]), CAST(:equipment_code AS text[]), "
    "CAST(:certificate_number AS text[]), CAST(:visit_id AS uuid[]), "
    "CAST(:observed_at AS timestamptz[]), CAST(:observed_on AS date[])) "
    "ON CONFLICT (anomaly_id) DO NOTHING"
)


def _arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in columns}


async def fold_hazards(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = (*HAZARD_TYPES, "state", "state_rank")
        await session.execute(_FOLD_HAZARDS, _arrays(rows, columns))


async def fold_rescue_incidents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = (*RESCUE_TYPES, "state", "state_rank")
        await session.execute(_FOLD_RESCUE_INCIDENTS, _arrays(rows, columns))


async def insert_anomalies(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_INSERT_ANOMALIES, _arrays(rows, ANOMALY_COLUMNS))
