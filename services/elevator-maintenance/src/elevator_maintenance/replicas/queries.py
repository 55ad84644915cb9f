"""SQL of the replicas: a few statements per chunk of events, newer versions only.

A snapshot is applied only over an older one: events of one record may arrive out of order (a
republished snapshot, a retried outbox batch), and the registry's version orders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def _upsert(
    table: str,
    key: str,
    columns: Sequence[str],
    types: dict[str, str],
    expressions: dict[str, str] | None = None,
) -> Any:
    selected = [(expressions or {}).get(c, f"u.{c}") for c in columns]
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant names)
        f"SELECT {', '.join(selected)} FROM unnest("
        + ", ".join(f"CAST(:{c} AS {types.get(c, 'text[]')})" for c in columns)
        + f") AS u({', '.join(columns)}) ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
        + f", updated_at = now() WHERE {table}.version < EXCLUDED.version "
        f"RETURNING {key}"
    )


ELEVATOR_COLUMNS = (
    "equipment_code",
    "status",
    "lat",
    "lon",
    "use_unit_id",
    "province",
    "city",
    "district",
    "rescue_code",
    "version",
)
_UPSERT_ELEVATORS = _upsert(
    "elevators",
    "equipment_code",
    ELEVATOR_COLUMNS,
    {"lat": "float8[]", "lon": "float8[]", "use_unit_id": "uuid[]", "version": "int4[]"},
)

CONTRACT_COLUMNS = (
    "contract_id",
    "maintenance_company_id",
    "valid_from",
    "valid_to",
    "in_force_until",
    "status",
    "terminated_on",
    "maintenance_interval_days",
    "equipment_codes",
    "version",
)
_UPSERT_CONTRACTS = _upsert(
    "contracts",
    "contract_id",
    CONTRACT_COLUMNS,
    {
        "contract_id": "uuid[]",
        "maintenance_company_id": "uuid[]",
        "valid_from": "date[]",
        "valid_to": "date[]",
        "in_force_until": "date[]",
        "terminated_on": "date[]",
        "maintenance_interval_days": "int4[]",
        "version": "int4[]",
    },
    # unnest would flatten an array of arrays, so each contract's codes travel as JSON text.
    {"equipment_codes": "ARRAY(SELECT jsonb_array_elements_text(u.equipment_codes::jsonb))"},
)
_DELETE_CONTRACT_ELEVATORS = text(
    "DELETE FROM contract_elevators WHERE contract_id = ANY(CAST(:ids AS uuid[]))"
)
_INSERT_CONTRACT_ELEVATORS = text(
    "INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id, "
    "valid_from, in_force_until, maintenance_interval_days) "
    "SELECT DISTINCT code, c.contract_id, c.maintenance_company_id, c.valid_from, "
    "c.in_force_until, c.maintenance_interval_days "
    "FROM contracts c, unnest(c.equipment_codes) AS code "
    "WHERE c.contract_id = ANY(CAST(:ids AS uuid[]))"
)

CERTIFICATE_COLUMNS = ("number", "item", "employer_id", "valid_from", "valid_to", "version")
_UPSERT_CERTIFICATES = _upsert(
    "certificates",
    "number",
    CERTIFICATE_COLUMNS,
    {"employer_id": "uuid[]", "valid_from": "date[]", "valid_to": "date[]", "version": "int4[]"},
)


def _arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in columns}


async def upsert_elevators(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    """In code order: the swipe path locks elevator rows in that order (visits/queries.py), so
    the two never wait on each other crosswise."""
    if not rows:
        return []
    ordered = sorted(rows, key=lambda row: row["equipment_code"])
    result = await session.execute(_UPSERT_ELEVATORS, _arrays(ordered, ELEVATOR_COLUMNS))
    return list(result.scalars())


async def upsert_contracts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Apply the newer contracts and rewrite the elevator rows of each applied one."""
    if not rows:
        return []
    result = await session.execute(_UPSERT_CONTRACTS, _arrays(rows, CONTRACT_COLUMNS))
    applied = list(result.scalars())
    if applied:
        await session.execute(_DELETE_CONTRACT_ELEVATORS, {"ids": applied})
        await session.execute(_INSERT_CONTRACT_ELEVATORS, {"ids": applied})
    return applied


async def upsert_certificates(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_CERTIFICATES, _arrays(rows, CERTIFICATE_COLUMNS))
    return list(result.scalars())
