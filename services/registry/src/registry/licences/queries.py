"""The SQL of the licences feature, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.licences.tables import licence_status_changes, licences
from tzsb_common.pg import Connection

COLUMNS = tuple(column.name for column in licences.columns)
_COLUMN_LIST = ", ".join(COLUMNS)
_CHANGE_COLUMNS = ", ".join(
    column.name for column in licence_status_changes.columns if column.name != "id"
)

_ORGANISATION_KIND = "SELECT kind FROM organisations WHERE id = $1"
_INSERT = (
    "INSERT INTO licences (id, organisation_id, number, kind, scope, valid_from, valid_to) "  # noqa: S608
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    f"ON CONFLICT (number) DO NOTHING RETURNING {_COLUMN_LIST}"
)
_SELECT_ONE = f"SELECT {_COLUMN_LIST} FROM licences WHERE id = $1"  # noqa: S608
_SELECT_ONE_FOR_UPDATE = _SELECT_ONE + " FOR UPDATE"
_CHANGE_STATUS = (
    "UPDATE licences SET status = $2, status_reason = $3, status_changed_on = $4, "  # noqa: S608
    "version = version + 1, updated_at = now() "
    f"WHERE id = $1 RETURNING {_COLUMN_LIST}"
)
_RECORD_CHANGE = (
    "INSERT INTO licence_status_changes (licence_id, action, from_status, to_status, reason, "
    "effective_on, version, changed_by_client, changed_by_organisation) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
)
_SELECT_CHANGES = (
    f"SELECT {_CHANGE_COLUMNS} FROM licence_status_changes "  # noqa: S608
    "WHERE licence_id = $1 ORDER BY id"
)


async def organisation_kind(conn: Connection, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await conn.fetchval(_ORGANISATION_KIND, organisation_id)
    return kind


async def insert_licence(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """None when a licence with this number is already registered."""
    row = await conn.fetchrow(
        _INSERT,
        values["id"],
        values["organisation_id"],
        values["number"],
        values["kind"],
        values["scope"],
        values["valid_from"],
        values["valid_to"],
    )
    return dict(row) if row is not None else None


async def get_licence(
    conn: Connection, licence_id: uuid.UUID, *, for_update: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE_FOR_UPDATE if for_update else _SELECT_ONE, licence_id)
    return dict(row) if row is not None else None


async def change_status(
    conn: Connection,
    licence_id: uuid.UUID,
    *,
    status: str,
    reason: str,
    effective_on: date,
) -> dict[str, Any]:
    row = await conn.fetchrow(_CHANGE_STATUS, licence_id, status, reason, effective_on)
    assert row is not None, "the caller holds the row lock"
    return dict(row)


async def record_status_change(conn: Connection, values: dict[str, Any]) -> None:
    await conn.execute(
        _RECORD_CHANGE,
        values["licence_id"],
        values["action"],
        values["from_status"],
        values["to_status"],
        values["reason"],
        values["effective_on"],
        values["version"],
        values["changed_by_client"],
        values["changed_by_organisation"],
    )


async def status_changes(conn: Connection, licence_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_SELECT_CHANGES, licence_id)]


async def list_licences(
    conn: Connection,
    *,
    organisation_id: uuid.UUID | None,
    kind: str | None,
    valid_on: date | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    """`valid_on`: licences in force that day — its dates cover it and it is active now."""
    conditions: list[str] = []
    arguments: list[Any] = []

    def bind(value: Any) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    if organisation_id is not None:
        conditions.append(f"organisation_id = {bind(organisation_id)}")
    if kind is not None:
        conditions.append(f"kind = {bind(kind)}")
    if valid_on is not None:
        day = bind(valid_on)
        conditions.append(f"valid_from <= {day} AND valid_to >= {day} AND status = 'active'")
    if after_id is not None:
        conditions.append(f"id > {bind(after_id)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await conn.fetch(
        f"SELECT {_COLUMN_LIST} FROM licences {where} "  # noqa: S608
        f"ORDER BY id LIMIT {bind(limit)}",
        *arguments,
    )
    return [dict(row) for row in rows]
