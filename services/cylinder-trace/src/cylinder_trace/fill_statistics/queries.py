"""The SQL of the daily fill statistics, on raw asyncpg."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from cylinder_trace.fill_statistics.rules import DailyTallies
from tzsb_common.pg import Connection

# One statement per batch. Rows arrive sorted (DailyTallies), so concurrent batches of one
# station lock the same rows in the same order.
_ADD = """
    WITH days AS (
        INSERT INTO fill_daily_statistics (station_id, day, accepted, refused)
        SELECT $1, d.day, d.accepted, d.refused
        FROM unnest($2::date[], $3::int4[], $4::int4[]) WITH ORDINALITY AS d(day, accepted,
             refused, n)
        ORDER BY d.n
        ON CONFLICT (station_id, day) DO UPDATE
        SET accepted = fill_daily_statistics.accepted + excluded.accepted,
            refused = fill_daily_statistics.refused + excluded.refused
    )
    INSERT INTO fill_daily_refusals (station_id, day, reason, fills)
    SELECT $1, r.day, r.reason, r.fills
    FROM unnest($5::date[], $6::text[], $7::int4[]) WITH ORDINALITY AS r(day, reason, fills, n)
    ORDER BY r.n
    ON CONFLICT (station_id, day, reason) DO UPDATE
    SET fills = fill_daily_refusals.fills + excluded.fills
"""
# A page in (day, station) order; each station-day with its refusals by reason, in one trip.
_STATISTICS = """
    SELECT s.station_id, s.day, s.accepted, s.refused, r.reasons, r.fills
    FROM fill_daily_statistics s
    LEFT JOIN LATERAL (
        SELECT array_agg(x.reason ORDER BY x.reason) AS reasons,
               array_agg(x.fills ORDER BY x.reason) AS fills
        FROM fill_daily_refusals x
        WHERE x.station_id = s.station_id AND x.day = s.day
    ) r ON true
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
        tallies.reason_days,
        tallies.reasons,
        tallies.reason_fills,
    )


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
    return [dict(row) for row in rows]
