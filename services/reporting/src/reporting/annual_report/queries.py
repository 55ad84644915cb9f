"""The SQL of the annual report, on raw asyncpg: counts over the read models for a given day
or year, which rules.py turns into the published figures.

The equipment read model holds each record's latest state, so "on the register on day D" is
read from its dates: on it from its registration (or, lacking one, commissioning) day, off it
from the day it was scrapped or deregistered. Equipment with neither date is counted in every
year. Gas cylinders (品种 23xx) are counted apart, as the seed does (不含气瓶)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

_ON_REGISTER = (
    "coalesce(e.registered_on, e.commissioned_on, DATE '0001-01-01') <= d.as_of "
    "AND NOT (e.status IN ('scrapped', 'deregistered') "
    "AND coalesce(e.status_since, d.as_of) <= d.as_of)"
)
# In service on D: in use then, as the indicators judge it (in use now and since D or before),
# or out of use now only from a day after D.
_IN_SERVICE = (
    f"{_ON_REGISTER} AND ((e.status = 'in_use' "
    "AND (e.status_since IS NULL OR e.status_since <= d.as_of)) "
    "OR (e.status <> 'in_use' AND e.status_since > d.as_of))"
)
_CYLINDER = "e.variety LIKE '23%'"

_EQUIPMENT_COUNTS = (
    "SELECT d.as_of, e.category, e.park, "  # noqa: S608
    f"({_CYLINDER}) AS cylinder, count(*) AS on_register, "
    f"count(*) FILTER (WHERE {_IN_SERVICE}) AS in_service "
    f"FROM unnest($1::date[]) AS d(as_of) JOIN equipment e ON {_ON_REGISTER} "
    "GROUP BY d.as_of, e.category, e.park, cylinder"
)

# Each inspection decides from its day until the next one's (the later recorded wins a shared
# day, whose earlier span is empty): one pass over inspections and a join by equipment code,
# rather than a search for the latest inspection per piece of equipment and month.
_INSPECTION_COVERAGE = (
    "WITH spans AS (SELECT i.equipment_code, i.inspected_on AS from_on, "  # noqa: S608
    "lead(i.inspected_on) OVER (PARTITION BY i.equipment_code "
    "ORDER BY i.inspected_on, i.recorded_at) AS until_on, i.conclusion, i.next_due_on "
    "FROM inspections i WHERE i.inspected_on <= $2) "
    "SELECT d.as_of, e.category, e.park, count(*) AS in_service, "
    "count(s.equipment_code) AS covered "
    f"FROM unnest($1::date[]) AS d(as_of) JOIN equipment e ON {_IN_SERVICE} AND NOT {_CYLINDER} "
    "LEFT JOIN spans s ON s.equipment_code = e.equipment_code AND s.from_on <= d.as_of "
    "AND (s.until_on IS NULL OR s.until_on > d.as_of) "
    "AND s.conclusion IN ('pass', 'pass_after_reinspection') AND s.next_due_on >= d.as_of "
    "GROUP BY d.as_of, e.category, e.park"
)

# Self-tests (自行检测) are the use unit's own; the seed counts the agencies' inspections.
_INSPECTIONS_IN_YEAR = (
    "SELECT e.category, e.park, count(*) AS inspections, "
    "coalesce(sum(i.hazards_found), 0) AS hazards "
    "FROM inspections i JOIN equipment e USING (equipment_code) "
    "WHERE i.inspected_on BETWEEN $1 AND $2 AND i.kind <> 'self_test' "
    "GROUP BY e.category, e.park"
)

# A hazard counts in the year it was found (a business day) and, for the rectification rate,
# in the year its deadline — the order's if one was issued — fell (DOMAIN.md: closed within
# the deadline ÷ due in the period).
_HAZARDS_IN_YEAR = (
    "SELECT e.park, h.source, "
    "count(*) FILTER (WHERE (h.found_at AT TIME ZONE $3)::date BETWEEN $1 AND $2) AS found, "
    "count(*) FILTER (WHERE coalesce(h.order_deadline, h.deadline) BETWEEN $1 AND $2) AS due, "
    "count(*) FILTER (WHERE coalesce(h.order_deadline, h.deadline) BETWEEN $1 AND $2 "
    "AND h.rectified_within_deadline) AS rectified_in_time "
    "FROM hazards h LEFT JOIN equipment e USING (equipment_code) "
    "GROUP BY e.park, h.source"
)

_CERTIFICATES = (
    "SELECT item, count(*) FILTER (WHERE valid_from <= $2 AND valid_to >= $2) AS valid, "
    "count(*) FILTER (WHERE valid_from BETWEEN $1 AND $2) AS issued "
    "FROM certificates WHERE valid_from <= $2 GROUP BY item"
)

_LICENCES = (
    "SELECT kind, count(DISTINCT organisation_id) FILTER ("
    "WHERE status = 'active' AND valid_from <= $2 AND valid_to >= $2) AS units, "
    "count(*) FILTER (WHERE valid_from BETWEEN $1 AND $2) AS issued "
    "FROM licences WHERE valid_from <= $2 GROUP BY kind"
)

_DUE_STAGES = (
    "SELECT stage, count(*) AS stages, count(DISTINCT use_unit_id) AS use_units "
    "FROM due_stages WHERE as_of BETWEEN $1 AND $2 GROUP BY stage"
)

# Staff entered after the year's end (a business day) are left out; the rest are counted as
# the registry holds them now (the read model has no history).
_STAFF_BY_BODY = (
    "SELECT supervision_body, count(*) AS staff, "
    "count(*) FILTER (WHERE certificate_level = 'A') AS certificate_level_a, "
    "count(*) FILTER (WHERE certificate_level = 'B') AS certificate_level_b, "
    "count(*) FILTER (WHERE active) AS active, bool_and(park IS NULL) AS outside_parks "
    "FROM staff WHERE (entered_at AT TIME ZONE $2)::date <= $1 GROUP BY supervision_body"
)

_PLAN_COLUMNS = "year, plan_text, version, updated_at, updated_by_client, updated_by_organisation"
_GET_PLAN = f"SELECT {_PLAN_COLUMNS} FROM annual_report_plans WHERE year = $1"  # noqa: S608
_LOCK_PLAN = "SELECT version FROM annual_report_plans WHERE year = $1 FOR UPDATE"
_UPSERT_PLAN = (
    "INSERT INTO annual_report_plans (year, plan_text, version, updated_by_client, "  # noqa: S608
    "updated_by_organisation) VALUES ($1, $2, 1, $3, $4) "
    "ON CONFLICT (year) DO UPDATE SET plan_text = EXCLUDED.plan_text, "
    "version = annual_report_plans.version + 1, updated_at = now(), "
    "updated_by_client = EXCLUDED.updated_by_client, "
    "updated_by_organisation = EXCLUDED.updated_by_organisation "
    f"RETURNING {_PLAN_COLUMNS}"
)
_INSERT_REVISION = (
    "INSERT INTO annual_report_plan_revisions (year, version, plan_text, revised_by_client, "
    "revised_by_organisation) VALUES ($1, $2, $3, $4, $5)"
)


async def equipment_counts(conn: Connection, days: Sequence[date]) -> list[dict[str, Any]]:
    """Per day, category, park and cylinder-or-not: equipment on the register and in service."""
    rows = await conn.fetch(_EQUIPMENT_COUNTS, list(days))
    return [dict(row) for row in rows]


async def inspection_coverage(conn: Connection, days: Sequence[date]) -> list[dict[str, Any]]:
    """Per day, category and park: equipment in service (cylinders aside) and how many of them
    hold a passing inspection, their latest by that day, not yet due."""
    rows = await conn.fetch(_INSPECTION_COVERAGE, list(days), max(days))
    return [dict(row) for row in rows]


async def inspections_in_year(conn: Connection, first: date, last: date) -> list[dict[str, Any]]:
    """Per category and park: the agencies' inspections in the year and the hazards they found."""
    rows = await conn.fetch(_INSPECTIONS_IN_YEAR, first, last)
    return [dict(row) for row in rows]


async def hazards_in_year(
    conn: Connection, first: date, last: date, zone: str
) -> list[dict[str, Any]]:
    """Per park and source, from the hazard read model: hazards found in the year, those due
    in it, and those of them closed within their deadline."""
    rows = await conn.fetch(_HAZARDS_IN_YEAR, first, last, zone)
    return [dict(row) for row in rows if row["found"] or row["due"]]


_RESCUES_IN_YEAR = (
    "SELECT dispatched_at, acknowledged_at, arrived_at, released_at, people_freed "
    "FROM rescue_incidents "
    "WHERE (dispatched_at AT TIME ZONE $3)::date BETWEEN $1 AND $2"
)


async def rescues_in_year(
    conn: Connection, first: date, last: date, zone: str
) -> list[dict[str, Any]]:
    """The 96333 incidents dispatched in the year (business days in `zone`)."""
    rows = await conn.fetch(_RESCUES_IN_YEAR, first, last, zone)
    return [dict(row) for row in rows]


async def certificates_by_item(conn: Connection, first: date, last: date) -> list[dict[str, Any]]:
    rows = await conn.fetch(_CERTIFICATES, first, last)
    return [dict(row) for row in rows]


async def licences_by_kind(conn: Connection, first: date, last: date) -> list[dict[str, Any]]:
    rows = await conn.fetch(_LICENCES, first, last)
    return [dict(row) for row in rows]


async def due_stage_counts(conn: Connection, first: date, last: date) -> list[dict[str, Any]]:
    rows = await conn.fetch(_DUE_STAGES, first, last)
    return [dict(row) for row in rows]


async def staff_by_body(conn: Connection, last: date, zone: str) -> list[dict[str, Any]]:
    """Per supervision body (null: none named): staff entered by `last`, their A and B
    certificates, those on duty, and whether all of them sit outside any park."""
    rows = await conn.fetch(_STAFF_BY_BODY, last, zone)
    return [dict(row) for row in rows]


async def get_plan(conn: Connection, year: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(_GET_PLAN, year)
    return None if row is None else dict(row)


async def lock_plan_version(conn: Connection, year: int) -> int | None:
    """The plan's current version, its row locked until the transaction ends."""
    version: int | None = await conn.fetchval(_LOCK_PLAN, year)
    return version


async def save_plan(
    conn: Connection, *, year: int, plan_text: str, client_id: str, organisation_id: Any
) -> dict[str, Any]:
    """Write the plan and its revision (the audit trail) in the caller's transaction."""
    row = dict(await conn.fetchrow(_UPSERT_PLAN, year, plan_text, client_id, organisation_id))
    await conn.execute(
        _INSERT_REVISION, year, row["version"], plan_text, client_id, organisation_id
    )
    return row
