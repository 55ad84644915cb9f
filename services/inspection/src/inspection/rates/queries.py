"""The SQL of the reporting rates: one grouped pass over equipment in use, and the period's
inspections and hazards counted."""

from __future__ import annotations

from datetime import date
from typing import Any

from tzsb_common.pg import Connection

# Inspected (DOMAIN.md, 检验率): a valid inspection whose next due date is on or after the
# period's last day. The status is the replica's now: equipment scrapped since is not counted.
_INSPECTION_RATES = """
    SELECT e.category, e.park, GROUPING(e.category) AS all_categories,
           GROUPING(e.park) AS all_parks, count(*)::int AS equipment_in_use,
           (count(*) FILTER (WHERE d.valid AND d.due_on >= $1))::int AS inspected
    FROM equipment e LEFT JOIN due_schedule d USING (equipment_code)
    WHERE e.status = 'in_use'
    GROUP BY GROUPING SETS ((e.category), (e.park), ())
    ORDER BY e.category NULLS FIRST, e.park NULLS FIRST
"""
# 整改率: closed, and rectified before the day after its deadline began in the bureau's time zone
# (the verification may come later: the unit is judged by when it rectified).
_CLOSED_WITHIN_DEADLINE = (
    "state = 'closed' AND rectified_at < ((deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')"
)
_PERIOD_COUNTS = f"""
    SELECT
        (SELECT count(DISTINCT equipment_code) FROM inspections
         WHERE inspected_on BETWEEN $1 AND $2)::int AS equipment_checked,
        (SELECT count(*) FROM hazards h JOIN inspections i ON i.id = h.inspection_id
         WHERE i.inspected_on BETWEEN $1 AND $2)::int AS hazards_found,
        (SELECT count(*) FROM hazards WHERE deadline BETWEEN $1 AND $2)::int AS hazards_due,
        (SELECT count(*) FROM hazards
         WHERE deadline BETWEEN $1 AND $2 AND {_CLOSED_WITHIN_DEADLINE})::int
            AS closed_within_deadline
"""  # noqa: S608 (a constant)


async def inspection_rates(conn: Connection, *, period_end: date) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_INSPECTION_RATES, period_end)]


async def period_counts(
    conn: Connection, *, period_start: date, period_end: date
) -> dict[str, int]:
    row = await conn.fetchrow(_PERIOD_COUNTS, period_start, period_end)
    assert row is not None
    return dict(row)
