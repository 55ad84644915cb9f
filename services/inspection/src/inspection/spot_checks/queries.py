"""The SQL of spot checks and their inspectors, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

_INSPECTOR_COLUMNS = "id, name, certificate_number, park, active, version, created_at"
_INSERT_INSPECTOR = (
    "INSERT INTO spot_check_inspectors (name, certificate_number, park) "  # noqa: S608
    f"VALUES ($1, $2, $3) ON CONFLICT (certificate_number) DO NOTHING "
    f"RETURNING {_INSPECTOR_COLUMNS}"
)
_GET_INSPECTOR = f"SELECT {_INSPECTOR_COLUMNS} FROM spot_check_inspectors WHERE id = $1"  # noqa: S608
_LIST_INSPECTORS = (
    f"SELECT {_INSPECTOR_COLUMNS} FROM spot_check_inspectors "  # noqa: S608
    "WHERE id > $1 {filters} ORDER BY id LIMIT $2"
)
_UPDATE_INSPECTOR = (
    "UPDATE spot_check_inspectors SET name = $2, park = $3, active = $4, "  # noqa: S608
    f"version = version + 1 WHERE id = $1 RETURNING {_INSPECTOR_COLUMNS}"
)
_ACTIVE_INSPECTORS = "SELECT id FROM spot_check_inspectors WHERE active ORDER BY id"
_UNITS_IN_PARK = "SELECT DISTINCT use_unit_id FROM equipment WHERE status = 'in_use' AND park = $1"
_NIL = uuid.UUID(int=0)


async def insert_inspector(
    conn: Connection, *, name: str, certificate_number: str, park: str | None
) -> dict[str, Any] | None:
    """None when the certificate number is already listed."""
    row = await conn.fetchrow(_INSERT_INSPECTOR, name, certificate_number, park)
    return dict(row) if row is not None else None


async def get_inspector(
    conn: Connection, inspector_id: uuid.UUID, *, for_update: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_GET_INSPECTOR + (" FOR UPDATE" if for_update else ""), inspector_id)
    return dict(row) if row is not None else None


async def list_inspectors(
    conn: Connection,
    *,
    active: bool | None,
    park: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[dict[str, Any]]:
    filters = ""
    values: list[Any] = []
    if active is not None:
        values.append(active)
        filters += f" AND active = ${2 + len(values)}"
    if park is not None:
        values.append(park)
        filters += f" AND park = ${2 + len(values)}"
    rows = await conn.fetch(_LIST_INSPECTORS.format(filters=filters), after or _NIL, limit, *values)
    return [dict(row) for row in rows]


async def update_inspector(
    conn: Connection, inspector_id: uuid.UUID, *, name: str, park: str | None, active: bool
) -> dict[str, Any]:
    row = await conn.fetchrow(_UPDATE_INSPECTOR, inspector_id, name, park, active)
    assert row is not None
    return dict(row)


async def active_inspector_ids(conn: Connection) -> list[uuid.UUID]:
    return [row["id"] for row in await conn.fetch(_ACTIVE_INSPECTORS)]


async def units_in_park(conn: Connection, park: str) -> set[uuid.UUID]:
    return {row["use_unit_id"] for row in await conn.fetch(_UNITS_IN_PARK, park)}


_INSERT_DRAW = """
    INSERT INTO spot_check_draws (id, seed, as_of, park, unit_count, inspector_count,
                                  candidates, inspector_pool, drawn_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    RETURNING drawn_at
"""
_INSERT_UNITS = """
    INSERT INTO spot_check_units (draw_id, position, use_unit_id, grade)
    SELECT $1, u.position, u.unit, u.grade
    FROM unnest($2::int4[], $3::uuid[], $4::text[]) AS u(position, unit, grade)
"""
_INSERT_INSPECTORS = """
    INSERT INTO spot_check_draw_inspectors (draw_id, position, inspector_id)
    SELECT $1, i.position, i.inspector FROM unnest($2::int4[], $3::uuid[]) AS i(position, inspector)
"""
_GET_DRAW = """
    SELECT id, seed, as_of, park, unit_count, inspector_count, candidates, inspector_pool,
           drawn_by, drawn_at
    FROM spot_check_draws WHERE id = $1
"""
_DRAWN_UNITS = """
    SELECT u.position, u.use_unit_id, u.grade, u.conclusion, u.checked_on, u.equipment_checked,
           u.hazards_found, u.findings, u.recorded_at,
           ARRAY(SELECT h.id FROM hazards h WHERE h.spot_check_draw_id = u.draw_id
                 AND h.spot_check_unit_id = u.use_unit_id ORDER BY h.spot_check_item)
           AS hazard_ids
    FROM spot_check_units u WHERE u.draw_id = $1 ORDER BY u.position
"""
_DRAWN_INSPECTORS = """
    SELECT d.position, d.inspector_id, i.name
    FROM spot_check_draw_inspectors d LEFT JOIN spot_check_inspectors i ON i.id = d.inspector_id
    WHERE d.draw_id = $1 ORDER BY d.position
"""
_LOCK_DRAWN_UNIT = """
    SELECT u.position, u.use_unit_id, u.grade, u.conclusion, u.checked_on, u.equipment_checked,
           u.hazards_found, u.findings, u.recorded_at,
           ARRAY(SELECT h.id FROM hazards h WHERE h.spot_check_draw_id = u.draw_id
                 AND h.spot_check_unit_id = u.use_unit_id ORDER BY h.spot_check_item)
           AS hazard_ids
    FROM spot_check_units u WHERE u.draw_id = $1 AND u.use_unit_id = $2 FOR UPDATE OF u
"""
_RECORD_RESULT = """
    UPDATE spot_check_units SET conclusion = $3, checked_on = $4, equipment_checked = $5,
        hazards_found = $6, findings = $7, recorded_by = $8, recorded_at = now()
    WHERE draw_id = $1 AND use_unit_id = $2
    RETURNING position, use_unit_id, grade, conclusion, checked_on, equipment_checked,
              hazards_found, findings, recorded_at
"""


async def insert_draw(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    row = await conn.fetchrow(
        _INSERT_DRAW,
        values["id"],
        values["seed"],
        values["as_of"],
        values["park"],
        values["unit_count"],
        values["inspector_count"],
        values["candidates"],
        values["inspector_pool"],
        values["drawn_by"],
    )
    assert row is not None
    return dict(row)


async def insert_drawn(
    conn: Connection,
    draw_id: uuid.UUID,
    *,
    units: Sequence[tuple[uuid.UUID, str]],
    inspector_ids: Sequence[uuid.UUID],
) -> None:
    await conn.execute(
        _INSERT_UNITS,
        draw_id,
        list(range(1, len(units) + 1)),
        [u for u, _ in units],
        [g for _, g in units],
    )
    await conn.execute(
        _INSERT_INSPECTORS, draw_id, list(range(1, len(inspector_ids) + 1)), list(inspector_ids)
    )


async def get_draw(conn: Connection, draw_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_GET_DRAW, draw_id)
    return dict(row) if row is not None else None


async def drawn_units(conn: Connection, draw_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_DRAWN_UNITS, draw_id)]


async def drawn_inspectors(conn: Connection, draw_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_DRAWN_INSPECTORS, draw_id)]


async def lock_drawn_unit(
    conn: Connection, draw_id: uuid.UUID, use_unit_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_LOCK_DRAWN_UNIT, draw_id, use_unit_id)
    return dict(row) if row is not None else None


async def record_result(
    conn: Connection,
    draw_id: uuid.UUID,
    use_unit_id: uuid.UUID,
    *,
    conclusion: str,
    checked_on: date,
    equipment_checked: int,
    hazards_found: int,
    findings: str,
    recorded_by: str,
) -> dict[str, Any]:
    row = await conn.fetchrow(
        _RECORD_RESULT,
        draw_id,
        use_unit_id,
        conclusion,
        checked_on,
        equipment_checked,
        hazards_found,
        findings,
        recorded_by,
    )
    assert row is not None
    return dict(row)


_EQUIPMENT_UNITS = (
    "SELECT equipment_code, use_unit_id FROM equipment WHERE equipment_code = ANY($1::text[])"
)
# Each hazard of a result once: a result recorded again (a retry) finds its items opened.
_OPEN_HAZARDS = """
    INSERT INTO hazards (equipment_code, use_unit_id, unit_id, source, severity, description,
                         deadline, opened_by, spot_check_draw_id, spot_check_unit_id,
                         spot_check_item)
    SELECT h.code, h.use_unit, h.unit, 'spot_check', h.severity, h.description, h.deadline,
           $1, $2, $3, h.item
    FROM unnest($4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::date[],
                $10::int2[]) AS h(code, use_unit, unit, severity, description, deadline, item)
    ON CONFLICT ON CONSTRAINT uq_hazards_spot_check_item DO NOTHING
    RETURNING id, equipment_code, use_unit_id, unit_id, source, severity, description,
              deadline, inspection_id, signal_id
"""


async def equipment_units(conn: Connection, codes: Sequence[str]) -> dict[str, uuid.UUID]:
    """The use unit of each code the replica knows."""
    rows = await conn.fetch(_EQUIPMENT_UNITS, list(codes))
    return {row["equipment_code"]: row["use_unit_id"] for row in rows}


async def open_hazards(
    conn: Connection,
    *,
    opened_by: str,
    draw_id: uuid.UUID,
    use_unit_id: uuid.UUID,
    rows: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The hazards newly opened, in item order."""
    if not rows:
        return []
    opened = await conn.fetch(
        _OPEN_HAZARDS,
        opened_by,
        draw_id,
        use_unit_id,
        *(
            [row[column] for row in rows]
            for column in (
                "equipment_code",
                "use_unit_id",
                "unit_id",
                "severity",
                "description",
                "deadline",
                "item",
            )
        ),
    )
    return [dict(row) for row in opened]
