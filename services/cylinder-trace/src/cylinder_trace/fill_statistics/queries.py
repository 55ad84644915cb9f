"""The SQL of the daily fill statistics, on raw asyncpg."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from cylinder_trace.fill_statistics.rules import DailyTallies
from tzsb_common.pg import Connection

# One statement per batch. Rows arrive sorted (DailyTallies), so concurrent batches of one
# station lock the same rows in the same order. The counts by medium and reason are merged key
# by key (`fill_counts_merged`, migration 0007). The station-day's row stays locked until the
# batch commits, so every batch of a station and day waits here for the one before: nothing
# else is done between this statement and the commit. The maps travel as JSON text: the batch
# connections keep asyncpg's own jsonb codec, the request pool a decoding one, and text reads
# the same on both.
_ADD = """
    INSERT INTO fill_daily_statistics AS s (station_id, day, accepted, refused,
        accepted_by_medium, refused_by_medium, refused_by_reason)
    SELECT $1, d.day, d.accepted, d.refused, d.accepted_media::jsonb, d.refused_media::jsonb,
           d.reasons::jsonb
    FROM unnest($2::date[], $3::int4[], $4::int4[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS d(day, accepted, refused, accepted_media, refused_media, reasons, n)
    ORDER BY d.n
    ON CONFLICT (station_id, day) DO UPDATE
    SET accepted = s.accepted + excluded.accepted,
        refused = s.refused + excluded.refused,
        accepted_by_medium = fill_counts_merged(s.accepted_by_medium, excluded.accepted_by_medium),
        refused_by_medium = fill_counts_merged(s.refused_by_medium, excluded.refused_by_medium),
        refused_by_reason = fill_counts_merged(s.refused_by_reason, excluded.refused_by_reason),
        version = s.version + 1
"""
# Days whose version is ahead of what was published, marked published in the same statement.
# SKIP LOCKED: a day a batch is adding to right now is left for the next pass, which publishes
# it with that batch counted, instead of waiting for it. Everything published is on the row
# itself, so what is returned is the row version that was locked.
_CLAIM_UNPUBLISHED = """
    WITH due AS (
        SELECT station_id, day FROM fill_daily_statistics
        WHERE version > published_version
        ORDER BY station_id, day
        LIMIT $1
        FOR UPDATE SKIP LOCKED
    )
    UPDATE fill_daily_statistics AS s
    SET published_version = s.version
    FROM due
    WHERE s.station_id = due.station_id AND s.day = due.day
    RETURNING s.station_id, s.day, s.accepted, s.refused,
              s.accepted_by_medium::text AS accepted_by_medium,
              s.refused_by_medium::text AS refused_by_medium,
              s.refused_by_reason::text AS refused_by_reason, s.version
"""
# A page in (day, station) order; each station-day with its refusals by reason, in one trip.
_STATISTICS = """
    SELECT s.station_id, s.day, s.accepted, s.refused,
           s.accepted_by_medium::text AS accepted_by_medium,
           s.refused_by_medium::text AS refused_by_medium,
           s.refused_by_reason::text AS refused_by_reason
    FROM fill_daily_statistics s
    WHERE ($1::uuid IS NULL OR s.station_id = $1)
      AND ($2::date IS NULL OR s.day >= $2)
      AND ($3::date IS NULL OR s.day <= $3)
      AND ($4::date IS NULL OR (s.day, s.station_id) > ($4, $5))
    ORDER BY s.day, s.station_id
    LIMIT $6
"""


async def add_fills(conn: Connection, station_id: uuid.UUID, tallies: DailyTallies) -> None:
    await conn.execute(
        _ADD,
        station_id,
        tallies.days,
        tallies.accepted,
        tallies.refused,
        tallies.accepted_by_medium,
        tallies.refused_by_medium,
        tallies.refused_by_reason,
    )


async def claim_unpublished(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` station-days changed since last published, as they stand now (counts by
    medium and by reason decoded), marked published; in the caller's transaction."""
    rows = await conn.fetch(_CLAIM_UNPUBLISHED, limit)
    return [
        {
            **dict(row),
            "accepted_by_medium": json.loads(row["accepted_by_medium"]),
            "refused_by_medium": json.loads(row["refused_by_medium"]),
            "refused_by_reason": json.loads(row["refused_by_reason"]),
        }
        for row in sorted(rows, key=lambda r: (r["station_id"], r["day"]))
    ]


async def statistics(
    conn: Connection,
    *,
    station_id: uuid.UUID | None,
    first: date | None,
    last: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    day, station = after or (None, None)
    rows = await conn.fetch(_STATISTICS, station_id, first, last, day, station, limit)
    return [
        {
            **dict(row),
            "accepted_by_medium": json.loads(row["accepted_by_medium"]),
            "refused_by_medium": json.loads(row["refused_by_medium"]),
            "refused_by_reason": json.loads(row["refused_by_reason"]),
        }
        for row in rows
    ]
