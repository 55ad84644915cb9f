"""The SQL of visits, on raw asyncpg: pairing inside the swipe transaction, and the reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elevator_maintenance.db import outbox as outbox_table
from tzsb_common.pg import Connection

# Held until the transaction ends: two batches with swipes of one elevator pair one after the
# other, so two workers ending at once still make one visit, and no start pairs twice. The
# elevators' replica rows are the locks (an accepted swipe's elevator always has one), taken in
# code order: a row lock lives in its row, not in the server's shared lock table, so a batch
# locks each of its elevators and waits only for a batch that shares one. (Advisory locks had
# to be folded into 256 buckets to spare that table, and then any two batches of 1,000 swipes
# shared buckets and paired one after the other: 400 ms of waiting per batch at 4 clients.)
_LOCK = """
    SELECT count(*) FROM (
        SELECT 1 FROM elevators WHERE equipment_code = ANY($1::text[])
        ORDER BY equipment_code
        FOR NO KEY UPDATE
    ) AS locked
"""
# The company is compared as `(SELECT $1::uuid)`, a value the planner sees only when the
# statement runs. Seen at planning, a company newer than the tables' statistics (every company
# that starts posting swipes, until the next ANALYZE) was estimated at one row; any index led by
# company_id then looked as good as the right one, and the plans chosen walked the company's
# whole history for each swipe: 100–5,000 ms per batch, growing with the company. Unseen, it is
# estimated as an average company, and the composite indexes win (about 1 ms for 200 swipes).

# One index probe per (elevator, certificate) of the batch, each over its own window: a
# plan that walks the company's swipes of the day instead grows with the company's size.
_UNPAIRED = """
    SELECT s.swipe_id, s.equipment_code, s.certificate_number, s.kind, s.at, s.visit_kind
    FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
         AS p(code, cert, since, until)
    CROSS JOIN LATERAL (
        SELECT * FROM swipes s
        WHERE s.company_id = (SELECT $1::uuid) AND s.equipment_code = p.code
          AND s.certificate_number = p.cert
          AND s.at >= p.since AND s.at <= p.until AND s.status = 'accepted'
    ) AS s
    WHERE NOT EXISTS (SELECT 1 FROM visit_workers w
                      WHERE w.company_id = (SELECT $1::uuid) AND w.start_swipe_id = s.swipe_id)
      AND NOT EXISTS (SELECT 1 FROM visit_workers w
                      WHERE w.company_id = (SELECT $1::uuid) AND w.end_swipe_id = s.swipe_id)
"""
# Both in one round trip, after the pairing locks: the unpaired swipes ($2–$5 as in _UNPAIRED)
# and the visits held at the batch's elevators ($6) around them ($7, $8) — wider than the
# pairs will need, which are not known before, and a visit no pair overlaps joins none.
_UNPAIRED_AND_HELD = f"""
    SELECT 'swipe' AS what, u.swipe_id, u.equipment_code, u.certificate_number, u.kind, u.at,
           u.visit_kind, NULL::uuid AS id, NULL::timestamptz AS started_at,
           NULL::timestamptz AS ended_at, NULL::text[] AS workers
    FROM ({_UNPAIRED}) AS u
    UNION ALL
    SELECT 'visit', NULL, h.equipment_code, NULL, NULL, NULL, h.kind, h.id, h.started_at,
           h.ended_at, h.workers
    FROM (
        SELECT v.id, v.equipment_code, v.started_at, v.ended_at, v.kind,
               array_agg(w.certificate_number ORDER BY w.started_at, w.certificate_number)
                   AS workers
        FROM visits v JOIN visit_workers w ON w.visit_id = v.id
        WHERE v.company_id = (SELECT $1::uuid) AND v.equipment_code = ANY($6::text[])
          AND v.ended_at >= $7 AND v.started_at <= $8
        GROUP BY v.id
    ) AS h
"""  # noqa: S608 (a constant)
# The visits, their new workers and their events in one statement, which also reads what
# the anomaly rules judge the new workers' visits against (anomalies/service.py): each of their
# certificates' worker visits in a window ($18–$20) — those before this statement from its
# snapshot, and the new ones as they are inserted (a statement does not see its own writes),
# with the elevators' positions. A round trip for the events and one for the read saved on
# the path of every end swipe.
_WRITE_VISITS = f"""
    WITH visit_rows AS (
        INSERT INTO visits (id, company_id, equipment_code, started_at, ended_at, kind)
        SELECT v.id, $1, v.code, v.started_at, v.ended_at, v.kind
        FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[])
             AS v(id, code, started_at, ended_at, kind)
        ON CONFLICT (id) DO UPDATE SET started_at = EXCLUDED.started_at,
            ended_at = EXCLUDED.ended_at, kind = EXCLUDED.kind, updated_at = now()
        RETURNING id
    ),
    published AS (
        INSERT INTO {outbox_table.name} (event_id, topic, key, bucket, event)
        SELECT e.event_id, e.topic, e.key, e.bucket, e.event::jsonb
        FROM unnest($13::uuid[], $14::text[], $15::text[], $16::int2[], $17::text[])
             WITH ORDINALITY AS e(event_id, topic, key, bucket, event, n)
        ORDER BY e.n
    ),
    worker_rows AS (
        INSERT INTO visit_workers (visit_id, company_id, certificate_number, start_swipe_id,
                                   end_swipe_id, started_at, ended_at)
        SELECT w.visit_id, $1, w.cert, w.start_id, w.end_id, w.started_at, w.ended_at
        FROM unnest($7::uuid[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                    $12::timestamptz[])
             AS w(visit_id, cert, start_id, end_id, started_at, ended_at)
        -- joined to the visits written, so the visit row exists when its workers go in
        JOIN visit_rows ON visit_rows.id = w.visit_id
        RETURNING visit_id, certificate_number, started_at, ended_at
    )
    SELECT w.visit_id, w.certificate_number, v.equipment_code, w.started_at, w.ended_at,
           e.lat, e.lon
    FROM unnest($18::text[], $19::timestamptz[], $20::timestamptz[]) AS p(cert, since, until)
    JOIN visit_workers w ON w.company_id = (SELECT $1::uuid) AND w.certificate_number = p.cert
                        AND w.started_at >= p.since AND w.started_at <= p.until
    JOIN visits v ON v.id = w.visit_id
    LEFT JOIN elevators e ON e.equipment_code = v.equipment_code
    UNION ALL
    SELECT r.visit_id, r.certificate_number, n.code, r.started_at, r.ended_at, e.lat, e.lon
    FROM worker_rows r
    JOIN unnest($2::uuid[], $3::text[]) AS n(id, code) ON n.id = r.visit_id
    LEFT JOIN elevators e ON e.equipment_code = n.code
"""  # noqa: S608 (the table name is the service's own)


async def lock_elevators(conn: Connection, codes: Sequence[str]) -> None:
    await conn.fetchval(_LOCK, list(codes))


async def unpaired_and_held(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    windows: Sequence[tuple[str, str, datetime, datetime]],
    codes: Sequence[str],
    since: datetime,
    until: datetime,
) -> list[Any]:
    """Rows of `what` swipe (as unpaired_swipes) or visit (as held_visits)."""
    rows: list[Any] = await conn.fetch(
        _UNPAIRED_AND_HELD,
        company_id,
        *(list(column) for column in zip(*windows, strict=True)),
        list(codes),
        since,
        until,
    )
    return rows


async def write_visits(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    visits: Sequence[tuple[uuid.UUID, str, datetime, datetime, str | None]],
    workers: Sequence[tuple[uuid.UUID, str, str, str, datetime, datetime]],
    event_columns: Sequence[list[Any]],
    history: Sequence[tuple[str, datetime, datetime]],
) -> list[Any]:
    """The visits (new, or grown), their new workers and their events (the outbox columns,
    Outbox.row_arrays), in one statement. Returns the worker visits of the certificates in
    `history` (certificate, since, until), the new ones included: visit_id,
    certificate_number, equipment_code, started_at, ended_at, lat, lon."""
    rows: list[Any] = await conn.fetch(
        _WRITE_VISITS,
        company_id,
        *(list(column) for column in zip(*visits, strict=True)),
        *(list(column) for column in zip(*workers, strict=True)),
        *event_columns,
        *(list(column) for column in zip(*history, strict=True)),
    )
    return rows


# -- reads ------------------------------------------------------------------------------------

_VISIT_COLUMNS = (
    "v.id, v.company_id, v.equipment_code, v.started_at, v.ended_at, v.kind, "
    "ARRAY(SELECT w.certificate_number FROM visit_workers w WHERE w.visit_id = v.id "
    "ORDER BY w.started_at, w.certificate_number) AS workers"
)
_VISIT = f"SELECT {_VISIT_COLUMNS} FROM visits v WHERE v.id = $1"  # noqa: S608
# Newest first; each filter is a parameter that may be null, so one statement serves them all
# (and asyncpg prepares it once per connection).
_LIST_VISITS = f"""
    SELECT {_VISIT_COLUMNS} FROM visits v
    WHERE ($1::uuid IS NULL OR v.company_id = $1)
      AND ($2::text IS NULL OR v.equipment_code = $2)
      AND ($3::timestamptz IS NULL OR v.ended_at >= $3)
      AND ($4::timestamptz IS NULL OR v.started_at < $4)
      AND ($5::timestamptz IS NULL OR (v.ended_at, v.id) < ($5, $6::uuid))
    ORDER BY v.ended_at DESC, v.id DESC
    LIMIT $7
"""  # noqa: S608
_LAST_VISIT = f"""
    SELECT {_VISIT_COLUMNS} FROM visits v
    WHERE v.equipment_code = $1 ORDER BY v.ended_at DESC, v.id DESC LIMIT 1
"""  # noqa: S608
_ELEVATOR = "SELECT equipment_code, status FROM elevators WHERE equipment_code = $1"
_CONTRACTS_ON = """
    SELECT maintenance_company_id, maintenance_interval_days FROM contract_elevators
    WHERE equipment_code = $1 AND valid_from <= $2 AND in_force_until >= $2
    ORDER BY valid_from DESC
"""


async def get_visit(conn: Connection, visit_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_VISIT, visit_id)
    return dict(row) if row is not None else None


async def list_visits(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    equipment_code: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _LIST_VISITS,
        company_id,
        equipment_code,
        since,
        until,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [dict(row) for row in rows]


async def last_visit(conn: Connection, equipment_code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_LAST_VISIT, equipment_code)
    return dict(row) if row is not None else None


async def get_elevator(conn: Connection, equipment_code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ELEVATOR, equipment_code)
    return dict(row) if row is not None else None


async def contracts_on(conn: Connection, equipment_code: str, on: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_CONTRACTS_ON, equipment_code, on)]
