"""The SQL of the equipment import: a chunk's look-ups in one statement each, and its rows,
keys and events through the bulk-write primitive (COPY, not a statement per row)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from registry.equipment.queries import to_columns
from registry.equipment.schemas import EquipmentRead
from registry.equipment.tables import equipment
from registry.equipment_import.tables import equipment_import_keys
from registry.organisations.schemas import OrganisationKind
from tzsb_common.bulk import BulkItem, BulkWriter, ItemResult
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection

KEY_SCOPE = "equipment"
"""One scope: a row's key is its code and its values, whoever imports it."""

_COLUMNS = tuple(column.name for column in equipment.columns)

writer = BulkWriter(keys=equipment_import_keys, target=equipment, columns=_COLUMNS)

_USE_UNITS_BY_CREDIT_CODE = (
    "SELECT credit_code, id FROM organisations WHERE kind = $1 AND credit_code = ANY($2::text[])"
)
_USE_UNITS_BY_NAME = "SELECT name, id FROM organisations WHERE kind = $1 AND name = ANY($2::text[])"
_ORGANISATION_KINDS = "SELECT id, kind FROM organisations WHERE id = ANY($1::uuid[])"
_REGISTERED_CODES = "SELECT equipment_code FROM equipment WHERE equipment_code = ANY($1::text[])"
_STORED_KEYS = (
    "SELECT client_key FROM equipment_import_keys "
    "WHERE scope = $1 AND client_key = ANY($2::text[]) AND status = 'imported'"
)


async def use_units_by_credit_code(
    conn: Connection, credit_codes: Sequence[str]
) -> dict[str, uuid.UUID]:
    if not credit_codes:
        return {}
    rows = await conn.fetch(
        _USE_UNITS_BY_CREDIT_CODE, OrganisationKind.use_unit.value, credit_codes
    )
    return {row["credit_code"]: row["id"] for row in rows}


async def use_units_by_name(conn: Connection, names: Sequence[str]) -> dict[str, list[uuid.UUID]]:
    if not names:
        return {}
    found: dict[str, list[uuid.UUID]] = {}
    for row in await conn.fetch(_USE_UNITS_BY_NAME, OrganisationKind.use_unit.value, names):
        found.setdefault(row["name"], []).append(row["id"])
    return found


async def organisation_kinds(
    conn: Connection, organisation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not organisation_ids:
        return {}
    rows = await conn.fetch(_ORGANISATION_KINDS, organisation_ids)
    return {row["id"]: row["kind"] for row in rows}


async def registered_codes(conn: Connection, codes: Sequence[str]) -> set[str]:
    if not codes:
        return set()
    return {row["equipment_code"] for row in await conn.fetch(_REGISTERED_CODES, codes)}


async def imported_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """The keys among `keys` that an earlier import stored: those rows were imported as
    they are now."""
    if not keys:
        return set()
    return {row["client_key"] for row in await conn.fetch(_STORED_KEYS, KEY_SCOPE, keys)}


def equipment_row(record: EquipmentRead) -> tuple[Any, ...]:
    """The record as a row of the equipment table, in the writer's column order. The import's
    connection (`connect_outside_pool`) takes jsonb as JSON text."""
    values = to_columns(record.model_dump(exclude={"registered"}))
    values["attributes"] = json.dumps(values["attributes"])
    return tuple(values[name] for name in _COLUMNS)


async def write_chunk(
    conn: Connection, items: Sequence[BulkItem], outbox: Outbox
) -> list[ItemResult]:
    """The chunk's keys, rows and events, in the transaction `conn` is in."""
    return await writer.write_on(conn, scope=KEY_SCOPE, items=items, outbox=outbox)


def is_code_taken_meanwhile(exc: BaseException) -> bool:
    """A code registered by another transaction after this chunk looked (a unique violation
    of the equipment table's key): the chunk is looked at again."""
    return isinstance(exc, asyncpg.UniqueViolationError)
