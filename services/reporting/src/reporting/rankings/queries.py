"""The SQL of the maintenance-company ranking and of bonus points, on raw asyncpg.

A company's figures are the indicators' per-elevator judgement (`JUDGED_ELEVATORS`) over the
elevators it holds a contract for that is valid on the period's last day; an elevator two
companies hold counts for both."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reporting.indicators.queries import (
    INDICATOR_COUNTS,
    JUDGED_ELEVATORS,
    REGION_COLUMNS,
    REPORT_SESSION,
)
from tzsb_common.pg import Connection

_HELD = (
    ", held AS (SELECT DISTINCT ce.maintenance_company_id, ce.equipment_code "
    "FROM contract_elevators ce JOIN judged j USING (equipment_code) "
    "WHERE ce.valid_from <= $2 AND ce.in_force_until >= $2) "
)
_COUNT_PER_COMPANY = (
    f"{JUDGED_ELEVATORS}{_HELD} SELECT held.maintenance_company_id, {INDICATOR_COUNTS} "  # noqa: S608
    "FROM judged JOIN held USING (equipment_code) GROUP BY held.maintenance_company_id"
)
_BONUS_TOTALS = (
    "SELECT maintenance_company_id, sum(points) AS points FROM bonuses "
    "WHERE awarded_on BETWEEN $1 AND $2 AND maintenance_company_id = ANY($3::uuid[]) "
    "GROUP BY maintenance_company_id"
)
_COMPANY_NAMES = (
    "SELECT organisation_id, name FROM organisations WHERE organisation_id = ANY($1::uuid[])"
)
_ORGANISATION_KIND = "SELECT kind FROM organisations WHERE organisation_id = $1"
BONUS_COLUMNS = (
    "bonus_id",
    "maintenance_company_id",
    "points",
    "reason",
    "awarded_on",
    "awarded_by_client",
    "awarded_by_organisation",
    "created_at",
)
_INSERT_BONUS = (
    "INSERT INTO bonuses (bonus_id, maintenance_company_id, points, reason, awarded_on, "  # noqa: S608
    "awarded_by_client, awarded_by_organisation) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    f"RETURNING seq, {', '.join(BONUS_COLUMNS)}"
)
_LIST_BONUSES = (
    f"SELECT seq, {', '.join(BONUS_COLUMNS)} FROM bonuses "  # noqa: S608
    "WHERE ($1::uuid IS NULL OR maintenance_company_id = $1) "
    "AND ($2::date IS NULL OR awarded_on >= $2) AND ($3::date IS NULL OR awarded_on <= $3) "
    "AND ($4::bigint IS NULL OR seq > $4) ORDER BY seq LIMIT $5"
)


async def count_per_company(
    conn: Connection,
    *,
    period_start: date,
    period_end: date,
    region: dict[str, str | None],
    default_interval_days: int,
    passing_conclusions: Sequence[str],
    whole_months: tuple[date | None, date | None],
    partial_ranges: Sequence[tuple[date, date]],
) -> list[dict[str, Any]]:
    ranges: list[date | None] = []
    for first, last in list(partial_ranges)[:2]:
        ranges += [first, last]
    ranges += [None] * (4 - len(ranges))
    async with conn.transaction(readonly=True):
        await conn.execute(REPORT_SESSION)
        rows = await conn.fetch(
            _COUNT_PER_COMPANY,
            period_start,
            period_end,
            *(region.get(level) for level in REGION_COLUMNS),
            default_interval_days,
            *whole_months,
            *ranges,
            list(passing_conclusions),
        )
    return [dict(row) for row in rows]


async def bonus_totals(
    conn: Connection, *, period_start: date, period_end: date, companies: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    rows = await conn.fetch(_BONUS_TOTALS, period_start, period_end, list(companies))
    return {row["maintenance_company_id"]: row["points"] for row in rows}


async def company_names(conn: Connection, companies: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await conn.fetch(_COMPANY_NAMES, list(companies))
    return {row["organisation_id"]: row["name"] for row in rows}


async def organisation_kind(conn: Connection, organisation_id: uuid.UUID) -> str | None:
    kind: str | None = await conn.fetchval(_ORGANISATION_KIND, organisation_id)
    return kind


async def insert_bonus(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    row = await conn.fetchrow(
        _INSERT_BONUS,
        values["bonus_id"],
        values["maintenance_company_id"],
        values["points"],
        values["reason"],
        values["awarded_on"],
        values["awarded_by_client"],
        values["awarded_by_organisation"],
    )
    assert row is not None
    return dict(row)


async def list_bonuses(
    conn: Connection,
    *,
    maintenance_company_id: uuid.UUID | None,
    awarded_from: date | None,
    awarded_to: date | None,
    after_seq: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _LIST_BONUSES, maintenance_company_id, awarded_from, awarded_to, after_seq, limit
    )
    return [dict(row) for row in rows]
