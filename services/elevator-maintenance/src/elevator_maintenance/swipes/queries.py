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

# A batch's rows and its links in one statement, so the company's chain head is held from this
# statement to the commit and no longer (one company's posts extend its chain one after
# another). The head is locked (FOR UPDATE: a batch waiting on it reads the head its
# predecessor committed), each accepted row numbered after it and hashed here — sha256 of the
# canonical content's prefix, made by chain.canonical_prefix, and its number — each linked to
# the row before (the recursive part), the rows inserted, and the head moved to the last link.
# No row of the head, no row written: the caller makes the head and runs it again.
_WRITE_CHAINED = """
    WITH RECURSIVE
    head AS (SELECT seq, link FROM swipe_chain_heads WHERE company_id = $1 FOR UPDATE),
    hashes AS (
        SELECT array_agg(sha256(t.prefix || convert_to((head.seq + t.n)::text || ']', 'UTF8'))
                         ORDER BY t.n) AS a
        FROM head, unnest($15::bytea[]) WITH ORDINALITY AS t(prefix, n)
    ),
    links (n, prev_hash, content_hash) AS (
        SELECT 1::bigint, head.link, hashes.a[1] FROM head, hashes
        WHERE cardinality(hashes.a) > 0
        UNION ALL
        SELECT l.n + 1, sha256(l.prev_hash || l.content_hash), hashes.a[l.n + 1]
        FROM links l, hashes WHERE l.n < cardinality(hashes.a)
    ),
    written AS (
        INSERT INTO swipes (company_id, swipe_id, equipment_code, certificate_number, kind, at,
                            lat, lon, source, visit_kind, status, reasons, client_id,
                            chain_seq, content_hash, prev_hash)
        SELECT $1, r.swipe_id, r.code, r.cert, r.kind, r.at, r.lat, r.lon, r.source,
               r.visit_kind, r.status, string_to_array(r.reasons, ','), $2,
               head.seq + l.n, l.content_hash, l.prev_hash
        FROM head
        CROSS JOIN unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                          $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[],
                          $13::text[], $14::int8[])
             WITH ORDINALITY AS r(swipe_id, code, cert, kind, at, lat, lon, source, visit_kind,
                                  status, reasons, chained, i)
        LEFT JOIN links l ON l.n = r.chained
        ORDER BY r.i
    )
    UPDATE swipe_chain_heads h
    SET seq = head.seq + last.n, link = sha256(last.prev_hash || last.content_hash),
        updated_at = now()
    FROM head, (SELECT * FROM links ORDER BY n DESC LIMIT 1) AS last
    WHERE h.company_id = $1
    RETURNING h.seq
"""
# A large batch: the head is locked (and made at the company's first batch; DO UPDATE locks the
# row it meets) until the commit, its rows chained in Python and copied, and the head moved —
# for 1,000 rows COPY is several times cheaper than the statement above, and the two extra
# round trips are small beside it.
_LOCK_CHAIN_HEAD = """
    INSERT INTO swipe_chain_heads (company_id, seq, link) VALUES ($1, 0, $2)
    ON CONFLICT (company_id) DO UPDATE SET seq = swipe_chain_heads.seq
    RETURNING seq, link
"""
_MOVE_CHAIN_HEAD = (
    "UPDATE swipe_chain_heads SET seq = $2, link = $3, updated_at = now() WHERE company_id = $1"
)
_MAKE_CHAIN_HEAD = """
    INSERT INTO swipe_chain_heads (company_id, seq, link) VALUES ($1, 0, $2)
    ON CONFLICT (company_id) DO NOTHING
"""
_CHAIN_HEAD = "SELECT seq, link FROM swipe_chain_heads WHERE company_id = $1"


async def write_chained_swipes(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    client_id: str,
    rows: Sequence[Row],
    prefixes: Sequence[bytes],
    chained: Sequence[int | None],
) -> int | None:
    """Rows (SWIPE_COLUMNS order, chain columns left out) whose keys this transaction took;
    `chained[i]` numbers row i among the accepted ones (1, 2, …; None for a rejection),
    `prefixes` are the accepted rows' canonical prefixes in that order. Returns the chain's new
    last number, or None when the company has no chain head yet (nothing written)."""
    columns = list(zip(*rows, strict=True))
    seq: int | None = await conn.fetchval(
        _WRITE_CHAINED,
        company_id,
        client_id,
        *(list(columns[i]) for i in range(1, 11)),
        [",".join(reasons) for reasons in columns[11]],
        list(chained),
        list(prefixes),
    )
    return seq


async def lock_chain_head(conn: Connection, company_id: uuid.UUID, genesis: bytes) -> Any:
    """The company's chain head, locked to the commit (made at its first batch)."""
    return await conn.fetchrow(_LOCK_CHAIN_HEAD, company_id, genesis)


async def move_chain_head(
    conn: Connection, company_id: uuid.UUID, *, seq: int, link: bytes
) -> None:
    await conn.execute(_MOVE_CHAIN_HEAD, company_id, seq, link)


async def make_chain_head(conn: Connection, company_id: uuid.UUID, genesis: bytes) -> None:
    """The head of a company's first chained swipe (its row stays locked to the commit)."""
    await conn.execute(_MAKE_CHAIN_HEAD, company_id, genesis)


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
