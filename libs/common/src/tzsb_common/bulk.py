"""Idempotent bulk writes: a batch of validated items goes in with a few statements, not per row.

Every batch path uses this one primitive — elevator swipes and cylinder fills posted in batches
of up to 1,000 after a terminal was offline, registry imports of 100,000 rows in chunks. Each item
carries the client's own id for it (swipe id, fill id, import row id); the same id twice is one
record, and its second arrival is answered with what the first was answered.

Why the keys live in their own table: high-volume targets are partitioned by month, and a unique
key on a partitioned table must include the partition key (ARCHITECTURE.md, "Known pitfalls"),
so `(company, swipe_id)` cannot be unique on swipes partitioned by `at`. The keys therefore go
into a small non-partitioned table (`add_idempotency_table`) with the outcome first given for
each, and only the items whose key was new are inserted into the target.

How a batch is written, inside the caller's transaction (one use case = one transaction; this
module never commits):

1. In Python: keep the first occurrence of each key (a key twice in one request is answered as a
   duplicate of its first occurrence) and sort the keys, so that two transactions writing
   overlapping batches wait on each other's key locks in one order and cannot deadlock.
2. Read the stored outcomes of the batch's keys (one index probe each). A replayed batch is
   answered from this one statement and writes nothing. A small batch (`SMALL_BATCH`: a swipe
   or a fill posted on its own) skips this and step 3's COPY: it claims its keys with the
   `ON CONFLICT DO NOTHING` insert at once, one round trip instead of five, and reads the
   outcomes of keys it could not claim in step 5.
3. Insert the free keys with COPY under a savepoint. If a concurrent batch committed one of them
   since step 2, COPY fails on the primary key; then roll back to the savepoint and claim with
   `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING`, which skips it. COPY is
   tried first because it costs about half the `ON CONFLICT` insert (no speculative insertion,
   heap pages filled in bulk), and the race it loses is rare.
4. COPY the rows of the keys this transaction took straight into the target (a partitioned
   table routes them to their months). Claiming first is what makes COPY possible — COPY cannot
   skip conflicts — and it needs no staging table.
5. One statement for the outbox rows of the new items (a data-modifying CTE) and, after a lost
   race, the outcomes of the keys the other batch took; more events than `SMALL_BATCH` go in by
   COPY instead (measured on 1,000 fill events: 8.6 -> 7.1 ms, half the client CPU), and the
   outcomes, if any were raced, are read in a second statement. That read must come after the
   claim:
   under READ COMMITTED a key committed while we waited on its lock is invisible to the
   snapshot of the statement that waited, and visible to the next. (Under REPEATABLE READ
   PostgreSQL raises a serialization failure instead, which the caller retries as any such.)

A concurrent identical batch from another transaction blocks on the key locks until the first
commits, then finds every key taken: one insert, one answer "duplicate". If the first rolls back,
the second inserts. Nothing is serialised for the outbox for keys already taken.

Rows are tuples of driver values in the order of the writer's columns, exactly what asyncpg's
`copy_records_to_table` takes. Items whose outcome is a refusal may carry no row: their key and
outcome are still recorded, so a retry of a refused item is answered with the same refusal.

Keys are kept until a service prunes them (`created_at` is there for that); a key pruned is a
key that can be written again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from tzsb_common.events import CloudEvent, EventDocument
from tzsb_common.outbox import Outbox

Row = tuple[Any, ...]
"""One target row: driver values in the order of the writer's columns."""

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_NO_REASONS = "[]"
_KEY_COLUMNS = ("scope", "client_key", "status", "reasons", "detail")
_SAVEPOINT = "tzsb_bulk_keys"
_OUTBOX_COLUMNS = ("event_id", "topic", "key", "bucket", "event")
SMALL_BATCH = 32
"""Batches up to this many distinct keys claim them with one `INSERT … ON CONFLICT` instead of
reading first and copying: for a handful of keys the round trips cost more than the insert."""


def add_idempotency_table(metadata: MetaData, name: str = "idempotency_keys") -> Table:
    """The keys of a service's batch paths and the outcome first given for each.

    Lives on the service's own metadata so its Alembic history owns it. `scope` separates whose
    key it is and for which path (e.g. `swipe:<company id>`), since clients choose their ids.
    """
    return Table(
        name,
        metadata,
        # "C": keys are opaque ids, and byte order compares several times faster than a
        # linguistic collation a server may default to.
        Column("scope", Text(collation="C"), nullable=False),
        Column("client_key", Text(collation="C"), nullable=False),
        Column("status", Text, nullable=False),
        Column("reasons", JSONB, nullable=False),
        Column("detail", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("scope", "client_key"),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an item was answered, stored with its key and answered again to every retry."""

    status: str
    """e.g. `accepted`, `refused` — the caller's stable values."""
    reasons: tuple[str, ...] = ()
    """Reason codes (the values of a rules.py reason enum) when the item was refused."""
    detail: Mapping[str, Any] | None = None
    """JSON values the caller wants to hand back on a retry, e.g. the row's id and month."""


class BulkItem(NamedTuple):
    """One validated item of a batch. (A named tuple, as `ItemResult`: one of each is made per
    item, and a frozen dataclass costs several times more to build.)"""

    key: str
    """The client's own id for the item; unique within a scope."""
    outcome: Outcome
    row: Row | None = None
    """The target row, or None when the item is recorded without one (a refusal)."""
    events: Sequence[tuple[CloudEvent | EventDocument, str]] = ()
    """(event, topic) pairs written to the outbox if, and only if, the key is new."""


class ItemResult(NamedTuple):
    """The answer for one item, in the order the items were given."""

    key: str
    outcome: Outcome
    """The item's own outcome when it was written; else the outcome its key first got."""
    duplicate: bool
    """True when the key was already taken, by an earlier request or earlier in this batch."""


class IdempotencyRecordMissing(RuntimeError):
    """A taken key whose record could not be read back: it was deleted while we waited."""


class BulkWriter:
    """Writes batches into one target table through one idempotency table.

    Building one does no I/O (the statements are prepared as text), so a feature may build its
    writer at import, beside its tables.
    """

    def __init__(self, *, keys: Table, target: Table, columns: Sequence[str]) -> None:
        missing = [name for name in columns if name not in target.c]
        if not columns or missing:
            raise ValueError(f"target columns must be columns of {target.name}: {missing}")
        self.keys = keys
        self.target = target
        self.columns = tuple(columns)
        keys_name = _qualified(keys)
        # The fallback when a concurrent batch took some keys (see _insert_keys). The outcomes
        # travel once each ($3–$5, usually one: "accepted") and every key points at its own
        # ($6), which keeps the arrays the driver encodes short.
        self._claim_sql = f"""
            WITH claimed AS (
                INSERT INTO {keys_name} (scope, client_key, status, reasons, detail)
                SELECT $1, k.client_key, ($3::text[])[k.o], ($4::jsonb[])[k.o], ($5::jsonb[])[k.o]
                FROM unnest($2::text[], $6::int4[]) WITH ORDINALITY AS k(client_key, o, n)
                ORDER BY k.n
                ON CONFLICT DO NOTHING
                RETURNING client_key
            )
            SELECT array_agg(client_key) FROM claimed
        """  # noqa: S608 (identifiers come from Table metadata, quoted; values are parameters)
        self._outcomes_select = (
            "SELECT client_key, status, reasons::text, detail::text "  # noqa: S608 (quoted names)
            f"FROM {keys_name} WHERE scope = $1 AND client_key = ANY($2::text[])"
        )
        self._events_sql: dict[str, str] = {}

    async def write(
        self,
        session: AsyncSession,
        *,
        scope: str,
        items: Sequence[BulkItem],
        outbox: Outbox | None = None,
    ) -> list[ItemResult]:
        """Write a batch in the session's transaction; never commits.

        The session must run a transaction (not AUTOCOMMIT): the keys, rows and events are
        separate statements. The target's own constraints still hold; a row that breaks one
        fails the statement, and with it the caller's transaction, like any other write.
        """
        if not items:
            return []
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        if driver.is_in_transaction():
            return await self.write_on(driver, scope=scope, items=items, outbox=outbox)

        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs
        # itself. Written straight on the driver before that, the batch would commit on its own
        # and a rollback of the use case would leave it in place; so the first statement, when
        # it is the use case's first, goes through the session and opens its transaction.
        async def read_through_session(arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
            result = await connection.exec_driver_sql(self._outcomes_select, tuple(arguments))
            return result.all()

        return await self._write(driver, read_through_session, scope, items, outbox)

    async def stored_outcomes(
        self, conn: asyncpg.Connection, *, scope: str, keys: Sequence[str]
    ) -> dict[str, Outcome]:
        """The outcomes first given to those of `keys` already written, by key.

        For a use case whose items cost more to prepare than to look up — judged against rules,
        each with an event to build — so that a replayed batch is answered from one statement
        and only the new items are prepared and passed to `write_on`. (A key another batch
        takes in between is still answered as a duplicate there.)"""
        if not keys:
            return {}
        return _parse_outcomes(await conn.fetch(self._outcomes_select, scope, list(keys)))

    async def write_on(
        self,
        conn: asyncpg.Connection,
        *,
        scope: str,
        items: Sequence[BulkItem],
        outbox: Outbox | None = None,
        rows_of: Callable[[Sequence[BulkItem]], Sequence[Row]] | None = None,
        read_first: bool = True,
    ) -> list[ItemResult]:
        """The same on a raw asyncpg connection, in the transaction it is in (it needs one:
        the keys, rows and events are separate statements).

        `read_first=False`: the caller has just read `stored_outcomes` of these keys in this
        transaction and passes only those it did not find, so step 2's read is skipped and the
        keys go straight to COPY (a key taken in between still falls back to the claim).

        `rows_of`, when given, makes the rows to COPY from the items whose keys this
        transaction took, in the order given (instead of their own `row`s): for rows that
        depend on which items are new, such as a hash chain linking each row to the last. It
        may return none and keep the items, for a caller that writes the rows later in the
        same transaction."""
        if not items:
            return []

        async def read(arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
            records: list[asyncpg.Record] = await conn.fetch(self._outcomes_select, *arguments)
            return records

        async def nothing_stored(arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
            return ()

        return await self._write(
            conn, read if read_first else nothing_stored, scope, items, outbox, rows_of
        )

    async def _write(
        self,
        conn: asyncpg.Connection,
        read_first: Callable[[Sequence[Any]], Awaitable[Sequence[Sequence[Any]]]],
        scope: str,
        items: Sequence[BulkItem],
        outbox: Outbox | None,
        rows_of: Callable[[Sequence[BulkItem]], Sequence[Row]] | None = None,
    ) -> list[ItemResult]:
        if any(item.events for item in items) and outbox is None:
            raise ValueError("items carry events but no outbox was given")
        first: dict[str, BulkItem] = {}
        for item in items:
            first.setdefault(item.key, item)
        for item in first.values():
            if item.row is not None and len(item.row) != len(self.columns):
                raise ValueError(
                    f"row of {item.key!r} has {len(item.row)} values "
                    f"for {len(self.columns)} columns"
                )
        # Sorted: two transactions with overlapping batches then wait on each other's key locks
        # in one order, never in a cycle.
        ordered = sorted(first)

        if len(ordered) <= SMALL_BATCH and conn.is_in_transaction():
            # One swipe or fill posted on its own: claiming straight away is one round trip
            # where reading first, then COPY under a savepoint, takes five. A replayed key is
            # simply not claimed, and its stored outcome is read with the events below. (Not
            # before a session's transaction has begun: the read through it begins it.)
            stored: dict[str, Outcome] = {}
            fresh = ordered
            claimed = (
                await self._claim(conn, self._key_records(scope, fresh, first)) if fresh else set()
            )
        else:
            stored = _parse_outcomes(await read_first([scope, ordered]))
            fresh = [key for key in ordered if key not in stored]
            claimed = await self._insert_keys(conn, scope, fresh, first) if fresh else set()
        new_items = [item for key, item in first.items() if key in claimed]
        rows = (
            list(rows_of(new_items))
            if rows_of is not None
            else [item.row for item in new_items if item.row is not None]
        )
        if rows:
            await conn.copy_records_to_table(
                self.target.name, schema_name=self.target.schema, columns=self.columns, records=rows
            )
        # Keys a concurrent batch committed between our first read and our insert.
        raced = [key for key in fresh if key not in claimed]
        stored |= await self._add_events_and_read_outcomes(conn, scope, new_items, raced, outbox)

        results: list[ItemResult] = []
        answered: set[str] = set()
        for item in items:
            if item.key in claimed:
                duplicate = item.key in answered
                results.append(ItemResult(item.key, first[item.key].outcome, duplicate=duplicate))
            else:
                results.append(ItemResult(item.key, stored[item.key], duplicate=True))
            answered.add(item.key)
        return results

    async def _insert_keys(
        self,
        conn: asyncpg.Connection,
        scope: str,
        fresh: Sequence[str],
        first: Mapping[str, BulkItem],
    ) -> set[str]:
        """Insert keys that were free when we looked; returns those this transaction took.

        COPY first, under a savepoint: it costs about half an `INSERT … ON CONFLICT` (no
        speculative insertion, pages filled in bulk), and a key is almost never taken between
        our read and our insert. When one was — a concurrent batch committed it — COPY fails on
        the primary key; we roll back to the savepoint and claim with `ON CONFLICT DO NOTHING`,
        which skips the taken keys. (A key held by a transaction still running makes either
        statement wait for it, and then fail or skip, or insert if it rolled back.)
        One savepoint per call: a use case that writes many chunks in one transaction should
        pass them in one call, since a transaction with more than 64 subtransactions slows
        every snapshot on the server.
        """
        records = self._key_records(scope, fresh, first)
        await conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            await conn.copy_records_to_table(
                self.keys.name, schema_name=self.keys.schema, columns=_KEY_COLUMNS, records=records
            )
        except asyncpg.UniqueViolationError:
            await conn.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            await conn.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            return await self._claim(conn, records)
        await conn.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        return set(fresh)

    async def _claim(
        self, conn: asyncpg.Connection, records: Sequence[tuple[str, str, str, str, str | None]]
    ) -> set[str]:
        """`INSERT … ON CONFLICT DO NOTHING` of the keys: those this transaction took."""
        claimed = await conn.fetchval(self._claim_sql, *_claim_arguments(records))
        return set(claimed or ())

    @staticmethod
    def _key_records(
        scope: str, keys: Sequence[str], first: Mapping[str, BulkItem]
    ) -> list[tuple[str, str, str, str, str | None]]:
        """The key table's rows for `keys`, each distinct outcome serialised once."""
        outcomes: dict[int, tuple[str, str, str | None]] = {}
        records: list[tuple[str, str, str, str, str | None]] = []
        for key in keys:
            outcome = first[key].outcome
            stored = outcomes.get(id(outcome))
            if stored is None:
                stored = outcomes[id(outcome)] = _stored_form(outcome)
            records.append((scope, key, *stored))
        return records

    async def _add_events_and_read_outcomes(
        self,
        conn: asyncpg.Connection,
        scope: str,
        new_items: Sequence[BulkItem],
        taken: Sequence[str],
        outbox: Outbox | None,
    ) -> dict[str, Outcome]:
        """The outbox rows of the new items, and the outcomes first given to keys a concurrent
        batch took: one statement for a few events, COPY and (after a lost race) a read for
        many. Read in a statement after the claim, so a key that batch committed while we
        waited for it is visible (READ COMMITTED). The outbox's triggers (its bucket, the
        NOTIFY that wakes the relay) fire for COPY as for INSERT."""
        events = _event_arrays(new_items, outbox) if outbox is not None else []
        if outbox is not None and len(events[0]) > SMALL_BATCH:
            await conn.copy_records_to_table(
                outbox.table.name,
                schema_name=outbox.table.schema,
                columns=_OUTBOX_COLUMNS,
                records=zip(*events, strict=True),
            )
            if not taken:
                return {}
            records = await conn.fetch(self._outcomes_select, scope, taken)
        elif outbox is not None and events[0]:
            records = await conn.fetch(self._events_sql_for(outbox), scope, taken, *events)
        elif taken:
            records = await conn.fetch(self._outcomes_select, scope, taken)
        else:
            return {}
        stored = _parse_outcomes(records)
        missing = [key for key in taken if key not in stored]
        if missing:
            raise IdempotencyRecordMissing(
                f"{len(missing)} taken keys of scope {scope!r} vanished, e.g. {missing[0]!r}"
            )
        return stored

    def _events_sql_for(self, outbox: Outbox) -> str:
        outbox_name = _qualified(outbox.table)
        statement = self._events_sql.get(outbox_name)
        if statement is None:
            statement = f"""
                WITH outbox_rows AS (
                    INSERT INTO {outbox_name} (event_id, topic, key, bucket, event)
                    SELECT e.event_id, e.topic, e.key, e.bucket, e.event::jsonb
                    FROM unnest($3::uuid[], $4::text[], $5::text[], $6::smallint[], $7::text[])
                         WITH ORDINALITY AS e(event_id, topic, key, bucket, event, n)
                    ORDER BY e.n
                )
                {self._outcomes_select}
            """  # noqa: S608 (identifiers come from Table metadata, quoted)
            self._events_sql[outbox_name] = statement
        return statement


def _stored_form(outcome: Outcome) -> tuple[str, str, str | None]:
    """An outcome as the key table holds it: status, reasons and detail as JSON text."""
    return (
        outcome.status,
        json.dumps(list(outcome.reasons)) if outcome.reasons else _NO_REASONS,
        None if outcome.detail is None else json.dumps(outcome.detail),
    )


def _claim_arguments(records: Sequence[tuple[str, str, str, str, str | None]]) -> list[Any]:
    """The claim statement's arguments: each distinct outcome once, and its number per key."""
    numbers_of: dict[tuple[str, str, str | None], int] = {}
    keys: list[str] = []
    numbers: list[int] = []
    for _, key, status, reasons, detail in records:
        keys.append(key)
        numbers.append(numbers_of.setdefault((status, reasons, detail), len(numbers_of) + 1))
    statuses, reasons_, details = zip(*numbers_of, strict=True)
    scope = records[0][0]
    return [scope, keys, list(statuses), list(reasons_), list(details), numbers]


def _parse_outcomes(records: Sequence[Sequence[Any]]) -> dict[str, Outcome]:
    """Stored outcomes by key. A replayed batch of 1,000 usually holds a handful of distinct
    outcomes, so each is parsed once."""
    parsed: dict[tuple[str, str, str | None], Outcome] = {}
    stored: dict[str, Outcome] = {}
    for client_key, status, reasons, detail in records:
        outcome = parsed.get((status, reasons, detail))
        if outcome is None:
            outcome = Outcome(
                status=status,
                reasons=tuple(json.loads(reasons)),
                detail=None if detail is None else json.loads(detail),
            )
            parsed[(status, reasons, detail)] = outcome
        stored[client_key] = outcome
    return stored


def _event_arrays(items: Sequence[BulkItem], outbox: Outbox) -> list[list[Any]]:
    """In the order the client sent the items: the relay publishes a subject's events in
    outbox id order, so two swipes of one elevator in one batch keep their order."""
    return outbox.row_arrays([event for item in items for event in item.events])


def _qualified(table: Table) -> str:
    quote = _DIALECT.identifier_preparer.quote
    name = quote(table.name)
    return name if table.schema is None else f"{quote(table.schema)}.{name}"
