"""The SQL of supervision orders (监察指令书), on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from tzsb_common.pg import Connection

# In id order: two orders naming the same hazards lock them in the same order (no deadlock).
_LOCK_HAZARDS = """
    SELECT h.id, h.state, h.severity, h.equipment_code, h.use_unit_id, h.unit_id,
           h.supervised_at, h.sealed_on, h.seal_ends_on, h.seal_extended, h.seal_released_on,
           (SELECT count(*) FROM hazard_evidence v WHERE v.hazard_id = h.id)::int
               AS evidence_count
    FROM hazards h WHERE h.id = ANY($1::uuid[]) ORDER BY h.id FOR UPDATE
"""
# The counter row is locked until the issuing transaction ends: concurrent issues of one bureau
# queue here, and a rollback gives the number back.
_NEXT_NUMBER = """
    INSERT INTO order_number_counters (bureau_id, year, last_number) VALUES ($1, $2, 1)
    ON CONFLICT (bureau_id, year)
    DO UPDATE SET last_number = order_number_counters.last_number + 1
    RETURNING last_number
"""
_INSERT_ORDER = """
    INSERT INTO supervision_orders (kind, status, bureau_id, number_year, number_seq, number,
                                    unit_id, use_unit_id, deadline, requirements, issued_on,
                                    issued_at, issued_by)
    VALUES ('rectify_hazards', 'issued', $1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10)
    RETURNING id
"""
_COVER = """
    INSERT INTO supervision_order_hazards (order_id, hazard_id)
    SELECT $1, unnest($2::uuid[])
"""
# The order's deadline becomes each hazard's: the hazard deadline clock then runs the order's.
_ISSUE_ON_HAZARDS = """
    UPDATE hazards SET state = 'order_issued', order_id = $1, deadline = $2,
                       version = version + 1, updated_at = now()
    WHERE id = ANY($3::uuid[])
    RETURNING id, equipment_code, use_unit_id, unit_id
"""
# The addressee (受令单位) is the unit an order names, or the use unit of a drafted one; its
# name and credit code come from the organisation replica, when the registry has sent them.
_ORDER_COLUMNS = """
    o.id, o.number, o.number_year, o.number_seq, o.kind, o.status, o.bureau_id, o.unit_id,
    o.use_unit_id, o.equipment_code, o.due_on, o.deadline, o.requirements, o.issued_on,
    o.issued_at, o.created_at, org.name AS addressee_name, org.credit_code AS addressee_credit_code
"""
_ORDER_FROM = """
    FROM supervision_orders o
    LEFT JOIN organisations org ON org.organisation_id = COALESCE(o.unit_id, o.use_unit_id)
"""
_ORDER = f"SELECT {_ORDER_COLUMNS} {_ORDER_FROM} WHERE o.id = $1"
_LIST_FILTERS = {
    "unit": "(o.unit_id = ${n} OR o.use_unit_id = ${n})",
    "status": "o.status = ${n}",
    "kind": "o.kind = ${n}",
    "equipment_code": "o.equipment_code = ${n}",
}
# An order's year is the year of its number, or of its drafting in the business time zone.
_YEAR = "COALESCE(o.number_year, extract(year FROM o.created_at AT TIME ZONE ${z})::int) = ${n}"
_ORDER_HAZARDS = """
    SELECT h.id, h.equipment_code, e.registration_number, h.severity, h.description
    FROM supervision_order_hazards oh
    JOIN hazards h ON h.id = oh.hazard_id
    LEFT JOIN equipment e ON e.equipment_code = h.equipment_code
    WHERE oh.order_id = $1
    ORDER BY h.equipment_code NULLS LAST, h.created_at, h.id
"""
_HAZARDS_OF_ORDERS = """
    SELECT oh.order_id, h.id, h.equipment_code, e.registration_number, h.severity, h.description
    FROM supervision_order_hazards oh
    JOIN hazards h ON h.id = oh.hazard_id
    LEFT JOIN equipment e ON e.equipment_code = h.equipment_code
    WHERE oh.order_id = ANY($1::uuid[])
    ORDER BY h.equipment_code NULLS LAST, h.created_at, h.id
"""


async def lock_hazards(conn: Connection, hazard_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_LOCK_HAZARDS, list(hazard_ids))]


async def next_number(conn: Connection, bureau_id: uuid.UUID, year: int) -> int:
    number: int = await conn.fetchval(_NEXT_NUMBER, bureau_id, year)
    return number


async def insert_order(conn: Connection, values: dict[str, Any]) -> uuid.UUID:
    order_id: uuid.UUID = await conn.fetchval(
        _INSERT_ORDER,
        values["bureau_id"],
        values["number_year"],
        values["number_seq"],
        values["number"],
        values["unit_id"],
        values["use_unit_id"],
        values["deadline"],
        values["requirements"],
        values["issued_on"],
        values["issued_by"],
    )
    return order_id


async def cover_hazards(
    conn: Connection, order_id: uuid.UUID, hazard_ids: Sequence[uuid.UUID], deadline: date
) -> list[dict[str, Any]]:
    """Record what the order covers and move its hazards to order_issued; returns them."""
    await conn.execute(_COVER, order_id, list(hazard_ids))
    rows = await conn.fetch(_ISSUE_ON_HAZARDS, order_id, deadline, list(hazard_ids))
    return [dict(row) for row in rows]


async def get_order(conn: Connection, order_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ORDER, order_id)
    return dict(row) if row is not None else None


async def list_orders(
    conn: Connection,
    *,
    zone: str,
    filters: dict[str, Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Newest first (the hazards of each are read separately, for the page only)."""
    clauses: list[str] = []
    arguments: list[Any] = []
    for name, value in filters.items():
        if value is None:
            continue
        arguments.append(value)
        if name == "year":
            arguments.append(zone)
            clauses.append(_YEAR.format(n=len(arguments) - 1, z=len(arguments)))
        else:
            clauses.append(_LIST_FILTERS[name].format(n=len(arguments)))
    if after is not None:
        arguments.extend(after)
        clauses.append(f"(o.created_at, o.id) < (${len(arguments) - 1}, ${len(arguments)})")
    arguments.append(limit)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    statement = (
        f"SELECT {_ORDER_COLUMNS} {_ORDER_FROM} {where} "
        f"ORDER BY o.created_at DESC, o.id DESC LIMIT ${len(arguments)}"
    )
    return [dict(row) for row in await conn.fetch(statement, *arguments)]


async def hazards_of_orders(
    conn: Connection, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    rows = await conn.fetch(_HAZARDS_OF_ORDERS, list(order_ids))
    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        values = dict(row)
        found.setdefault(values.pop("order_id"), []).append(values)
    return found


async def hazards_of(conn: Connection, order_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_ORDER_HAZARDS, order_id)]
