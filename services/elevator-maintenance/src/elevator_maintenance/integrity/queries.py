"""The SQL of the integrity check, on raw asyncpg: the chain head, the numbers a range of
receipt covers, and the chained rows in pages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tzsb_common.pg import Connection

_HEAD = "SELECT seq, link FROM swipe_chain_heads WHERE company_id = $1"
_SEQ_RANGE = """
    SELECT min(chain_seq) AS first, max(chain_seq) AS last FROM swipes
    WHERE company_id = $1 AND chain_seq IS NOT NULL
      AND ($2::timestamptz IS NULL OR received_at >= $2)
      AND ($3::timestamptz IS NULL OR received_at < $3)
"""
_ROWS = """
    SELECT company_id, swipe_id, equipment_code, certificate_number, kind, at, lat, lon, source,
           visit_kind, status, reasons, client_id, chain_seq, content_hash, prev_hash
    FROM swipes
    WHERE company_id = $1 AND chain_seq >= $2 AND chain_seq <= $3
    ORDER BY chain_seq
    LIMIT $4
"""
_ANCHOR = """
    SELECT content_hash, prev_hash FROM swipes WHERE company_id = $1 AND chain_seq = $2
"""


async def head(conn: Connection, company_id: uuid.UUID) -> Any:
    return await conn.fetchrow(_HEAD, company_id)


async def seq_range(
    conn: Connection, company_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> Any:
    return await conn.fetchrow(_SEQ_RANGE, company_id, since, until)


async def chained_rows(
    conn: Connection, company_id: uuid.UUID, *, first: int, last: int, limit: int
) -> list[Any]:
    rows: list[Any] = await conn.fetch(_ROWS, company_id, first, last, limit)
    return rows


async def anchor(conn: Connection, company_id: uuid.UUID, seq: int) -> Any:
    """The chain columns of the row numbered `seq` (the one before a range)."""
    return await conn.fetchrow(_ANCHOR, company_id, seq)
