"""SQL of the equipment replica: one statement per chunk of events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

REPLICA_COLUMNS = (
    "equipment_code",
    "category",
    "variety",
    "status",
    "registration_number",
    "use_unit_id",
    "province",
    "city",
    "district",
    "park",
    "commissioned_on",
    "safety_grade",
    "version",
)
_TYPES = {
    "use_unit_id": "uuid[]",
    "commissioned_on": "date[]",
    "safety_grade": "int2[]",
    "version": "int4[]",
}

# A snapshot is applied only over an older one: events of one record may arrive out of order
# (a republished snapshot, a retried outbox batch), and the registry's version orders them.
_UPSERT = text(
    f"INSERT INTO equipment ({', '.join(REPLICA_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text[]')})" for c in REPLICA_COLUMNS)
    + ") ON CONFLICT (equipment_code) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in REPLICA_COLUMNS[1:])
    + ", updated_at = now() WHERE equipment.version < EXCLUDED.version "
    "RETURNING equipment_code"
)


async def upsert_equipment(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Apply the snapshots that are newer than what the replica holds; returns their codes."""
    if not rows:
        return []
    columns = {c: [row[c] for row in rows] for c in REPLICA_COLUMNS}
    result = await session.execute(_UPSERT, columns)
    return list(result.scalars())


_BASIS = text(
    "SELECT equipment_code, commissioned_on, category, variety, safety_grade FROM equipment "
    "WHERE equipment_code = ANY(CAST(:codes AS text[]))"
)
_RULES = text(
    "SELECT category, variety, safety_grade, schedule, interval_months, max_interval_months, "
    "first_inspection_months, monitored_use_max_months, inspection_years, "
    "early_inspection_months, legal_source, valid_from FROM inspection_rules"
)
# Only equipment never inspected: after an inspection its due date is the inspection's.
_FIRST_DUE = text(
    "INSERT INTO due_schedule (equipment_code, due_on, due_kind) "
    "SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:due_on AS date[]), "
    "CAST(:due_kind AS text[])) "
    "ON CONFLICT (equipment_code) DO UPDATE SET due_on = EXCLUDED.due_on, "
    "due_kind = EXCLUDED.due_kind, computed_at = now() "
    "WHERE due_schedule.last_inspection_id IS NULL"
)


async def due_basis(session: AsyncSession, codes: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """What a first due date depends on, as the replica holds it now."""
    rows = await session.execute(_BASIS, {"codes": list(codes)})
    return {row[0]: tuple(row[1:]) for row in rows}


async def inspection_rules(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(row) for row in (await session.execute(_RULES)).mappings()]


async def set_first_due(session: AsyncSession, rows: Sequence[tuple[str, Any, Any]]) -> None:
    if rows:
        await session.execute(
            _FIRST_DUE,
            {
                "codes": [r[0] for r in rows],
                "due_on": [r[1] for r in rows],
                "due_kind": [r[2] for r in rows],
            },
        )


CONTRACT_COLUMNS = (
    "contract_id",
    "maintenance_company_id",
    "valid_from",
    "valid_to",
    "in_force_until",
    "status",
    "equipment_codes",
    "version",
)
_CONTRACT_TYPES = {
    "contract_id": "uuid[]",
    "maintenance_company_id": "uuid[]",
    "valid_from": "date[]",
    "valid_to": "date[]",
    "in_force_until": "date[]",
    "version": "int4[]",
}
_UPSERT_CONTRACTS = text(
    f"INSERT INTO contracts ({', '.join(CONTRACT_COLUMNS)}) "  # noqa: S608
    "SELECT "
    + ", ".join(
        # unnest would flatten an array of arrays, so each contract's codes travel as JSON text.
        "ARRAY(SELECT jsonb_array_elements_text(u.equipment_codes::jsonb))"
        if c == "equipment_codes"
        else f"u.{c}"
        for c in CONTRACT_COLUMNS
    )
    + " FROM unnest("
    + ", ".join(f"CAST(:{c} AS {_CONTRACT_TYPES.get(c, 'text[]')})" for c in CONTRACT_COLUMNS)
    + f") AS u({', '.join(CONTRACT_COLUMNS)}) ON CONFLICT (contract_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in CONTRACT_COLUMNS[1:])
    + ", updated_at = now() WHERE contracts.version < EXCLUDED.version RETURNING contract_id"
)
_DELETE_CONTRACT_ELEVATORS = text(
    "DELETE FROM contract_elevators WHERE contract_id = ANY(CAST(:ids AS uuid[]))"
)
_INSERT_CONTRACT_ELEVATORS = text(
    "INSERT INTO contract_elevators (equipment_code, contract_id, valid_from, in_force_until) "
    "SELECT DISTINCT code, c.contract_id, c.valid_from, c.in_force_until "
    "FROM contracts c, unnest(c.equipment_codes) AS code "
    "WHERE c.contract_id = ANY(CAST(:ids AS uuid[]))"
)


async def upsert_contracts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Apply the newer contracts and rewrite the elevator rows of each applied one."""
    if not rows:
        return []
    columns = {c: [row[c] for row in rows] for c in CONTRACT_COLUMNS}
    applied = list((await session.execute(_UPSERT_CONTRACTS, columns)).scalars())
    if applied:
        await session.execute(_DELETE_CONTRACT_ELEVATORS, {"ids": applied})
        await session.execute(_INSERT_CONTRACT_ELEVATORS, {"ids": applied})
    return applied


ORGANISATION_COLUMNS = ("organisation_id", "name", "credit_code", "kind", "version")
_ORGANISATION_TYPES = {"organisation_id": "uuid[]", "version": "int4[]"}
_UPSERT_ORGANISATIONS = text(
    f"INSERT INTO organisations ({', '.join(ORGANISATION_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + ", ".join(
        f"CAST(:{c} AS {_ORGANISATION_TYPES.get(c, 'text[]')})" for c in ORGANISATION_COLUMNS
    )
    + ") ON CONFLICT (organisation_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in ORGANISATION_COLUMNS[1:])
    + ", updated_at = now() WHERE organisations.version < EXCLUDED.version "
    "RETURNING organisation_id"
)


async def upsert_organisations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Apply the snapshots newer than what the replica holds; returns their ids."""
    if not rows:
        return []
    columns = {c: [row[c] for row in rows] for c in ORGANISATION_COLUMNS}
    return list((await session.execute(_UPSERT_ORGANISATIONS, columns)).scalars())
