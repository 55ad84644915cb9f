"""The SQL of installation notices, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.installation_notices.tables import installation_notices
from tzsb_common.pg import Connection

_COLUMNS = tuple(column.name for column in installation_notices.columns)
_COLUMN_LIST = ", ".join(_COLUMNS)
_EQUAL_FILTERS = frozenset(
    {"province", "city", "district", "park", "installer_id", "use_unit_id", "category"}
)

_ORGANISATION_KINDS = "SELECT id, kind FROM organisations WHERE id = ANY($1::uuid[])"
_SELECT_ONE = f"SELECT {_COLUMN_LIST} FROM installation_notices WHERE id = $1"  # noqa: S608
_INSERTED = tuple(c for c in _COLUMNS if c not in ("version", "created_at", "updated_at"))
_INSERT = (
    f"INSERT INTO installation_notices ({', '.join(_INSERTED)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(_INSERTED) + 1))}) "
    f"RETURNING {_COLUMN_LIST}"
)


async def organisation_kinds(
    conn: Connection, organisation_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    rows = await conn.fetch(_ORGANISATION_KINDS, organisation_ids)
    return {row["id"]: row["kind"] for row in rows}


async def insert_notice(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    row = await conn.fetchrow(_INSERT, *(values[name] for name in _INSERTED))
    assert row is not None
    return dict(row)


async def get_notice(conn: Connection, notice_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE, notice_id)
    return dict(row) if row is not None else None


async def list_notices(
    conn: Connection,
    *,
    equal_to: dict[str, Any],
    planned_from: date | None,
    planned_to: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Ordered by planned start, then id: the keyset a cursor continues from."""
    conditions: list[str] = []
    arguments: list[Any] = []
    for column, value in equal_to.items():
        if value is not None and column in _EQUAL_FILTERS:
            arguments.append(value)
            conditions.append(f"{column} = ${len(arguments)}")
    if planned_from is not None:
        arguments.append(planned_from)
        conditions.append(f"planned_start_on >= ${len(arguments)}")
    if planned_to is not None:
        arguments.append(planned_to)
        conditions.append(f"planned_start_on <= ${len(arguments)}")
    if after is not None:
        arguments.extend(after)
        conditions.append(f"(planned_start_on, id) > (${len(arguments) - 1}, ${len(arguments)})")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    arguments.append(limit)
    rows = await conn.fetch(
        f"SELECT {_COLUMN_LIST} FROM installation_notices {where} "  # noqa: S608
        f"ORDER BY planned_start_on, id LIMIT ${len(arguments)}",
        *arguments,
    )
    return [dict(row) for row in rows]
