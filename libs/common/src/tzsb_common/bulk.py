"""Idempotent bulk writes: a batch of validated items goes in with one or two statements.

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
   duplicate of its first occurrence) and sort them by key, so that two transactions writing
   overlapping batches take the key locks in one order and cannot deadlock.
2. One statement: `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING` claims the
   keys; two data-modifying CTEs insert the target rows and the outbox rows of the claimed keys
   only. Data-modifying CTEs always run to completion, and each sees the others' RETURNING rows,
   so the batch costs one round trip whatever its size. `unnest` of typed arrays is used rather
   than COPY into a staging table: it needs no temporary table per session and no second round
   trip, and measured as fast here (benchmarks/bulk_write.py).
3. Only when some keys were already taken: one more statement reads their stored outcomes. It
   must be a separate statement: under READ COMMITTED a key committed by a concurrent batch while
   we waited on its lock is invisible to the snapshot of the statement that waited, and visible
   to the next one. (Under REPEATABLE READ PostgreSQL raises a serialization failure instead,
   which the caller retries as any such failure.)

A concurrent identical batch from another transaction blocks on the key locks until the first
commits, then finds every key taken: one insert, one answer "duplicate". If the first rolls back,
the second inserts.

Rows are passed as tuples of driver values in the order of the given columns, as for asyncpg's
`copy_records_to_table`; they go in as typed arrays whose element types come from the SQLAlchemy
columns. Items whose outcome is a refusal may carry no row: their key and outcome are still
recorded, so a retry of a refused item is answered with the same refusal.

Keys are kept until a service prunes them (`created_at` is there for that); a key pruned is a
key that can be written again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from tzsb_common.events import CloudEvent
from tzsb_common.outbox import Outbox, subject_bucket

Row = tuple[Any, ...]
"""One target row: driver values in the order of the writer's columns."""

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_NO_REASONS = "[]"


def add_idempotency_table(metadata: MetaData, name: str = "idempotency_keys") -> Table:
    """The keys of a service's batch paths and the outcome first given for each.

    Lives on the service's own metadata so its Alembic history owns it. `scope` separates whose
    key it is and for which path (e.g. `swipe:<company id>`), since clients choose their ids.
    """
    return Table(
        name,
        metadata,
        Column("scope", Text, nullable=False),
        Column("client_key", Text, nullable=False),
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
    """Anything JSON the caller wants to hand back on a retry, e.g. the row's id and month."""


@dataclass(frozen=True, slots=True)
class BulkItem:
    """One validated item of a batch."""

    key: str
    """The client's own id for the item; unique within a scope."""
    outcome: Outcome
    row: Row | None = None
    """The target row, or None when the item is recorded without one (a refusal)."""
    events: Sequence[tuple[CloudEvent, str]] = field(default=())
    """(event, topic) pairs written to the outbox if, and only if, the key is new."""


@dataclass(frozen=True, slots=True)
class ItemResult:
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
        if not columns:
            raise ValueError("a bulk writer needs at least one target column")
        self.keys = keys
        self.target = target
        self.columns = tuple(columns)
        quote = _DIALECT.identifier_preparer.quote
        array_types = [_array_type(target.c[name]) for name in self.columns]
        self._keys_name = _qualified(keys)
        self._target_name = _qualified(target)
        self._target_columns = ", ".join(quote(name) for name in self.columns)
        # Target columns come out of unnest as c1…cn, so no name can clash with the key column.
        self._row_aliases = ", ".join(f"c{n}" for n in range(1, len(self.columns) + 1))
        self._row_params = ", ".join(
            f"${n}::{array_type}" for n, array_type in enumerate(array_types, start=7)
        )
        self._statements: dict[str | None, str] = {}
        self._outcomes_sql = (
            "SELECT client_key, status, reasons::text, detail::text "  # noqa: S608 (quoted names)
            f"FROM {self._keys_name} WHERE scope = $1 AND client_key = ANY($2::text[])"
        )

    async def write(
        self,
        session: AsyncSession,
        *,
        scope: str,
        items: Sequence[BulkItem],
        outbox: Outbox | None = None,
    ) -> list[ItemResult]:
        """Write a batch in the session's transaction; never commits."""
        if not items:
            return []
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        if not driver.is_in_transaction():
            # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs
            # itself. Written straight on the driver before that, the batch would commit on its
            # own and a rollback of the use case would leave it in place; one statement through
            # the session opens the transaction (a use case that read anything first pays
            # nothing).
            await connection.execute(select(1))
        return await self.write_on(driver, scope=scope, items=items, outbox=outbox)

    async def write_on(
        self,
        conn: asyncpg.Connection,
        *,
        scope: str,
        items: Sequence[BulkItem],
        outbox: Outbox | None = None,
    ) -> list[ItemResult]:
        """The same on a raw asyncpg connection, in whatever transaction it is in.

        Outside a transaction the batch is still all or nothing: its writes are one statement.
        """
        if not items:
            return []
        if any(item.events for item in items) and outbox is None:
            raise ValueError("items carry events but no outbox was given")
        first: dict[str, BulkItem] = {}
        for item in items:
            first.setdefault(item.key, item)
        unique = sorted(first.values(), key=lambda item: item.key)

        claimed = set(
            await conn.fetchval(
                self._statement(outbox),
                *self._arguments(scope, unique, list(first.values()), outbox),
            )
            or ()
        )
        stored: dict[str, Outcome] = {}
        if len(claimed) < len(unique):
            taken = [item.key for item in unique if item.key not in claimed]
            for record in await conn.fetch(self._outcomes_sql, scope, taken):
                stored[record[0]] = Outcome(
                    status=record[1],
                    reasons=tuple(json.loads(record[2])),
                    detail=None if record[3] is None else json.loads(record[3]),
                )
            missing = [key for key in taken if key not in stored]
            if missing:
                raise IdempotencyRecordMissing(
                    f"{len(missing)} taken keys of scope {scope!r} vanished, e.g. {missing[0]!r}"
                )

        results: list[ItemResult] = []
        answered: set[str] = set()
        for item in items:
            if item.key in claimed:
                kept = first[item.key]
                duplicate = item.key in answered
                results.append(ItemResult(item.key, kept.outcome, duplicate=duplicate))
            else:
                results.append(ItemResult(item.key, stored[item.key], duplicate=True))
            answered.add(item.key)
        return results

    # -- statements ------------------------------------------------------------------------

    def _statement(self, outbox: Outbox | None) -> str:
        outbox_name = None if outbox is None else _qualified(outbox.table)
        statement = self._statements.get(outbox_name)
        if statement is None:
            statement = self._build_statement(outbox_name)
            self._statements[outbox_name] = statement
        return statement

    def _build_statement(self, outbox_name: str | None) -> str:
        # $1 scope; $2–$5 the keys and their outcomes; $6 the key of each target row;
        # $7… one array per target column; then the outbox arrays.
        event_base = 7 + len(self.columns)
        outbox_cte = ""
        if outbox_name is not None:
            p = [f"${n}" for n in range(event_base, event_base + 6)]
            outbox_cte = f""",
            outbox_rows AS (
                INSERT INTO {outbox_name} (event_id, topic, key, bucket, event)
                SELECT e.event_id, e.topic, e.key, e.bucket, e.event::jsonb
                FROM unnest({p[0]}::text[], {p[1]}::uuid[], {p[2]}::text[], {p[3]}::text[],
                            {p[4]}::smallint[], {p[5]}::text[])
                     WITH ORDINALITY AS e(client_key, event_id, topic, key, bucket, event, n)
                WHERE e.client_key IN (SELECT client_key FROM claimed)
                ORDER BY e.n
            )"""  # noqa: S608 (identifiers come from Table metadata, quoted)
        return f"""
            WITH claimed AS (
                INSERT INTO {self._keys_name} (scope, client_key, status, reasons, detail)
                SELECT $1, k.client_key, k.status, k.reasons::jsonb, k.detail::jsonb
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
                     WITH ORDINALITY AS k(client_key, status, reasons, detail, n)
                ORDER BY k.n
                ON CONFLICT DO NOTHING
                RETURNING client_key
            ),
            target_rows AS (
                INSERT INTO {self._target_name} ({self._target_columns})
                SELECT {self._row_aliases}
                FROM unnest($6::text[], {self._row_params}) AS r(client_key, {self._row_aliases})
                WHERE r.client_key IN (SELECT client_key FROM claimed)
            ){outbox_cte}
            SELECT array_agg(client_key) FROM claimed
        """  # noqa: S608 (identifiers come from Table metadata, quoted; values are parameters)

    def _arguments(
        self,
        scope: str,
        unique: Sequence[BulkItem],
        in_input_order: Sequence[BulkItem],
        outbox: Outbox | None,
    ) -> list[Any]:
        keys: list[str] = []
        statuses: list[str] = []
        reasons: list[str] = []
        details: list[str | None] = []
        row_keys: list[str] = []
        rows: list[Row] = []
        for item in unique:
            outcome = item.outcome
            keys.append(item.key)
            statuses.append(outcome.status)
            reasons.append(json.dumps(list(outcome.reasons)) if outcome.reasons else _NO_REASONS)
            details.append(None if outcome.detail is None else json.dumps(outcome.detail))
            if item.row is not None:
                if len(item.row) != len(self.columns):
                    raise ValueError(
                        f"row of {item.key!r} has {len(item.row)} values "
                        f"for {len(self.columns)} columns"
                    )
                row_keys.append(item.key)
                rows.append(item.row)
        columns: list[Any] = (
            [list(values) for values in zip(*rows, strict=True)]
            if rows
            else [[] for _ in self.columns]
        )
        arguments: list[Any] = [scope, keys, statuses, reasons, details, row_keys, *columns]
        if outbox is not None:
            arguments.extend(_event_arrays(in_input_order, outbox))
        return arguments


def _event_arrays(items: Sequence[BulkItem], outbox: Outbox) -> list[list[Any]]:
    """In the order the client sent the items: the relay publishes a subject's events in
    outbox id order, so two swipes of one elevator in one batch keep their order."""
    settings = outbox.settings
    event_keys: list[str] = []
    event_ids: list[Any] = []
    topics: list[str] = []
    subjects: list[str] = []
    buckets: list[int] = []
    documents: list[str] = []
    for item in items:
        for event, topic in item.events:
            event_keys.append(item.key)
            event_ids.append(event.id)
            topics.append(settings.topic(topic))
            subjects.append(event.subject)
            buckets.append(subject_bucket(event.subject, settings.outbox_buckets))
            documents.append(event.model_dump_json())
    return [event_keys, event_ids, topics, subjects, buckets, documents]


def _array_type(column: Column[Any]) -> str:
    return f"{column.type.compile(dialect=_DIALECT)}[]"


def _qualified(table: Table) -> str:
    quote = _DIALECT.identifier_preparer.quote
    name = quote(table.name)
    return name if table.schema is None else f"{quote(table.schema)}.{name}"
