"""The SQL of the equipment feature, on raw asyncpg (tzsb_common.pg).

Statements are constants, so asyncpg prepares each once per connection and reuses it; the
dynamic parts (which columns a PATCH sets, which filters a list uses) are built only from the
table's own column names, never from input.
"""

from __future__ import annotations

import uuid
from typing import Any

from registry.equipment.tables import equipment, equipment_status_changes
from tzsb_common.pg import Connection

COLUMNS = tuple(column.name for column in equipment.columns)
_COLUMN_LIST = ", ".join(COLUMNS)
_FILTERABLE = frozenset(
    {"category", "variety", "park", "status", "use_unit_id", "legacy_registration_code"}
)
_WRITABLE = frozenset(COLUMNS) - {"created_at"}
_REGISTERED = {
    True: "registration_number IS NOT NULL",
    False: "registration_number IS NULL",
}

_STATUS_CHANGE_COLUMNS = tuple(
    column.name for column in equipment_status_changes.columns if column.name != "id"
)
# The database's clock stamps `changed_at`, so every row of a transaction agrees with it.
_STATUS_CHANGE_VALUES = tuple(name for name in _STATUS_CHANGE_COLUMNS if name != "changed_at")
_INSERT_STATUS_CHANGE = (
    f"INSERT INTO equipment_status_changes ({', '.join(_STATUS_CHANGE_VALUES)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(_STATUS_CHANGE_VALUES) + 1))})"
)
_SELECT_STATUS_CHANGES = (
    f"SELECT {', '.join(_STATUS_CHANGE_COLUMNS)} FROM equipment_status_changes "  # noqa: S608
    "WHERE equipment_code = $1 ORDER BY id"
)

_ORGANISATION_KIND = "SELECT kind FROM organisations WHERE id = $1"
_SELECT_ONE = f"SELECT {_COLUMN_LIST} FROM equipment WHERE equipment_code = $1"  # noqa: S608
_SELECT_ONE_FOR_UPDATE = _SELECT_ONE + " FOR UPDATE"
_OUTBOX_TYPES = ("uuid", "text", "text", "int2", "text")  # the order of Outbox.row_arrays
_NOTICE_USE_UNIT = "SELECT use_unit_id FROM installation_notices WHERE id = $1"
_EXISTS = "SELECT EXISTS (SELECT FROM equipment WHERE equipment_code = $1)"

INSURANCE_COLUMNS = {
    "insurer": "insurer",
    "policy_number": "insurance_policy_number",
    "valid_from": "insurance_valid_from",
    "valid_to": "insurance_valid_to",
}
"""Each field of the API's insurance object and the column that stores it."""


def to_columns(values: dict[str, Any]) -> dict[str, Any]:
    """The API's nested objects (region, insurance) as the table's flat columns."""
    region = values.pop("region", None)
    if region is not None:
        values.update(region)
    if "insurance" in values:
        insurance = values.pop("insurance") or {}
        values.update({column: insurance.get(f) for f, column in INSURANCE_COLUMNS.items()})
    return values


async def organisation_kind(conn: Connection, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await conn.fetchval(_ORGANISATION_KIND, organisation_id)
    return kind


async def insert_equipment_with_event(
    conn: Connection,
    values: dict[str, Any],
    *,
    use_unit_id: uuid.UUID,
    outbox_table: str,
    outbox_row: list[list[Any]],
) -> dict[str, Any] | None:
    """The record and its event in one statement (one implicit transaction). None, and nothing
    written, when the code is registered already or `use_unit_id` names no use unit."""
    names = [name for name in values if name in _WRITABLE]
    count = len(names)
    placeholders = ", ".join(f"${n}" for n in range(1, count + 1))
    event = ", ".join(
        f"${n}::{kind}[]"
        for n, kind in zip(range(count + 2, count + 7), _OUTBOX_TYPES, strict=True)
    )
    row = await conn.fetchrow(
        f"WITH new AS (INSERT INTO equipment ({', '.join(names)}) "  # noqa: S608
        f"SELECT {placeholders} WHERE EXISTS (SELECT FROM organisations "
        f"WHERE id = ${count + 1} AND kind = 'use_unit') "
        f"ON CONFLICT (equipment_code) DO NOTHING RETURNING {_COLUMN_LIST}), "
        f"event AS (INSERT INTO {outbox_table} (event_id, topic, key, bucket, event) "
        "SELECT i, t, k, b, e::jsonb FROM new, "
        f"unnest({event}) AS batch(i, t, k, b, e)) "
        "SELECT * FROM new",
        *(values[name] for name in names),
        use_unit_id,
        *outbox_row,
    )
    return dict(row) if row is not None else None


async def installation_notice_use_unit(conn: Connection, notice_id: uuid.UUID) -> uuid.UUID | None:
    """The use unit an installation notice was filed for; None when there is no such notice."""
    use_unit_id: uuid.UUID | None = await conn.fetchval(_NOTICE_USE_UNIT, notice_id)
    return use_unit_id


async def equipment_exists(conn: Connection, equipment_code: str) -> bool:
    found: bool = await conn.fetchval(_EXISTS, equipment_code)
    return found


async def get_equipment(
    conn: Connection, equipment_code: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SELECT_ONE_FOR_UPDATE if for_update else _SELECT_ONE, equipment_code)
    return dict(row) if row is not None else None


async def update_equipment(
    conn: Connection, equipment_code: str, values: dict[str, Any]
) -> dict[str, Any]:
    names = [name for name in values if name in _WRITABLE]
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, start=2))
    row = await conn.fetchrow(
        f"UPDATE equipment SET {assignments} WHERE equipment_code = $1 "  # noqa: S608
        f"RETURNING {_COLUMN_LIST}",
        equipment_code,
        *(values[name] for name in names),
    )
    assert row is not None, "the caller holds the row lock"
    return dict(row)


async def list_equipment(
    conn: Connection,
    *,
    filters: dict[str, Any],
    after_code: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    conditions: list[str] = []
    arguments: list[Any] = []
    registered = filters.get("registered")
    if registered is not None:
        conditions.append(_REGISTERED[bool(registered)])
    for column, value in filters.items():
        if value is not None and column in _FILTERABLE:
            arguments.append(value)
            conditions.append(f"{column} = ${len(arguments)}")
    if after_code is not None:
        arguments.append(after_code)
        conditions.append(f"equipment_code > ${len(arguments)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    arguments.append(limit)
    rows = await conn.fetch(
        f"SELECT {_COLUMN_LIST} FROM equipment {where} "  # noqa: S608
        f"ORDER BY equipment_code LIMIT ${len(arguments)}",
        *arguments,
    )
    return [dict(row) for row in rows]


async def insert_status_change(conn: Connection, values: dict[str, Any]) -> None:
    """One audit row; `values` holds every column but `id` and `changed_at`."""
    await conn.execute(_INSERT_STATUS_CHANGE, *(values[name] for name in _STATUS_CHANGE_VALUES))


async def list_status_changes(conn: Connection, equipment_code: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_SELECT_STATUS_CHANGES, equipment_code)]
