"""The SQL of the quarterly contractor rating, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from tzsb_common.pg import Connection

RATING_COLUMNS = (
    "rating_id",
    "year",
    "quarter",
    "maintenance_company_id",
    "company_name",
    "elevators",
    "rates",
    "composite",
    "bonus_points",
    "rescue_breaches",
    "rescue_deduction",
    "score",
    "formula",
    "stars",
    "rank",
    "definition_versions",
    "published_by_client",
    "published_by_organisation",
)
APPEAL_COLUMNS = (
    "appeal_id",
    "rating_id",
    "reason",
    "lodged_by_client",
    "lodged_by_organisation",
    "lodged_at",
    "status",
    "decision_reason",
    "revised_score",
    "decided_by_client",
    "decided_by_organisation",
    "decided_at",
)
_SELECT_RATINGS = f"SELECT {', '.join(RATING_COLUMNS)}, published_at FROM contractor_ratings"  # noqa: S608
_QUARTER = (
    f"{_SELECT_RATINGS} WHERE year = $1 AND quarter = $2 "
    "ORDER BY rank, company_name, maintenance_company_id"
)
_ONE = f"{_SELECT_RATINGS} WHERE rating_id = $1"
_LOCK_QUARTER = "SELECT pg_advisory_xact_lock(hashtext('contractor_ratings'), $1 * 10 + $2)"
_PUBLISHED = "SELECT EXISTS (SELECT 1 FROM contractor_ratings WHERE year = $1 AND quarter = $2)"
_INSERT_RATING = (
    f"INSERT INTO contractor_ratings ({', '.join(RATING_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(RATING_COLUMNS) + 1))})"
)
# A breach: not on site by the arrival deadline — arrived late, or not arrived and the deadline
# passed before the quarter ended (or before now, for a quarter still running).
_RESCUE_BREACHES = """
SELECT maintenance_company_id, count(*)::int AS breaches
FROM rescue_incidents
WHERE maintenance_company_id IS NOT NULL
  AND (dispatched_at AT TIME ZONE $3)::date BETWEEN $1 AND $2
  AND arrival_due_at IS NOT NULL
  AND (arrived_at > arrival_due_at
       OR (arrived_at IS NULL
           AND arrival_due_at < least(now(), (($2 + 1)::timestamp AT TIME ZONE $3))))
GROUP BY maintenance_company_id
"""
_SELECT_APPEALS = f"SELECT {', '.join(APPEAL_COLUMNS)} FROM rating_appeals"  # noqa: S608
_APPEALS_OF = f"{_SELECT_APPEALS} WHERE rating_id = ANY($1::uuid[]) ORDER BY lodged_at, appeal_id"
_LOCK_RATING = (
    "SELECT maintenance_company_id FROM contractor_ratings WHERE rating_id = $1 FOR UPDATE"
)
_APPEAL_FOR_UPDATE = f"{_SELECT_APPEALS} WHERE appeal_id = $1 AND rating_id = $2 FOR UPDATE"
_INSERT_APPEAL = (
    "INSERT INTO rating_appeals (appeal_id, rating_id, reason, lodged_by_client, "  # noqa: S608
    "lodged_by_organisation, status) VALUES ($1, $2, $3, $4, $5, 'pending') "
    f"RETURNING {', '.join(APPEAL_COLUMNS)}"
)
_DECIDE_APPEAL = (
    "UPDATE rating_appeals SET status = $2, decision_reason = $3, revised_score = $4, "  # noqa: S608
    "decided_by_client = $5, decided_by_organisation = $6, decided_at = now() "
    f"WHERE appeal_id = $1 RETURNING {', '.join(APPEAL_COLUMNS)}"
)


async def lock_quarter(conn: Connection, year: int, quarter: int) -> None:
    """Two bureau clients publishing one quarter at once: the second sees the first's rows."""
    await conn.execute(_LOCK_QUARTER, year, quarter)


async def quarter_published(conn: Connection, year: int, quarter: int) -> bool:
    return bool(await conn.fetchval(_PUBLISHED, year, quarter))


async def insert_ratings(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.executemany(_INSERT_RATING, [[row[c] for c in RATING_COLUMNS] for row in rows])


async def ratings_of_quarter(conn: Connection, year: int, quarter: int) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_QUARTER, year, quarter)]


async def get_rating(conn: Connection, rating_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ONE, rating_id)
    return None if row is None else dict(row)


async def appeals_of(conn: Connection, rating_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_APPEALS_OF, list(rating_ids))]


async def lock_rating(conn: Connection, rating_id: uuid.UUID) -> uuid.UUID | None:
    """The rated company, the rating locked so its appeals are lodged one at a time."""
    company: uuid.UUID | None = await conn.fetchval(_LOCK_RATING, rating_id)
    return company


async def insert_appeal(conn: Connection, values: Sequence[Any]) -> dict[str, Any]:
    row = await conn.fetchrow(_INSERT_APPEAL, *values)
    assert row is not None
    return dict(row)


async def appeal_for_update(
    conn: Connection, appeal_id: uuid.UUID, rating_id: uuid.UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow(_APPEAL_FOR_UPDATE, appeal_id, rating_id)
    return None if row is None else dict(row)


async def decide_appeal(conn: Connection, values: Sequence[Any]) -> dict[str, Any]:
    row = await conn.fetchrow(_DECIDE_APPEAL, *values)
    assert row is not None
    return dict(row)


async def rescue_breaches(
    conn: Connection, first: date, last: date, zone: str
) -> dict[uuid.UUID, int]:
    """Per company, the 96333 rescues dispatched in the period (business days in `zone`) that
    it did not reach by their arrival deadline."""
    rows = await conn.fetch(_RESCUE_BREACHES, first, last, zone)
    return {row["maintenance_company_id"]: row["breaches"] for row in rows}
