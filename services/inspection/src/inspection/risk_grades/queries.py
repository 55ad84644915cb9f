"""The SQL of risk grades: every unit's figures for a year, scored and graded in one statement.

The figures come from four set-based aggregates — equipment in use, hazards found, equipment
gone overdue (the due workflow's 超期未检 hazards), failed inspections — each grouped by unit
and added up; units are walked in id order for keyset pages.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from inspection.risk_grades.rules import GradeBands, RiskGrade, RiskWeights
from tzsb_common.pg import Connection

# $1/$2 the year's first and last day, $3/$4 the same as instants in the bureau's time zone,
# $5..$8 the weights, $9..$11 the bands; then the filters.
_GRADED = """
    WITH figures AS (
        SELECT use_unit_id AS unit_id, count(*) AS equipment_in_use, 0::bigint AS general,
               0::bigint AS major, 0::bigint AS overdue, 0::bigint AS failed
        FROM equipment WHERE status = 'in_use' {unit_equipment} GROUP BY use_unit_id
        UNION ALL
        SELECT use_unit_id, 0, count(*) FILTER (WHERE severity = 'general'),
               count(*) FILTER (WHERE severity = 'major'), 0, 0
        FROM hazards
        WHERE source <> 'due_workflow' AND created_at >= $3 AND created_at < $4
          AND use_unit_id IS NOT NULL {unit_hazards}
        GROUP BY use_unit_id
        UNION ALL
        SELECT use_unit_id, 0, 0, 0, count(DISTINCT equipment_code), 0
        FROM hazards
        WHERE source = 'due_workflow' AND due_on + 1 BETWEEN $1 AND $2
          AND use_unit_id IS NOT NULL {unit_hazards}
        GROUP BY use_unit_id
        UNION ALL
        SELECT e.use_unit_id, 0, 0, 0, 0, count(*)
        FROM inspections i JOIN equipment e USING (equipment_code)
        WHERE i.conclusion = 'fail' AND i.inspected_on BETWEEN $1 AND $2 {unit_inspections}
        GROUP BY e.use_unit_id
    ), units AS (
        SELECT unit_id, sum(equipment_in_use)::int AS equipment_in_use,
               sum(general)::int AS general_hazards, sum(major)::int AS major_hazards,
               sum(overdue)::int AS overdue_equipment, sum(failed)::int AS failed_inspections
        FROM figures GROUP BY unit_id
    ), scored AS (
        SELECT *, general_hazards * $5 + major_hazards * $6 + overdue_equipment * $7
                  + failed_inspections * $8 AS score
        FROM units
    ), graded AS (
        SELECT *, CASE WHEN score >= $11 THEN 'D' WHEN score >= $10 THEN 'C'
                       WHEN score >= $9 THEN 'B' ELSE 'A' END AS grade
        FROM scored
    )
    SELECT unit_id AS use_unit_id, equipment_in_use, general_hazards, major_hazards,
           overdue_equipment, failed_inspections, score, grade
    FROM graded WHERE true {outer}
    ORDER BY unit_id {limit}
"""


def _statement(*, unit: bool, grade: bool, after: bool, limit: bool, first: int) -> str:
    n = first
    unit_ref = grade_ref = after_ref = limit_ref = ""
    if unit:
        unit_ref, n = f"${n}", n + 1
    if grade:
        grade_ref, n = f"${n}", n + 1
    if after:
        after_ref, n = f"${n}", n + 1
    if limit:
        limit_ref = f"${n}"
    outer = (f" AND grade = {grade_ref}" if grade else "") + (
        f" AND unit_id > {after_ref}" if after else ""
    )
    return _GRADED.format(
        unit_equipment=f"AND use_unit_id = {unit_ref}" if unit else "",
        unit_hazards=f"AND use_unit_id = {unit_ref}" if unit else "",
        unit_inspections=f"AND e.use_unit_id = {unit_ref}" if unit else "",
        outer=outer,
        limit=f"LIMIT {limit_ref}" if limit else "",
    )


def _common(
    year: tuple[date, date], instants: tuple[datetime, datetime], w: RiskWeights, b: GradeBands
) -> list[Any]:
    return [
        year[0],
        year[1],
        instants[0],
        instants[1],
        w.general_hazard,
        w.major_hazard,
        w.overdue_equipment,
        w.failed_inspection,
        b.b_from,
        b.c_from,
        b.d_from,
    ]


async def graded_units(
    conn: Connection,
    *,
    year: tuple[date, date],
    instants: tuple[datetime, datetime],
    weights: RiskWeights,
    bands: GradeBands,
    use_unit_id: uuid.UUID | None = None,
    grade: RiskGrade | None = None,
    after: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Units in id order with their figures, score and grade; all of them without `limit`."""
    statement = _statement(
        unit=use_unit_id is not None,
        grade=grade is not None,
        after=after is not None,
        limit=limit is not None,
        first=12,
    )
    extra = [
        v for v in (use_unit_id, grade.value if grade else None, after, limit) if v is not None
    ]
    rows = await conn.fetch(statement, *_common(year, instants, weights, bands), *extra)
    return [dict(row) for row in rows]
