"""The SQL of the indicators, on raw asyncpg (tzsb_common.pg).

One statement counts, per region, the elevators in use and how many meet each indicator. The
maintenance indicators read the monthly roll-up (`elevator_visit_months`) for the whole months
of the period and raw visits only for the days of months the period covers in part, so a
report over whole months never scans visits. The grouping columns are chosen from a fixed set
of names, never from input.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

REGION_COLUMNS = ("province", "city", "district", "park")

REPORT_SESSION = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL enable_nestloop = off"
"""For the one statement of a report: its hash tables over every elevator of a region fit in
memory instead of spilling to disk; it is not compiled first (JIT cost more than it saved on
these plans here); and it joins by hashing whatever the statistics say. Right after a bulk
load (a rebuild, a first sync), before autovacuum has analysed the read models, the planner
takes a region for one elevator and nests loops that rescan per elevator: seconds on a few
thousand elevators, where hashing costs milliseconds."""

# Elevators are category 3000 (电梯).
# $1 period start, $2 period end, $3–$6 province, city, district, park (null: any), $7 the
# default interval in days, $8–$9 the first and last whole month (null: none), $10–$13 up to
# two partial day ranges (null: none), $14 the conclusions that pass (合格, 复检合格 …); $7 and
# $14 come from the definitions in effect.
JUDGED_ELEVATORS = """
WITH lifts AS (
    SELECT e.equipment_code, e.province, e.city, e.district, e.park,
           coalesce(e.record_complete, false) AS record_complete,
           e.registered AND (e.registered_on IS NULL OR e.registered_on <= $2) AS registered,
           coalesce(e.rescue_code, '') <> '' AS on_platform,
           e.rescue_sign_posted AS labelled,
           greatest($1::date, coalesce(e.commissioned_on, $1::date)) AS counted_from
    FROM equipment e
    WHERE e.category = '3000' AND e.status = 'in_use'
      AND (e.status_since IS NULL OR e.status_since <= $2)
      AND (e.commissioned_on IS NULL OR e.commissioned_on <= $2)
      AND ($3::text IS NULL OR e.province = $3) AND ($4::text IS NULL OR e.city = $4)
      AND ($5::text IS NULL OR e.district = $5) AND ($6::text IS NULL OR e.park = $6)
),
contracted AS (
    SELECT ce.equipment_code, min(coalesce(ce.maintenance_interval_days, $7)) AS interval_days
    FROM contract_elevators ce JOIN lifts l USING (equipment_code)
    WHERE ce.valid_from <= $2 AND ce.in_force_until >= $2
    GROUP BY ce.equipment_code
),
inspected AS (
    SELECT DISTINCT ON (i.equipment_code) i.equipment_code, i.conclusion, i.next_due_on
    FROM inspections i JOIN lifts l USING (equipment_code)
    WHERE i.inspected_on <= $2
    ORDER BY i.equipment_code, i.inspected_on DESC, i.recorded_at DESC
),
visit_months AS (
    SELECT m.equipment_code, m.visits, m.first_visit_on, m.last_visit_on, m.longest_gap_days,
           m.previous_visit_on
    FROM elevator_visit_months m
    WHERE m.month BETWEEN $8::date AND $9::date
    UNION ALL
    SELECT g.*, (
        SELECT max(v2.visit_on) FROM visits v2
        WHERE v2.equipment_code = g.equipment_code AND v2.visit_on < g.first_visit_on
    )
    FROM (
        SELECT p.equipment_code, count(*)::int AS visits, min(p.visit_on) AS first_visit_on,
               max(p.visit_on) AS last_visit_on, coalesce(max(p.gap), 0) AS longest_gap_days
        FROM (
            SELECT v.equipment_code, date_trunc('month', v.visit_on) AS month, v.visit_on,
                   v.visit_on - lag(v.visit_on) OVER (
                       PARTITION BY v.equipment_code, date_trunc('month', v.visit_on)
                       ORDER BY v.visit_on
                   ) AS gap
            FROM visits v JOIN lifts l USING (equipment_code)
            WHERE v.visit_on BETWEEN $10::date AND $11::date
               OR v.visit_on BETWEEN $12::date AND $13::date
        ) p
        GROUP BY p.equipment_code, p.month
    ) g
),
maintained AS (
    -- A gap from a visit before the elevator counts (the period's start or commissioning) is
    -- measured from that start instead, through first_on.
    SELECT vm.equipment_code, sum(vm.visits) AS visits, min(vm.first_visit_on) AS first_on,
           max(vm.last_visit_on) AS last_on,
           max(greatest(
               vm.longest_gap_days,
               CASE WHEN vm.previous_visit_on >= l.counted_from
                    THEN vm.first_visit_on - vm.previous_visit_on END
           )) AS longest_gap
    FROM visit_months vm JOIN lifts l USING (equipment_code)
    GROUP BY vm.equipment_code
),
judged AS (
    SELECT l.*,
           c.equipment_code IS NOT NULL AS contracted,
           coalesce(i.conclusion = ANY($14::text[]) AND i.next_due_on >= $2, false)
               AS inspected,
           coalesce(m.visits, 0) > 0 AS swiped,
           CASE WHEN m.visits IS NULL THEN $2 - l.counted_from <= coalesce(c.interval_days, $7)
                ELSE m.first_on - l.counted_from <= coalesce(c.interval_days, $7)
                     AND $2 - m.last_on <= coalesce(c.interval_days, $7)
                     AND m.longest_gap <= coalesce(c.interval_days, $7)
           END AS on_time
    FROM lifts l
    LEFT JOIN contracted c USING (equipment_code)
    LEFT JOIN inspected i USING (equipment_code)
    LEFT JOIN maintained m USING (equipment_code)
)
"""

INDICATOR_COUNTS = """
    count(*) AS elevators_in_use,
    count(*) FILTER (WHERE record_complete) AS record_completeness,
    count(*) FILTER (WHERE registered) AS registration,
    count(*) FILTER (WHERE inspected) AS inspection,
    count(*) FILTER (WHERE contracted) AS contract_validity,
    count(*) FILTER (WHERE swiped) AS swipe_maintenance,
    count(*) FILTER (WHERE on_time) AS on_time_maintenance,
    count(*) FILTER (WHERE on_platform) AS emergency_platform,
    count(*) FILTER (WHERE labelled) AS label
"""


def _statement(levels: Sequence[str]) -> str:
    if not levels:
        return f"{JUDGED_ELEVATORS} SELECT {INDICATOR_COUNTS} FROM judged"  # noqa: S608
    columns = ", ".join(levels)
    return f"{JUDGED_ELEVATORS} SELECT {columns}, {INDICATOR_COUNTS} FROM judged GROUP BY {columns}"  # noqa: S608


_STATEMENTS = {
    levels: _statement(levels)
    for levels in (
        (),
        REGION_COLUMNS[:2],
        REGION_COLUMNS[:3],
        REGION_COLUMNS,
    )
}


async def count_indicators(
    conn: Connection,
    *,
    period_start: date,
    period_end: date,
    region: dict[str, str | None],
    group_levels: tuple[str, ...],
    default_interval_days: int,
    passing_conclusions: Sequence[str],
    whole_months: tuple[date | None, date | None],
    partial_ranges: Sequence[tuple[date, date]],
    timeout_s: float | None = None,
) -> list[dict[str, Any]]:
    """Per region of `group_levels` (none: one row for the whole filtered region), the
    elevators in use and the number meeting each indicator. `timeout_s` lets a count over
    every elevator outlast the request path's statement time-out."""
    if group_levels not in _STATEMENTS:
        raise ValueError(f"cannot group by {group_levels}")
    ranges: list[date | None] = []
    for first, last in list(partial_ranges)[:2]:
        ranges += [first, last]
    ranges += [None] * (4 - len(ranges))
    async with conn.transaction(readonly=True):
        await conn.execute(REPORT_SESSION)
        if timeout_s is not None:
            await conn.execute(
                "SELECT set_config('statement_timeout', $1, true)", f"{int(timeout_s * 1000)}ms"
            )
        rows = await conn.fetch(
            _STATEMENTS[group_levels],
            period_start,
            period_end,
            *(region.get(level) for level in REGION_COLUMNS),
            default_interval_days,
            *whole_months,
            *ranges,
            list(passing_conclusions),
            timeout=None if timeout_s is None else timeout_s + 5,
        )
    return [dict(row) for row in rows]


_SNAPSHOT = (
    "SELECT park_counts FROM indicator_snapshots WHERE period_start = $1 AND period_end = $2 "
    "AND judgement = $3 AND computed_at > now() - make_interval(secs => $4)"
)
_PUT_SNAPSHOT = (
    "INSERT INTO indicator_snapshots (period_start, period_end, judgement, park_counts) "
    "VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (period_start, period_end, judgement) "
    "DO UPDATE SET park_counts = excluded.park_counts, computed_at = excluded.computed_at"
)


async def fresh_snapshot(
    conn: Connection, *, period_start: date, period_end: date, judgement: str, max_age_s: float
) -> list[dict[str, Any]] | None:
    """The stored counts per park of the period, if computed within `max_age_s`."""
    counts = await conn.fetchval(_SNAPSHOT, period_start, period_end, judgement, max_age_s)
    if counts is None:
        return None
    return list(counts)


_RECENT_SNAPSHOTS = (
    "SELECT period_start, period_end FROM indicator_snapshots "
    "WHERE period_end >= $1 AND computed_at <= now() - make_interval(secs => $2) "
    "GROUP BY period_start, period_end ORDER BY max(computed_at)"
)


async def snapshots_to_refresh(
    conn: Connection, *, ending_since: date, older_than_s: float
) -> list[tuple[date, date]]:
    rows = await conn.fetch(_RECENT_SNAPSHOTS, ending_since, older_than_s)
    return [(row["period_start"], row["period_end"]) for row in rows]


async def put_snapshot(
    conn: Connection,
    *,
    period_start: date,
    period_end: date,
    judgement: str,
    park_counts: Sequence[dict[str, Any]],
) -> None:
    await conn.execute(_PUT_SNAPSHOT, period_start, period_end, judgement, list(park_counts))


_DEFINITIONS = (
    "SELECT indicator, version, valid_from, name, formula, parameters "
    "FROM indicator_definitions ORDER BY indicator, valid_from"
)
PUBLICATION_COLUMNS = (
    "publication_id",
    "period_start",
    "period_end",
    "region",
    "group_by",
    "definition_versions",
    "figures",
    "published_by_client",
    "published_by_organisation",
    "published_at",
)
_INSERT_PUBLICATION = (
    "INSERT INTO indicator_publications (publication_id, period_start, period_end, region, "  # noqa: S608
    "group_by, definition_versions, figures, published_by_client, published_by_organisation) "
    "VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9) "
    f"RETURNING seq, {', '.join(PUBLICATION_COLUMNS)}"
)
_GET_PUBLICATION = (
    f"SELECT seq, {', '.join(PUBLICATION_COLUMNS)} FROM indicator_publications "  # noqa: S608
    "WHERE publication_id = $1"
)
_LIST_PUBLICATIONS = (
    f"SELECT seq, {', '.join(PUBLICATION_COLUMNS)} FROM indicator_publications "  # noqa: S608
    "WHERE ($1::bigint IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2"
)


async def indicator_definitions(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_DEFINITIONS)]


async def insert_publication(conn: Connection, values: Sequence[Any]) -> dict[str, Any]:
    row = await conn.fetchrow(_INSERT_PUBLICATION, *values)
    assert row is not None
    return dict(row)


async def get_publication(conn: Connection, publication_id: Any) -> dict[str, Any] | None:
    row = await conn.fetchrow(_GET_PUBLICATION, publication_id)
    return None if row is None else dict(row)


async def list_publications(
    conn: Connection, *, before_seq: int | None, limit: int
) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_LIST_PUBLICATIONS, before_seq, limit)]
