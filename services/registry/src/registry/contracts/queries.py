"""The SQL of the maintenance-contracts feature, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.contracts.tables import maintenance_contracts
from tzsb_common.pg import Connection

COLUMNS = tuple(column.name for column in maintenance_contracts.columns)
_COLUMN_LIST = ", ".join(f"c.{name}" for name in COLUMNS)
# A contract with its elevators, sorted, in one row.
_WITH_CODES = (
    f"SELECT {_COLUMN_LIST}, "  # noqa: S608
    "ARRAY(SELECT e.equipment_code FROM maintenance_contract_elevators e "
    "WHERE e.contract_id = c.id ORDER BY e.equipment_code) AS equipment_codes "
    "FROM maintenance_contracts c"
)

_ORGANISATION_KIND = "SELECT kind FROM organisations WHERE id = $1"
# Transaction-scoped advisory locks, one per elevator and taken in code order (so two writers
# never wait on each other crosswise): two contracts for one elevator are checked for overlap
# one after the other, never side by side. The key space is this feature's own.
_LOCK_ELEVATORS = (
    "SELECT pg_advisory_xact_lock(hashtextextended('tzsb.registry.contract:' || code, 0)) "
    "FROM (SELECT DISTINCT code FROM unnest($1::text[]) AS code ORDER BY code) AS codes"
)
_ELEVATORS = (
    "SELECT equipment_code, category, status FROM equipment WHERE equipment_code = ANY($1::text[])"
)
_HELD = (
    "SELECT e.equipment_code, c.id AS contract_id, c.valid_from, "
    "COALESCE(c.terminated_on, c.valid_to) AS in_force_until "
    "FROM maintenance_contract_elevators e JOIN maintenance_contracts c ON c.id = e.contract_id "
    "WHERE e.equipment_code = ANY($1::text[]) AND COALESCE(c.terminated_on, c.valid_to) >= $2 "
    "AND c.valid_from <= $3"
)
_INSERT = (
    "INSERT INTO maintenance_contracts "
    "(id, maintenance_company_id, valid_from, valid_to, maintenance_interval_days) "
    "VALUES ($1, $2, $3, $4, $5)"
)
_INSERT_ELEVATORS = (
    "INSERT INTO maintenance_contract_elevators (contract_id, equipment_code) "
    "SELECT $1, code FROM unnest($2::text[]) AS code"
)
_SELECT_ONE = _WITH_CODES + " WHERE c.id = $1"
_LOCK_ONE = "SELECT id FROM maintenance_contracts WHERE id = $1 FOR UPDATE"
_TERMINATE = (
    "UPDATE maintenance_contracts SET status = 'terminated', terminated_on = $2, "
    "termination_reason = $3, version = version + 1, updated_at = now() WHERE id = $1"
)


async def organisation_kind(conn: Connection, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await conn.fetchval(_ORGANISATION_KIND, organisation_id)
    return kind


async def lock_elevators(conn: Connection, equipment_codes: list[str]) -> None:
    await conn.execute(_LOCK_ELEVATORS, equipment_codes)


async def elevators(conn: Connection, equipment_codes: list[str]) -> dict[str, tuple[str, str]]:
    """Category and status of each of these codes that is registered."""
    rows = await conn.fetch(_ELEVATORS, equipment_codes)
    return {row["equipment_code"]: (row["category"], row["status"]) for row in rows}


async def held_elevators(
    conn: Connection, equipment_codes: list[str], *, first: date, last: date
) -> list[dict[str, Any]]:
    """Contracts in force on any day from `first` to `last` for any of these elevators."""
    return [dict(row) for row in await conn.fetch(_HELD, equipment_codes, first, last)]


async def insert_contract(conn: Connection, values: dict[str, Any]) -> None:
    await conn.execute(
        _INSERT,
        values["id"],
        values["maintenance_company_id"],
        values["valid_from"],
        values["valid_to"],
        values["maintenance_interval_days"],
    )
    await conn.execute(_INSERT_ELEVATORS, values["id"], values["equipment_codes"])


async def get_contract(conn: Connection, contract_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE, contract_id)
    return dict(row) if row is not None else None


async def lock_contract(conn: Connection, contract_id: uuid.UUID) -> bool:
    """Lock the contract's row until commit; False when there is no such contract."""
    return await conn.fetchval(_LOCK_ONE, contract_id) is not None


async def terminate(
    conn: Connection, contract_id: uuid.UUID, *, terminated_on: date, reason: str
) -> None:
    await conn.execute(_TERMINATE, contract_id, terminated_on, reason)


async def list_contracts(
    conn: Connection,
    *,
    maintenance_company_id: uuid.UUID | None,
    equipment_code: str | None,
    on: date | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    """`on`: contracts in force that day (from valid_from to the termination or valid_to)."""
    conditions: list[str] = []
    arguments: list[Any] = []

    def bind(value: Any) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    if maintenance_company_id is not None:
        conditions.append(f"c.maintenance_company_id = {bind(maintenance_company_id)}")
    if equipment_code is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM maintenance_contract_elevators e "  # noqa: S608
            "WHERE e.contract_id = c.id "
            f"AND e.equipment_code = {bind(equipment_code)})"
        )
    if on is not None:
        day = bind(on)
        conditions.append(
            f"c.valid_from <= {day} AND COALESCE(c.terminated_on, c.valid_to) >= {day}"
        )
    if after_id is not None:
        conditions.append(f"c.id > {bind(after_id)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await conn.fetch(
        f"{_WITH_CODES}{where} ORDER BY c.id LIMIT {bind(limit)}",
        *arguments,
    )
    return [dict(row) for row in rows]
