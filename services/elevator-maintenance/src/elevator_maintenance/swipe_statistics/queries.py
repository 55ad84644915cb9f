"""The SQL of the daily swipe statistics, on raw asyncpg."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from elevator_maintenance.swipe_statistics.rules import DayTally
from tzsb_common.pg import Connection

# A batch's tallies, one row per day it touched: an insert, which waits for no other batch.
_ADD_PENDING = """
    INSERT INTO swipe_statistics_pending (company_id, day, accepted, rejected, rejected_by_reason)
    SELECT $1, d.day, d.accepted, d.rejected, d.by_reason::jsonb
    FROM unnest($2::date[], $3::int4[], $4::int4[], $5::text[])
        AS d(day, accepted, rejected, by_reason)
"""
# Up to $1 pending tallies, oldest first, taken out of the table. SKIP LOCKED: two replicas'
# folds take different rows. The counts by reason travel as JSON text: the ingestion
# connections keep asyncpg's own jsonb codec, the request pool a decoding one, and text reads
# the same on both.
_TAKE_PENDING = """
    DELETE FROM swipe_statistics_pending
    WHERE id IN (SELECT id FROM swipe_statistics_pending ORDER BY id LIMIT $1
                 FOR UPDATE SKIP LOCKED)
    RETURNING company_id, day, accepted, rejected, rejected_by_reason::text AS rejected_by_reason
"""
# The summed tallies into their days, in the order given (rules.merged_tallies: by company and
# day, so two folds lock days in one order), each day returned as it now stands.
_FOLD = """
    INSERT INTO swipe_daily_statistics AS s
        (company_id, day, accepted, rejected, rejected_by_reason, version)
    SELECT d.company_id, d.day, d.accepted, d.rejected, d.by_reason::jsonb, 1
    FROM unnest($1::uuid[], $2::date[], $3::int4[], $4::int4[], $5::text[]) WITH ORDINALITY
        AS d(company_id, day, accepted, rejected, by_reason, n)
    ORDER BY d.n
    ON CONFLICT (company_id, day) DO UPDATE
    SET accepted = s.accepted + excluded.accepted,
        rejected = s.rejected + excluded.rejected,
        rejected_by_reason = swipe_counts_merged(s.rejected_by_reason, excluded.rejected_by_reason),
        version = s.version + 1,
        updated_at = now()
    RETURNING s.company_id, s.day, s.accepted, s.rejected,
              s.rejected_by_reason::text AS rejected_by_reason, s.version
"""
# A page in (day, company) order: the folded days and the tallies still pending, summed. A day
# has one folded row, so the page's days are among the first $6 folded rows in that order (an
# index scan that stops there); the pending tallies are few (what a fold has not taken yet)
# and are all added.
_FILTER = """
    ($1::uuid IS NULL OR company_id = $1)
    AND ($2::date IS NULL OR day >= $2)
    AND ($3::date IS NULL OR day <= $3)
    AND ($4::date IS NULL OR (day, company_id) > ($4, $5))
"""
_STATISTICS = f"""
    SELECT company_id, day, sum(accepted)::int AS accepted, sum(rejected)::int AS rejected,
           swipe_counts_sum(rejected_by_reason)::text AS rejected_by_reason
    FROM (
        (SELECT company_id, day, accepted, rejected, rejected_by_reason
         FROM swipe_daily_statistics WHERE {_FILTER}
         ORDER BY day, company_id
         LIMIT $6)
        UNION ALL
        SELECT company_id, day, accepted, rejected, rejected_by_reason
        FROM swipe_statistics_pending WHERE {_FILTER}
    ) AS s
    GROUP BY day, company_id
    ORDER BY day, company_id
    LIMIT $6
"""  # noqa: S608 (constants)


def _row(record: Any) -> dict[str, Any]:
    row = dict(record)
    row["rejected_by_reason"] = json.loads(row["rejected_by_reason"])
    return row


async def add_pending(conn: Connection, company_id: uuid.UUID, tallies: Sequence[DayTally]) -> None:
    """What a batch adds to the company's days, for the fold to add (in the caller's
    transaction)."""
    await conn.execute(
        _ADD_PENDING,
        company_id,
        [t.day for t in tallies],
        [t.accepted for t in tallies],
        [t.rejected for t in tallies],
        [json.dumps(t.rejected_by_reason) for t in tallies],
    )


async def take_pending(conn: Connection, limit: int) -> list[tuple[uuid.UUID, DayTally]]:
    """Up to `limit` pending tallies, deleted (in the caller's transaction), oldest first."""
    rows = await conn.fetch(_TAKE_PENDING, limit)
    return [
        (
            row["company_id"],
            DayTally(
                row["day"], row["accepted"], row["rejected"], json.loads(row["rejected_by_reason"])
            ),
        )
        for row in rows
    ]


async def fold(
    conn: Connection, tallies: Sequence[tuple[uuid.UUID, DayTally]]
) -> list[dict[str, Any]]:
    """Add summed tallies to their days, in the order given; each day touched as it now stands,
    in (company, day) order."""
    rows = await conn.fetch(
        _FOLD,
        [company_id for company_id, _ in tallies],
        [t.day for _, t in tallies],
        [t.accepted for _, t in tallies],
        [t.rejected for _, t in tallies],
        [json.dumps(t.rejected_by_reason) for _, t in tallies],
    )
    return sorted((_row(r) for r in rows), key=lambda r: (r["company_id"], r["day"]))


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
