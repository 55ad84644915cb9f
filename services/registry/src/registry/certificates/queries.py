"""The SQL of the personnel-certificates feature, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.certificates.tables import personnel_certificates
from tzsb_common.pg import Connection

COLUMNS = tuple(column.name for column in personnel_certificates.columns)
_COLUMN_LIST = ", ".join(COLUMNS)
_UPDATABLE = frozenset({"holder_name", "employer_id", "valid_from", "valid_to"})

_ORGANISATION_KIND = "SELECT kind FROM organisations WHERE id = $1"
_INSERT = (
    "INSERT INTO personnel_certificates "  # noqa: S608
    "(number, holder_name, id_number, item, employer_id, valid_from, valid_to) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    f"ON CONFLICT (number) DO NOTHING RETURNING {_COLUMN_LIST}"
)
_SELECT_ONE = f"SELECT {_COLUMN_LIST} FROM personnel_certificates WHERE number = $1"  # noqa: S608
_SELECT_ONE_FOR_UPDATE = _SELECT_ONE + " FOR UPDATE"


async def organisation_kind(conn: Connection, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await conn.fetchval(_ORGANISATION_KIND, organisation_id)
    return kind


async def insert_certificate(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """None when a certificate with this number is already registered."""
    row = await conn.fetchrow(
        _INSERT,
        values["number"],
        values["holder_name"],
        values["id_number"],
        values["item"],
        values["employer_id"],
        values["valid_from"],
        values["valid_to"],
    )
    return dict(row) if row is not None else None


async def get_certificate(
    conn: Connection, number: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE_FOR_UPDATE if for_update else _SELECT_ONE, number)
    return dict(row) if row is not None else None


async def update_certificate(
    conn: Connection, number: str, values: dict[str, Any]
) -> dict[str, Any]:
    names = [name for name in values if name in _UPDATABLE]
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, start=2))
    row = await conn.fetchrow(
        f"UPDATE personnel_certificates SET {assignments}, version = version + 1, "  # noqa: S608
        f"updated_at = now() WHERE number = $1 RETURNING {_COLUMN_LIST}",
        number,
        *(values[name] for name in names),
    )
    assert row is not None, "the caller holds the row lock"
    return dict(row)


async def list_certificates(
    conn: Connection,
    *,
    employer_id: uuid.UUID | None,
    item: str | None,
    valid_on: date | None,
    after_number: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    conditions: list[str] = []
    arguments: list[Any] = []

    def bind(value: Any) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    if employer_id is not None:
        conditions.append(f"employer_id = {bind(employer_id)}")
    if item is not None:
        conditions.append(f"item = {bind(item)}")
    if valid_on is not None:
        day = bind(valid_on)
        conditions.append(f"valid_from <= {day} AND valid_to >= {day}")
    if after_number is not None:
        conditions.append(f"number > {bind(after_number)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await conn.fetch(
        f"SELECT {_COLUMN_LIST} FROM personnel_certificates {where} "  # noqa: S608
        f"ORDER BY number LIMIT {bind(limit)}",
        *arguments,
    )
    return [dict(row) for row in rows]
