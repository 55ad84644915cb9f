"""The SQL of supervision staff, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from registry.staff.schemas import GroupBy
from registry.staff.tables import supervision_staff
from tzsb_common.pg import Connection

COLUMNS = tuple(column.name for column in supervision_staff.columns)
_COLUMN_LIST = ", ".join(COLUMNS)
_WRITABLE = frozenset(COLUMNS) - {"id", "created_at"}
_EQUAL_FILTERS = frozenset({"province", "city", "district", "park", "active"})
_SELECT_ONE = f"SELECT {_COLUMN_LIST} FROM supervision_staff WHERE id = $1"  # noqa: S608
_SELECT_ONE_FOR_UPDATE = _SELECT_ONE + " FOR UPDATE"
_GROUP_COLUMNS = {
    GroupBy.city: ("province", "city"),
    GroupBy.district: ("province", "city", "district"),
    GroupBy.park: ("province", "city", "district", "park"),
    GroupBy.supervision_body: ("province", "city", "supervision_body"),
}
_COUNTS = (
    "count(*) AS staff, "
    "count(*) FILTER (WHERE certificate_level = 'A') AS certificate_level_a, "
    "count(*) FILTER (WHERE certificate_level = 'B') AS certificate_level_b, "
    "count(*) FILTER (WHERE active) AS active"
)


class CertificateTaken(Exception):
    """Another member of staff holds this certificate number."""


async def insert_staff(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    names = [name for name in values if name in _WRITABLE or name == "id"]
    placeholders = ", ".join(f"${n}" for n in range(1, len(names) + 1))
    try:
        row = await conn.fetchrow(
            f"INSERT INTO supervision_staff ({', '.join(names)}) "  # noqa: S608
            f"VALUES ({placeholders}) RETURNING {_COLUMN_LIST}",
            *(values[name] for name in names),
        )
    except asyncpg.UniqueViolationError:
        raise CertificateTaken from None
    assert row is not None
    return dict(row)


async def get_staff(
    conn: Connection, staff_id: uuid.UUID, *, for_update: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE_FOR_UPDATE if for_update else _SELECT_ONE, staff_id)
    return dict(row) if row is not None else None


async def update_staff(
    conn: Connection, staff_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    names = [name for name in values if name in _WRITABLE]
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, start=2))
    try:
        row = await conn.fetchrow(
            f"UPDATE supervision_staff SET {assignments} WHERE id = $1 "  # noqa: S608
            f"RETURNING {_COLUMN_LIST}",
            staff_id,
            *(values[name] for name in names),
        )
    except asyncpg.UniqueViolationError:
        raise CertificateTaken from None
    assert row is not None, "the caller holds the row lock"
    return dict(row)


async def list_staff(
    conn: Connection, *, equal_to: dict[str, Any], after_id: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    conditions: list[str] = []
    arguments: list[Any] = []
    for column, value in equal_to.items():
        if value is not None and column in _EQUAL_FILTERS:
            arguments.append(value)
            conditions.append(f"{column} = ${len(arguments)}")
    if after_id is not None:
        arguments.append(after_id)
        conditions.append(f"id > ${len(arguments)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    arguments.append(limit)
    rows = await conn.fetch(
        f"SELECT {_COLUMN_LIST} FROM supervision_staff {where} "  # noqa: S608
        f"ORDER BY id LIMIT ${len(arguments)}",
        *arguments,
    )
    return [dict(row) for row in rows]


async def count_staff(
    conn: Connection, *, group_by: GroupBy, province: str | None, city: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Counts per group, and the total over the same staff (GROUPING SETS: one scan)."""
    columns = _GROUP_COLUMNS[group_by]
    conditions: list[str] = []
    arguments: list[Any] = []
    for column, value in (("province", province), ("city", city)):
        if value is not None:
            arguments.append(value)
            conditions.append(f"{column} = ${len(arguments)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    listed = ", ".join(columns)
    rows = await conn.fetch(
        f"SELECT {listed}, GROUPING({listed}) AS grand, {_COUNTS} "  # noqa: S608
        f"FROM supervision_staff {where} GROUP BY GROUPING SETS (({listed}), ()) "
        f"ORDER BY grand, {listed} NULLS FIRST",
        *arguments,
    )
    groups = [dict(row) for row in rows if row["grand"] == 0]
    totals = [dict(row) for row in rows if row["grand"] != 0]
    empty = {"staff": 0, "certificate_level_a": 0, "certificate_level_b": 0, "active": 0}
    return groups, totals[0] if totals else empty
