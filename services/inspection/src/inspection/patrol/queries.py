"""The SQL of the online patrol, on raw asyncpg: one statement for the counts, one per page.

Every question is a condition on equipment in use joined to its due schedule; the counts answer
all of them in one pass over the in-use equipment, and a page walks equipment in code order
from the cursor. Filters are chosen from fixed fragments (not `$n IS NULL OR …`), so that each
combination gets a plan that uses its index.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from inspection.patrol.rules import ELEVATOR_CATEGORY, PatrolQuestion
from tzsb_common.pg import Connection

# $1 is always as_of. A contract is in force from valid_from to in_force_until, both included.
_NO_CONTRACT = (
    f"e.category = '{ELEVATOR_CATEGORY}' AND NOT EXISTS"  # noqa: S608 (a constant)
    " (SELECT 1 FROM contract_elevators c "
    "WHERE c.equipment_code = e.equipment_code AND c.valid_from <= $1 "
    "AND c.in_force_until >= $1)"
)
_CONDITIONS: dict[PatrolQuestion, str] = {
    PatrolQuestion.past_due: "d.due_on < $1",
    # Equipment commissioned after the day asked about was not in use on it.
    PatrolQuestion.never_inspected: (
        "d.last_inspection_id IS NULL AND (e.commissioned_on IS NULL OR e.commissioned_on <= $1)"
    ),
    PatrolQuestion.no_maintenance_contract: _NO_CONTRACT,
    PatrolQuestion.failed_inspection: (
        "d.last_conclusion = 'fail' AND NOT d.valid AND d.last_inspected_on <= $1"
    ),
}
_IN_USE = "e.status = 'in_use'"

# The fifth question has two disjoint halves: codes seen in use that the registry does not
# hold (no park; the unit is the one a sender named), and registry equipment in use without a
# registration number. Each is filtered and walked in code order on its own index.
_UNKNOWN_SIGHTED = (
    "SELECT DISTINCT s.equipment_code FROM unregistered_sightings s "
    "WHERE NOT EXISTS (SELECT 1 FROM equipment e WHERE e.equipment_code = s.equipment_code)"
)
_KNOWN_UNREGISTERED = (
    "SELECT e.equipment_code FROM equipment e "
    "WHERE e.status = 'in_use' AND e.registration_number IS NULL"
)


def _filters(park: str | None, use_unit_id: uuid.UUID | None, first: int) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    if park is not None:
        values.append(park)
        clauses.append(f"e.park = ${first + len(values) - 1}")
    if use_unit_id is not None:
        values.append(use_unit_id)
        clauses.append(f"e.use_unit_id = ${first + len(values) - 1}")
    return "".join(f" AND {c}" for c in clauses), values


def _unregistered_halves(
    park: str | None, use_unit_id: uuid.UUID | None, first: int
) -> tuple[list[str], list[Any]]:
    """The halves that can match the filters, with their filters ($first… onwards)."""
    where, values = _filters(park, use_unit_id, first)
    halves = [_KNOWN_UNREGISTERED + where]
    if park is None:
        unit = "" if use_unit_id is None else f" AND s.unit_id = ${first + len(values) - 1}"
        halves.insert(0, _UNKNOWN_SIGHTED + unit)
    return halves, values


async def count_questions(
    conn: Connection, *, as_of: date, park: str | None, use_unit_id: uuid.UUID | None
) -> dict[str, int]:
    where, values = _filters(park, use_unit_id, 2)
    # The due-schedule questions in one pass; the contract question on its own, as an anti-join
    # the planner makes a hash over the fleet or index probes within a unit (inside FILTER it
    # could only probe once per row).
    counted = ", ".join(
        f"count(*) FILTER (WHERE {condition}) AS {question.value}"
        for question, condition in _CONDITIONS.items()
        if question is not PatrolQuestion.no_maintenance_contract
    )
    statement = (
        f"SELECT {counted} FROM equipment e "  # noqa: S608 (fixed fragments)
        f"LEFT JOIN due_schedule d USING (equipment_code) WHERE {_IN_USE}{where}"
    )
    row = await conn.fetchrow(statement, as_of, *values)
    assert row is not None
    counts = {key: int(value) for key, value in row.items()}
    no_contract = PatrolQuestion.no_maintenance_contract
    counts[no_contract.value] = int(
        await conn.fetchval(
            f"SELECT count(*) FROM equipment e "  # noqa: S608 (fixed fragments)
            f"WHERE {_IN_USE} AND {_CONDITIONS[no_contract]}{where}",
            as_of,
            *values,
        )
    )
    halves, unregistered_values = _unregistered_halves(park, use_unit_id, 1)
    counts[PatrolQuestion.unregistered_in_use.value] = int(
        await conn.fetchval(
            "SELECT "  # noqa: S608 (fixed fragments)
            + " + ".join(f"(SELECT count(*) FROM ({h}) AS half)" for h in halves),  # noqa: S608
            *unregistered_values,
        )
    )
    return counts


_ITEM_COLUMNS = """
    e.equipment_code, true AS known_to_registry, e.category, e.variety, e.park, e.use_unit_id,
    e.registration_number, d.due_on, d.last_inspected_on, d.last_conclusion
"""


async def list_question(
    conn: Connection,
    *,
    question: PatrolQuestion,
    as_of: date,
    park: str | None,
    use_unit_id: uuid.UUID | None,
    after: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    if question is PatrolQuestion.unregistered_in_use:
        return await _list_unregistered(
            conn, park=park, use_unit_id=use_unit_id, after=after, limit=limit
        )
    where, values = _filters(park, use_unit_id, 4)
    statement = (
        f"SELECT {_ITEM_COLUMNS} FROM equipment e "  # noqa: S608 (fixed fragments)
        "LEFT JOIN due_schedule d USING (equipment_code) "
        f"WHERE {_IN_USE} AND {_CONDITIONS[question]}{where} "
        "AND e.equipment_code > $2 "
        "ORDER BY e.equipment_code LIMIT $3"
    )
    # '' sorts before every code: the first page needs no second form of the statement.
    rows = await conn.fetch(statement, as_of, after or "", limit, *values)
    return [dict(row) for row in rows]


async def _list_unregistered(
    conn: Connection,
    *,
    park: str | None,
    use_unit_id: uuid.UUID | None,
    after: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    halves, values = _unregistered_halves(park, use_unit_id, 3)
    # Each half contributes its own first page after the cursor; the merged page is the first
    # `limit` of them.
    pages = " UNION ALL ".join(
        f"(SELECT equipment_code FROM ({h}) AS half WHERE equipment_code > $1 "  # noqa: S608
        "ORDER BY equipment_code LIMIT $2)"
        for h in halves
    )
    statement = (
        "SELECT u.equipment_code, e.equipment_code IS NOT NULL AS known_to_registry, "  # noqa: S608
        "e.category, e.variety, e.park, COALESCE(e.use_unit_id, s.unit_id) AS use_unit_id, "
        "e.registration_number, d.due_on, d.last_inspected_on, d.last_conclusion, "
        "COALESCE(s.seen_in, '{}') AS seen_in, s.last_seen_at "
        f"FROM ({pages}) u "
        "LEFT JOIN equipment e ON e.equipment_code = u.equipment_code "
        "LEFT JOIN due_schedule d ON d.equipment_code = u.equipment_code "
        "LEFT JOIN LATERAL (SELECT array_agg(source ORDER BY source) AS seen_in, "
        "max(last_seen_at) AS last_seen_at, "
        "(array_agg(unit_id ORDER BY last_seen_at DESC) FILTER (WHERE unit_id IS NOT NULL))[1] "
        "AS unit_id FROM unregistered_sightings WHERE equipment_code = u.equipment_code) s "
        "ON true ORDER BY u.equipment_code LIMIT $2"
    )
    rows = await conn.fetch(statement, after or "", limit, *values)
    return [dict(row) for row in rows]


_RECORD_SIGHTINGS = """
    INSERT INTO unregistered_sightings AS s (equipment_code, source, unit_id, last_reference,
        times_seen, first_seen_at, last_seen_at)
    SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:sources AS text[]),
        CAST(:unit_ids AS uuid[]), CAST(:references AS text[]), CAST(:times AS int4[]),
        CAST(:first AS timestamptz[]), CAST(:last AS timestamptz[]))
    ON CONFLICT (equipment_code, source) DO UPDATE SET
        times_seen = s.times_seen + EXCLUDED.times_seen,
        first_seen_at = LEAST(s.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(s.last_seen_at, EXCLUDED.last_seen_at),
        last_reference = CASE WHEN EXCLUDED.last_seen_at >= s.last_seen_at
                              THEN EXCLUDED.last_reference ELSE s.last_reference END,
        unit_id = COALESCE(CASE WHEN EXCLUDED.last_seen_at >= s.last_seen_at
                                THEN EXCLUDED.unit_id END, s.unit_id, EXCLUDED.unit_id)
"""
_RECORD_SIGHTINGS_TEXT = text(_RECORD_SIGHTINGS)
_RECORD_SIGHTINGS_PG = (
    _RECORD_SIGHTINGS.replace(":codes", "$1")
    .replace(":sources", "$2")
    .replace(":unit_ids", "$3")
    .replace(":references", "$4")
    .replace(":times", "$5")
    .replace(":first", "$6")
    .replace(":last", "$7")
)
_SIGHTING_COLUMNS = (
    ("codes", "equipment_code"),
    ("sources", "source"),
    ("unit_ids", "unit_id"),
    ("references", "last_reference"),
    ("times", "times_seen"),
    ("first", "first_seen_at"),
    ("last", "last_seen_at"),
)


async def record_sightings(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """From a consumer's transaction (SQLAlchemy session)."""
    if rows:
        await session.execute(
            _RECORD_SIGHTINGS_TEXT,
            {name: [row[column] for row in rows] for name, column in _SIGHTING_COLUMNS},
        )


async def record_sightings_on(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """From a request's connection (asyncpg)."""
    if rows:
        await conn.execute(
            _RECORD_SIGHTINGS_PG,
            *[[row[column] for row in rows] for _, column in _SIGHTING_COLUMNS],
        )


# -- hazards opened from a question's list -------------------------------------------------------


async def question_members(
    conn: Connection,
    *,
    question: PatrolQuestion,
    as_of: date,
    park: str | None,
    use_unit_id: uuid.UUID | None,
    codes: Sequence[str] | None,
) -> list[dict[str, Any]]:
    """The equipment a question names on `as_of` (all of it, or those of `codes`), each with
    its use unit (known equipment) or the unit a sender named (a code the registry lacks)."""
    if question is PatrolQuestion.unregistered_in_use:
        rows = await _list_unregistered(
            conn, park=park, use_unit_id=use_unit_id, after=None, limit=_ALL_ROWS
        )
        wanted = None if codes is None else set(codes)
        return [
            {
                "equipment_code": row["equipment_code"],
                "use_unit_id": row["use_unit_id"] if row["known_to_registry"] else None,
                "unit_id": None if row["known_to_registry"] else row["use_unit_id"],
                "due_on": row["due_on"],
            }
            for row in rows
            if wanted is None or row["equipment_code"] in wanted
        ]
    where, values = _filters(park, use_unit_id, 2)
    if codes is not None:
        values.append(list(codes))
        where += f" AND e.equipment_code = ANY(${len(values) + 1}::text[])"
    statement = (
        "SELECT e.equipment_code, e.use_unit_id, NULL::uuid AS unit_id, d.due_on "  # noqa: S608
        "FROM equipment e LEFT JOIN due_schedule d USING (equipment_code) "
        f"WHERE {_IN_USE} AND {_CONDITIONS[question]}{where} ORDER BY e.equipment_code"
    )
    return [dict(row) for row in await conn.fetch(statement, as_of, *values)]


_ALL_ROWS = 10_000_000

# A question's hazard still open on the equipment; for past_due also the due workflow's own
# 超期未检 hazard, which is the same finding.
_OPEN_PATROL_HAZARDS = """
    SELECT DISTINCT ON (h.equipment_code) h.equipment_code, h.id
    FROM hazards h
    WHERE h.equipment_code = ANY($1::text[]) AND h.state <> 'closed'
      AND (h.patrol_question = $2 OR ($2 = 'past_due' AND h.source = 'due_workflow'))
    ORDER BY h.equipment_code, h.created_at, h.id
"""
# One open hazard per question and equipment: the partial unique index decides, in the
# statement, so two bureau users asking at once open one.
_OPEN_HAZARDS = """
    INSERT INTO hazards (equipment_code, use_unit_id, unit_id, source, severity, description,
                         deadline, opened_by, patrol_question)
    SELECT h.code, h.use_unit, h.unit, 'online_patrol', h.severity, h.description, $1, $2, $3
    FROM unnest($4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::text[])
         AS h(code, use_unit, unit, severity, description)
    ON CONFLICT (patrol_question, equipment_code)
        WHERE patrol_question IS NOT NULL AND state <> 'closed' DO NOTHING
    RETURNING id, equipment_code, use_unit_id, unit_id, source, severity, description,
              deadline, inspection_id, signal_id
"""


async def open_hazards_of(
    conn: Connection, question: PatrolQuestion, codes: Sequence[str]
) -> dict[str, Any]:
    """The hazard still open for each code, by code."""
    rows = await conn.fetch(_OPEN_PATROL_HAZARDS, list(codes), question.value)
    return {row["equipment_code"]: row["id"] for row in rows}


async def open_hazards(
    conn: Connection,
    *,
    question: PatrolQuestion,
    deadline: date | None,
    opened_by: str,
    rows: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The hazards newly opened (a code with one open already opens none)."""
    if not rows:
        return []
    opened = await conn.fetch(
        _OPEN_HAZARDS,
        deadline,
        opened_by,
        question.value,
        *(
            [row[column] for row in rows]
            for column in ("equipment_code", "use_unit_id", "unit_id", "severity", "description")
        ),
    )
    return [dict(row) for row in opened]
