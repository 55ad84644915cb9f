"""The SQL of the daily swipe statistics, on raw asyncpg."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from elevator_maintenance.swipe_statistics.rules import DayTally
from tzsb_common.pg import Connection

# One statement per batch. Rows arrive sorted by day (daily_tallies), so concurrent batches of
# one company lock the same rows in the same order. Reasons are merged key by key: the day's
# count of each reason the batch carries plus what the day held. The counts by reason travel
# and return as JSON text: the ingestion connections keep asyncpg's own jsonb codec, the
# request pool a decoding one, and text reads the same on both.
_ADD = """
    INSERT INTO swipe_daily_statistics AS s
        (company_id, day, accepted, rejected, rejected_by_reason, version)
    SELECT $1, d.day, d.accepted, d.rejected, d.by_reason::jsonb, 1
    FROM unnest($2::date[], $3::int4[], $4::int4[], $5::text[]) WITH ORDINALITY
        AS d(day, accepted, rejected, by_reason, n)
    ORDER BY d.n
    ON CONFLICT (company_id, day) DO UPDATE
    SET accepted = s.accepted + excluded.accepted,
        rejected = s.rejected + excluded.rejected,
        rejected_by_reason = s.rejected_by_reason || coalesce(
            (SELECT jsonb_object_agg(
                        e.key, e.value::int + coalesce((s.rejected_by_reason ->> e.key)::int, 0))
             FROM jsonb_each_text(excluded.rejected_by_reason) AS e),
            '{}'::jsonb),
        version = s.version + 1,
        updated_at = now()
    RETURNING s.company_id, s.day, s.accepted, s.rejected,
              s.rejected_by_reason::text AS rejected_by_reason, s.version
"""
# A page in (day, company) order.
_STATISTICS = """
    SELECT s.company_id, s.day, s.accepted, s.rejected,
           s.rejected_by_reason::text AS rejected_by_reason, s.version
    FROM swipe_daily_statistics s
    WHERE ($1::uuid IS NULL OR s.company_id = $1)
      AND ($2::date IS NULL OR s.day >= $2)
      AND ($3::date IS NULL OR s.day <= $3)
      AND ($4::date IS NULL OR (s.day, s.company_id) > ($4, $5))
    ORDER BY s.day, s.company_id
    LIMIT $6
"""


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    row["rejected_by_reason"] = json.loads(row["rejected_by_reason"])
    return row


async def add_swipes(
    conn: Connection, company_id: uuid.UUID, tallies: Sequence[DayTally]
) -> list[dict[str, Any]]:
    """Add a batch's tallies to the company's days; returns each day touched as it now stands."""
    rows = await conn.fetch(
        _ADD,
        company_id,
        [t.day for t in tallies],
        [t.accepted for t in tallies],
        [t.rejected for t in tallies],
        [json.dumps(t.rejected_by_reason) for t in tallies],
    )
    return sorted((_row(r) for r in rows), key=lambda r: r["day"])


async def statistics(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    first: date | None,
    last: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    day, company = after or (None, None)
    rows = await conn.fetch(_STATISTICS, company_id, first, last, day, company, limit)
    return [_row(row) for row in rows]
