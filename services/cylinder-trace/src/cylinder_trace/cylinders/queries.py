"""The SQL of cylinder records, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from cylinder_trace.cylinders.rules import Medium
from tzsb_common.pg import Connection

CYLINDER_COLUMNS = (
    "cylinder_code",
    "manufacturer",
    "factory_number",
    "medium",
    "nominal_pressure_mpa",
    "water_volume_l",
    "tare_mass_kg",
    "permitted_fill_kg",
    "manufactured_on",
    "design_life_years",
    "last_inspected_on",
    "next_inspection_on",
    "owner_id",
    "status",
    "registered_by",
)
_TYPES = (
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "float8[]",
    "float8[]",
    "float8[]",
    "float8[]",
    "date[]",
    "int2[]",
    "date[]",
    "date[]",
    "uuid[]",
    "text[]",
    "uuid[]",
)
_MEDIA = "SELECT code, liquefied, inspection_interval_years FROM media"
# One statement per batch; a code registered already (or earlier in the same batch) is skipped
# and answered from `_REGISTRANTS`.
_INSERT = (
    f"INSERT INTO cylinders ({', '.join(CYLINDER_COLUMNS)}) "  # noqa: S608 (constant names)
    "SELECT * FROM unnest("
    + ", ".join(f"${n}::{t}" for n, t in enumerate(_TYPES, start=1))
    + ") ON CONFLICT (cylinder_code) DO NOTHING RETURNING cylinder_code"
)
_REGISTRANTS = (
    "SELECT cylinder_code, registered_by FROM cylinders WHERE cylinder_code = ANY($1::text[])"
)
_CYLINDER = (
    f"SELECT {', '.join(CYLINDER_COLUMNS)}, registered_at, "  # noqa: S608
    "life_extension_years, scrapped_on, scrap_reason FROM cylinders WHERE cylinder_code = $1"
)
_TRACE_INSPECTIONS = (
    "SELECT inspection_id, agency_id, report_number, inspected_on, result, next_inspection_on, "
    "life_extended, service_life_ends_on, scrap_reason FROM cylinder_inspections "
    "WHERE cylinder_code = $1 ORDER BY inspected_on, recorded_at"
)
# The fills' cylinder index (cylinder_code, started_at) serves it in every month.
_TRACE_FILLS = (
    "SELECT station_id, fill_id, filler_certificate, medium, started_at, ended_at, "
    "filled_mass_kg, final_pressure_mpa, status, reasons FROM fills "
    "WHERE cylinder_code = $1 AND ($2::uuid IS NULL OR station_id = $2) "
    "ORDER BY started_at, station_id, fill_id"
)


async def media(conn: Connection) -> dict[str, Medium]:
    return {
        row["code"]: Medium(row["code"], row["liquefied"], row["inspection_interval_years"])
        for row in await conn.fetch(_MEDIA)
    }


async def insert_cylinders(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """The codes inserted; the others were registered already."""
    if not rows:
        return set()
    inserted = await conn.fetch(_INSERT, *([row[c] for row in rows] for c in CYLINDER_COLUMNS))
    return {row["cylinder_code"] for row in inserted}


async def registrants(conn: Connection, codes: Sequence[str]) -> dict[str, uuid.UUID]:
    if not codes:
        return {}
    return {row[0]: row[1] for row in await conn.fetch(_REGISTRANTS, list(codes))}


async def get_cylinder(conn: Connection, code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_CYLINDER, code)
    return dict(row) if row is not None else None


async def trace_inspections(conn: Connection, code: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_TRACE_INSPECTIONS, code)]


async def trace_fills(
    conn: Connection, code: str, *, station_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    """The cylinder's fills, refused ones too; only the station's own when one is given."""
    return [dict(row) for row in await conn.fetch(_TRACE_FILLS, code, station_id)]
