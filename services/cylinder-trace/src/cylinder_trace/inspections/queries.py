"""The SQL of cylinder inspections, on raw asyncpg."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tzsb_common.pg import Connection

INSPECTION_COLUMNS = (
    "inspection_id",
    "agency_id",
    "report_number",
    "cylinder_code",
    "inspected_on",
    "result",
    "next_inspection_on",
    "life_extended",
    "service_life_ends_on",
    "scrap_reason",
    "remarks",
)
# The row lock keeps two inspections of one cylinder (and their events) in one order.
_CYLINDER = (
    "SELECT c.medium, c.status, c.manufactured_on, c.design_life_years, "
    "c.life_extension_years, c.last_inspected_on, m.inspection_interval_years "
    "FROM cylinders c JOIN media m ON m.code = c.medium "
    "WHERE c.cylinder_code = $1 FOR UPDATE OF c"
)
_READ = (
    f"SELECT i.{', i.'.join(INSPECTION_COLUMNS)}, i.recorded_at, "  # noqa: S608 (constants)
    "CASE WHEN i.scrap_reason IS NULL THEN 'in_use' ELSE 'scrapped' END AS cylinder_status "
    "FROM cylinder_inspections i "
)
_STORED = _READ + "WHERE i.agency_id = $1 AND i.report_number = $2"
# The inspection and what it does to the cylinder, in one statement; nothing when the report
# was recorded meanwhile by a concurrent retry.
_RECORD = (
    "WITH inspection AS ("  # noqa: S608 (constant names)
    f"INSERT INTO cylinder_inspections ({', '.join(INSPECTION_COLUMNS)}) "
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(INSPECTION_COLUMNS) + 1))}) "
    "ON CONFLICT (agency_id, report_number) DO NOTHING RETURNING recorded_at), "
    "cylinder AS ("
    "UPDATE cylinders SET last_inspected_on = $5, "
    "next_inspection_on = coalesce($7, next_inspection_on), "
    f"life_extension_years = ${len(INSPECTION_COLUMNS) + 1}, "
    "status = CASE WHEN $10::text IS NULL THEN status ELSE 'scrapped' END, "
    "scrapped_on = CASE WHEN $10::text IS NULL THEN scrapped_on ELSE $5 END, "
    "scrap_reason = coalesce($10, scrap_reason) "
    "WHERE cylinder_code = $4 AND EXISTS (SELECT FROM inspection)) "
    "SELECT recorded_at FROM inspection"
)
_OF_CYLINDER = _READ + "WHERE i.cylinder_code = $1 ORDER BY i.inspected_on, i.recorded_at"


async def cylinder_for_inspection(conn: Connection, code: str) -> dict[str, Any] | None:
    """The cylinder and its medium's interval, locked until the transaction ends."""
    row = await conn.fetchrow(_CYLINDER, code)
    return dict(row) if row is not None else None


async def stored_inspection(
    conn: Connection, agency_id: uuid.UUID, report_number: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_STORED, agency_id, report_number)
    return dict(row) if row is not None else None


async def record_inspection(
    conn: Connection, row: dict[str, Any], *, life_extension_years: int
) -> datetime | None:
    """When it was recorded; None when the agency's report was recorded already (a
    concurrent retry)."""
    values = [row[column] for column in INSPECTION_COLUMNS]
    recorded_at: datetime | None = await conn.fetchval(_RECORD, *values, life_extension_years)
    return recorded_at


async def inspections_of_cylinder(conn: Connection, code: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_OF_CYLINDER, code)]
