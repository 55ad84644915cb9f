"""The SQL of fill records, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cylinder_trace.fills.tables import FILL_MONTHS_SCHEMA
from tzsb_common.pg import Connection

_CYLINDERS = (
    "SELECT cylinder_code, medium, status, next_inspection_on, manufactured_on, "
    "design_life_years, life_extension_years, owner_id, permitted_fill_kg FROM cylinders "
    "WHERE cylinder_code = ANY($1::text[])"
)
_LICENCES = (
    "SELECT scope, valid_from, valid_to, status, status_changed_on FROM filling_licences "
    "WHERE organisation_id = $1"
)
_CERTIFICATES = (
    "SELECT number, item, employer_id, valid_from, valid_to FROM certificates "
    "WHERE number = ANY($1::text[])"
)
_MONTHS = (
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'fills'"
)
# One creator at a time, so two workers starting a month together do not both create it.
_MONTH_LOCK = "SELECT pg_advisory_xact_lock(hashtext('cylinder-trace:fill-months'))"

FILL_READ_COLUMNS = (
    "station_id, fill_id, cylinder_code, filler_certificate, medium, started_at, ended_at, "
    "prefill_appearance, prefill_residual_pressure, prefill_valve, prefill_inspection_mark, "
    "prefill_medium_marking, postfill_leak, postfill_mass_or_pressure, postfill_temperature, "
    "filled_mass_kg, final_pressure_mpa, status, reasons"
)
_ORDER = " ORDER BY started_at, station_id, fill_id LIMIT $"
_FILLS_OF_CYLINDER = (
    f"SELECT {FILL_READ_COLUMNS} FROM fills WHERE cylinder_code = $1 "  # noqa: S608
    "AND ($2::uuid IS NULL OR station_id = $2) "
    "AND ($3::timestamptz IS NULL OR (started_at, station_id, fill_id) > ($3, $4, $5))"
    + _ORDER
    + "6"
)
_FILLS = (
    f"SELECT {FILL_READ_COLUMNS} FROM fills "  # noqa: S608
    "WHERE ($1::uuid IS NULL OR station_id = $1) "
    "AND ($2::timestamptz IS NULL OR started_at >= $2) "
    "AND ($3::timestamptz IS NULL OR started_at < $3) "
    "AND ($4::text IS NULL OR medium = $4) "
    "AND ($5::timestamptz IS NULL OR (started_at, station_id, fill_id) > ($5, $6, $7))"
    + _ORDER
    + "8"
)
_HAS_FILLED = "SELECT EXISTS (SELECT FROM fills WHERE cylinder_code = $1 AND station_id = $2)"
_CYLINDER_ACCESS = "SELECT owner_id, registered_by FROM cylinders WHERE cylinder_code = $1"


async def cylinders(conn: Connection, codes: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    return {row["cylinder_code"]: row for row in await conn.fetch(_CYLINDERS, codes)}


async def licences(conn: Connection, station_id: uuid.UUID) -> list[Mapping[str, Any]]:
    rows: list[Mapping[str, Any]] = await conn.fetch(_LICENCES, station_id)
    return rows


async def certificates(conn: Connection, numbers: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    return {row["number"]: row for row in await conn.fetch(_CERTIFICATES, numbers)}


async def month_partitions(conn: Connection) -> set[str]:
    return {row[0] for row in await conn.fetch(_MONTHS)}


async def create_month_partition(
    conn: Connection, name: str, start: datetime, end: datetime
) -> None:
    """`name` is made by the service from the month (fills_YYYY_MM), never from input."""
    await conn.execute(_MONTH_LOCK)
    await conn.execute(
        f"CREATE TABLE IF NOT EXISTS {FILL_MONTHS_SCHEMA}.{name} PARTITION OF fills "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


async def fills_of_cylinder(
    conn: Connection,
    code: str,
    *,
    station_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    at, station, fill_id = after or (None, None, None)
    rows = await conn.fetch(_FILLS_OF_CYLINDER, code, station_id, at, station, fill_id, limit)
    return [dict(row) for row in rows]


async def fills(
    conn: Connection,
    *,
    station_id: uuid.UUID | None,
    start: datetime | None,
    end: datetime | None,
    medium: str | None,
    after: tuple[datetime, uuid.UUID, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    at, station, fill_id = after or (None, None, None)
    rows = await conn.fetch(_FILLS, station_id, start, end, medium, at, station, fill_id, limit)
    return [dict(row) for row in rows]


async def has_filled(conn: Connection, code: str, station_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(_HAS_FILLED, code, station_id))


async def cylinder_access(conn: Connection, code: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    row = await conn.fetchrow(_CYLINDER_ACCESS, code)
    return (row[0], row[1]) if row is not None else None
