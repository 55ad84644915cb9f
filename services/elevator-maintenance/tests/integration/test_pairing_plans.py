"""The reads that pair a batch's swipes cost what the batch needs, not what the company has done.

A company that starts posting is unknown to the tables' statistics until the next ANALYZE. Its
pairing reads once scanned its whole history for every swipe of a batch (the planner, told the
company had one row, took any index led by company_id). Here a company with a long history and
one with a short one, both unknown to the statistics, read the same shape of batch: the buffers
each touches must not grow with the history.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from fastapi import FastAPI

from elevator_maintenance.anomalies import queries as anomaly_queries
from elevator_maintenance.visits import queries as visit_queries

WINDOW = timedelta(hours=8)
BATCH = 20

_ADD_HISTORY = """
    WITH pairs AS (
        SELECT g, $2 || '-' || g AS start_id, $2 || '-' || g || 'e' AS end_id,
               'EL' || $2 || (g % 50) AS code, 'CERT' || $2 || (g % 20) AS cert,
               $3::timestamptz - make_interval(hours => g) AS started_at,
               gen_random_uuid() AS visit_id
        FROM generate_series(1, $4) AS g
    ),
    swipes_in AS (
        INSERT INTO swipes (company_id, swipe_id, equipment_code, certificate_number, kind, at,
                            status, reasons, client_id)
        SELECT $1, s.id, p.code, p.cert, s.kind, s.at, 'accepted', '{}', 'terminal'
        FROM pairs p
        CROSS JOIN LATERAL (VALUES (p.start_id, 'start', p.started_at),
                                   (p.end_id, 'end', p.started_at + interval '40 minutes'))
             AS s(id, kind, at)
    ),
    visits_in AS (
        INSERT INTO visits (id, company_id, equipment_code, started_at, ended_at)
        SELECT visit_id, $1, code, started_at, started_at + interval '40 minutes' FROM pairs
        RETURNING id
    )
    INSERT INTO visit_workers (visit_id, company_id, certificate_number, start_swipe_id,
                               end_swipe_id, started_at, ended_at)
    SELECT p.visit_id, $1, p.cert, p.start_id, p.end_id, p.started_at,
           p.started_at + interval '40 minutes'
    FROM pairs p JOIN visits_in v ON v.id = p.visit_id
"""


async def _add_history(conn: asyncpg.Connection, company: uuid.UUID, visits: int) -> str:
    tag = uuid.uuid4().hex[:8]
    await conn.execute(_ADD_HISTORY, company, tag, datetime.now(UTC), visits)
    return tag


async def _buffers(conn: asyncpg.Connection, statement: str, *args: Any) -> int:
    """Shared buffers the statement touched (hit or read), from its executed plan."""
    (plan,) = json.loads(
        await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", *args)
    )
    top = plan["Plan"]
    return int(top["Shared Hit Blocks"]) + int(top["Shared Read Blocks"])


async def _pairing_reads(conn: asyncpg.Connection, company: uuid.UUID, tag: str) -> int:
    """Buffers of the pairing read and of the anomaly history read for a batch of BATCH new
    swipes at the company's elevators, at the time of its newest visits."""
    now = datetime.now(UTC)
    windows = [(f"EL{tag}{i}", f"CERT{tag}{i}", now - WINDOW, now + WINDOW) for i in range(BATCH)]
    codes = sorted({code for code, *_ in windows})
    pairing = await _buffers(
        conn,
        visit_queries._UNPAIRED_AND_HELD,
        company,
        *(list(column) for column in zip(*windows, strict=True)),
        codes,
        now - WINDOW,
        now + WINDOW,
    )
    history = await _buffers(
        conn,
        anomaly_queries._CERTIFICATE_VISITS,
        company,
        [cert for _, cert, *_ in windows],
        [now - timedelta(days=1)] * BATCH,
        [now + timedelta(days=1)] * BATCH,
    )
    return pairing + history


async def test_a_company_new_to_the_statistics_pairs_without_reading_its_history(
    app: FastAPI,
) -> None:
    async with app.state.database.connection() as conn:
        partitions = await conn.fetch(
            "SELECT inhrelid::regclass::text AS name FROM pg_inherits "
            "WHERE inhparent = 'swipes'::regclass"
        )
        # The statistics stay as ANALYZE leaves them below, whatever autovacuum would do.
        for table in ["visits", "visit_workers", *(p["name"] for p in partitions)]:
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        for _ in range(3):
            await _add_history(conn, uuid.uuid4(), 400)
        await conn.execute("ANALYZE")
        long_past, short_past = uuid.uuid4(), uuid.uuid4()
        long_tag = await _add_history(conn, long_past, 4000)
        short_tag = await _add_history(conn, short_past, 40)

        long_reads = await _pairing_reads(conn, long_past, long_tag)
        short_reads = await _pairing_reads(conn, short_past, short_tag)

    assert short_reads > 0
    # 100 times the history: the same reads, give or take a few index pages of a deeper tree.
    assert long_reads < 2 * short_reads, (long_reads, short_reads)
