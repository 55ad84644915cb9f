"""The SQL of swipes, on raw asyncpg: one lookup per batch, the batch through BulkWriter, and
the monthly partitions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from elevator_maintenance.swipes.tables import swipe_keys, swipes
from tzsb_common.bulk import BulkItem, BulkWriter, ItemResult, Row
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection

SWIPE_COLUMNS = (
    "company_id",
    "swipe_id",
    "equipment_code",
    "certificate_number",
    "kind",
    "at",
    "lat",
    "lon",
    "source",
    "visit_kind",
    "status",
    "reasons",
    "client_id",
    "chain_seq",
    "content_hash",
    "prev_hash",
)
writer = BulkWriter(keys=swipe_keys, target=swipes, columns=SWIPE_COLUMNS)

# Everything a batch is judged against, in one round trip: its elevators, the swiping
# company's contracts for them, and its certificates.
_STANDING = """
    SELECT 'elevator' AS what, equipment_code AS key, status, lat, lon,
           NULL::uuid AS owner, NULL::date AS valid_from, NULL::date AS valid_to,
           NULL::int AS interval_days, NULL::text AS item
    FROM elevators WHERE equipment_code = ANY($1::text[])
    UNION ALL
    SELECT 'contract', equipment_code, NULL, NULL, NULL, maintenance_company_id, valid_from,
           in_force_until, maintenance_interval_days, NULL
    FROM contract_elevators
    WHERE equipment_code = ANY($1::text[]) AND maintenance_company_id = $3
    UNION ALL
    SELECT 'certificate', number, NULL, NULL, NULL, employer_id, valid_from, valid_to, NULL, item
    FROM certificates WHERE number = ANY($2::text[])
"""


async def standing(
    conn: Connection, *, company_id: uuid.UUID, codes: Sequence[str], numbers: Sequence[str]
) -> list[Any]:
    """Rows of `what` elevator | contract | certificate, keyed by code or number."""
    rows: list[Any] = await conn.fetch(_STANDING, list(codes), list(numbers), company_id)
    return rows


async def write_swipes(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    items: Sequence[BulkItem],
    outbox: Outbox,
    rows_of: Callable[[Sequence[BulkItem]], Sequence[Row]] | None = None,
) -> list[ItemResult]:
    """The batch's keys, then the rows of the keys that were new (`rows_of` of them when
    given), with COPY."""
    return await writer.write_on(
        conn, scope=f"swipe:{company_id}", items=items, outbox=outbox, rows_of=rows_of
    )


async def copy_swipes(conn: Connection, rows: Sequence[Row]) -> None:
    """Rows whose keys this transaction took (write_swipes), with one COPY."""
    await conn.copy_records_to_table(
        swipes.name, schema_name=swipes.schema, columns=SWIPE_COLUMNS, records=rows
    )


# -- the hash chain ---------------------------------------------------------------------------

# Creates the head at the first batch, and locks it (DO UPDATE locks the row it meets) until
# the batch's transaction ends: one company's batches extend its chain one after another.
_LOCK_CHAIN_HEAD = """
    INSERT INTO swipe_chain_heads (company_id, seq, link) VALUES ($1, 0, $2)
    ON CONFLICT (company_id) DO UPDATE SET seq = swipe_chain_heads.seq
    RETURNING seq, link
"""
_MOVE_CHAIN_HEAD = (
    "UPDATE swipe_chain_heads SET seq = $2, link = $3, updated_at = now() WHERE company_id = $1"
)
_CHAIN_HEAD = "SELECT seq, link FROM swipe_chain_heads WHERE company_id = $1"


async def lock_chain_head(conn: Connection, company_id: uuid.UUID, genesis: bytes) -> Any:
    return await conn.fetchrow(_LOCK_CHAIN_HEAD, company_id, genesis)


async def move_chain_head(
    conn: Connection, company_id: uuid.UUID, *, seq: int, link: bytes
) -> None:
    await conn.execute(_MOVE_CHAIN_HEAD, company_id, seq, link)


async def chain_head(conn: Connection, company_id: uuid.UUID) -> Any:
    return await conn.fetchrow(_CHAIN_HEAD, company_id)


# -- partitions -------------------------------------------------------------------------------

PARTITION_LOCK = (0x7A5B0E1E, 1)
"""Advisory lock (two keys) under which one replica at a time makes partitions."""
DEFAULT_PARTITION = "swipes_default"
_LOCK = "SELECT pg_advisory_xact_lock($1, $2)"
_EXISTS = "SELECT to_regclass($1) IS NOT NULL"
_MAKE_DEFAULT = f"CREATE TABLE IF NOT EXISTS {DEFAULT_PARTITION} PARTITION OF swipes DEFAULT"
_DEFAULT_HOLDS = f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE at >= $1 AND at < $2)"  # noqa: S608


async def lock_partitions(conn: Connection) -> None:
    await conn.execute(_LOCK, *PARTITION_LOCK)


async def make_default_partition(conn: Connection) -> None:
    await conn.execute(_MAKE_DEFAULT)


async def partition_exists(conn: Connection, name: str) -> bool:
    exists: bool = await conn.fetchval(_EXISTS, name)
    return exists


async def make_month_partition(
    conn: Connection, *, name: str, start: datetime, end: datetime
) -> None:
    """A month's partition. Rows that arrived before it (in the default partition: a rejected
    swipe dated far ahead) move into it; PostgreSQL refuses a partition whose range the
    default partition holds rows of."""
    bounds = f"FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    if not await conn.fetchval(_DEFAULT_HOLDS, start, end):
        await conn.execute(f"CREATE TABLE {name} PARTITION OF swipes FOR VALUES {bounds}")
        return
    await conn.execute(f"CREATE TABLE {name} (LIKE swipes INCLUDING DEFAULTS)")
    await conn.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE at >= $1 AND at < $2 "  # noqa: S608
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
        start,
        end,
    )
    await conn.execute(f"ALTER TABLE swipes ATTACH PARTITION {name} FOR VALUES {bounds}")


# -- reads ------------------------------------------------------------------------------------

# Newest first; each filter is a parameter that may be null, so one statement serves them all.
_LIST_SWIPES = """
    SELECT company_id, swipe_id, equipment_code, certificate_number, kind, at, lat, lon, source,
           visit_kind, status, reasons, received_at
    FROM swipes
    WHERE ($1::uuid IS NULL OR company_id = $1)
      AND ($2::text IS NULL OR equipment_code = $2)
      AND ($3::text IS NULL OR status = $3)
      AND ($4::timestamptz IS NULL OR at >= $4)
      AND ($5::timestamptz IS NULL OR at < $5)
      AND ($6::timestamptz IS NULL OR (at, company_id, swipe_id) < ($6, $7::uuid, $8::text))
      AND ($10::text IS NULL OR $10 = ANY(reasons))
    ORDER BY at DESC, company_id DESC, swipe_id DESC
    LIMIT $9
"""


async def list_swipes(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    equipment_code: str | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID, str] | None,
    limit: int,
    reason: str | None = None,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _LIST_SWIPES,
        company_id,
        equipment_code,
        status,
        since,
        until,
        *(after or (None, None, None)),
        limit,
        reason,
    )
    return [dict(row) for row in rows]
