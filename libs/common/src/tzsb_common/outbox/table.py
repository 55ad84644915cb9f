"""The outbox table, its buckets and its triggers (see the package's docstring)."""

from __future__ import annotations

import zlib

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Uuid,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tzsb_common.logging import get_logger

log = get_logger(__name__)

NOTIFY_CHANNEL = "tzsb_outbox"
ADVISORY_LOCK_CLASS = 0x7A5B0001
"""First key of the two-key advisory lock; the bucket number is the second."""
MAX_BUCKETS = 32_767
"""`bucket` is a smallint."""
SETTINGS_TABLE = "outbox_settings"


def add_outbox_table(metadata: MetaData) -> Table:
    """The outbox lives on the service's own metadata, so its Alembic history owns it.

    Adds `outbox_settings` (the stored bucket count) beside it."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        # Assigned by the `outbox_assign_bucket` trigger from the stored bucket count.
        Column("bucket", SmallInteger, nullable=False),
        Column("event", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        # Failed publishing attempts that were the row's own fault.
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("failed_at", DateTime(timezone=True)),
        Column("last_error", Text),
        Index(
            "ix_outbox_unsent",
            "bucket",
            "id",
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
        Index("ix_outbox_sent_at", "sent_at", postgresql_where=text("sent_at IS NOT NULL")),
        Index("ix_outbox_failed", "id", postgresql_where=text("failed_at IS NOT NULL")),
    )
    Table(
        SETTINGS_TABLE,
        metadata,
        Column("id", SmallInteger, primary_key=True, autoincrement=False),
        Column("buckets", Integer, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"buckets BETWEEN 1 AND {MAX_BUCKETS}", name="buckets_in_range"),
    )
    return outbox


def outbox_settings_table(outbox: Table) -> Table:
    key = SETTINGS_TABLE if outbox.schema is None else f"{outbox.schema}.{SETTINGS_TABLE}"
    return outbox.metadata.tables[key]


NOTIFY_TRIGGER_DDL = (
    f"""
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
)
"""Wakes the relay at commit (and only if the transaction commits) without a round trip from
the writer; PostgreSQL folds a transaction's identical notifications into one. Every service's
first migration runs these statements after creating the outbox table."""

DROP_NOTIFY_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    "DROP FUNCTION IF EXISTS outbox_notify()",
)

BUCKET_TRIGGER_DDL = (
    # hashtextextended is what hash partitioning of text uses, so PostgreSQL keeps it stable.
    """
    CREATE OR REPLACE FUNCTION outbox_bucket_of(subject text, buckets integer)
    RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (((hashtextextended(subject, 0) % buckets) + buckets) % buckets)::integer
    $$
    """,
    # The count is read once per transaction and kept in a transaction-local setting (a read
    # per row doubled the cost of an insert). That is exact: from its first outbox insert the
    # transaction holds ROW EXCLUSIVE on the outbox, so no change (which needs SHARE) can commit
    # before it does; and under READ COMMITTED the first read takes a fresh snapshot, after
    # any change it waited for.
    """
    CREATE OR REPLACE FUNCTION outbox_assign_bucket() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        buckets text := current_setting('tzsb.outbox_buckets', true);
    BEGIN
        IF buckets IS NULL OR buckets = '' THEN
            buckets := coalesce((SELECT s.buckets FROM outbox_settings s WHERE s.id = 1), 1)::text;
            PERFORM set_config('tzsb.outbox_buckets', buckets, true);
        END IF;
        NEW.bucket := outbox_bucket_of(NEW.key, buckets::integer);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER outbox_assign_bucket BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_assign_bucket()
    """,
)
"""The database assigns every row's bucket from the stored count, whatever the writer sends
(migration 0002 of every service runs these)."""

DROP_BUCKET_TRIGGER_DDL = (
    "DROP TRIGGER IF EXISTS outbox_assign_bucket ON outbox",
    "DROP FUNCTION IF EXISTS outbox_assign_bucket()",
    "DROP FUNCTION IF EXISTS outbox_bucket_of(text, integer)",
)


def subject_bucket(subject: str, buckets: int) -> int:
    """A writer-side guess kept for callers that fill `bucket` themselves; the database's
    `outbox_assign_bucket` trigger replaces it with the bucket of the stored count."""
    return zlib.crc32(subject.encode()) % buckets


def claimable(table: Table) -> ColumnElement[bool]:
    return and_(table.c.sent_at.is_(None), table.c.failed_at.is_(None))


async def apply_bucket_count(
    engine: AsyncEngine, table: Table, buckets: int, *, lock_timeout_s: float = 5.0
) -> int | None:
    """Make `buckets` the stored bucket count; returns the previous count if it changed.

    In one transaction: every bucket lock (relays finish their batch and skip the buckets until
    the commit), a SHARE lock on the outbox (writers in flight commit first, new writers wait
    and then see the new count), the new count, and every unsent row moved to its new bucket.
    So no subject is ever split over two buckets and no row is left outside the scanned range.
    """
    if not 1 <= buckets <= MAX_BUCKETS:
        raise ValueError(f"OUTBOX_BUCKETS must be between 1 and {MAX_BUCKETS}, not {buckets}")
    stored_table = outbox_settings_table(table)
    async with engine.begin() as conn:
        # Bounded waits: a change stuck behind a long transaction would queue every writer.
        await conn.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'"))
        stored = await conn.scalar(
            select(stored_table.c.buckets).where(stored_table.c.id == 1).with_for_update()
        )
        if stored == buckets:
            return None
        previous = int(stored or 1)  # without a stored row the trigger used one bucket
        every_bucket = (
            func.generate_series(0, max(previous, buckets) - 1)
            .table_valued("value")
            .render_derived(name="buckets")
        )
        await conn.execute(
            select(func.pg_advisory_xact_lock(ADVISORY_LOCK_CLASS, every_bucket.c.value))
        )
        quoted = conn.dialect.identifier_preparer.format_table(table)
        await conn.execute(text(f"LOCK TABLE {quoted} IN SHARE MODE"))
        upsert = pg_insert(stored_table).values(id=1, buckets=buckets)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[stored_table.c.id],
                set_={"buckets": buckets, "changed_at": func.now()},
            )
        )
        new_bucket = func.outbox_bucket_of(table.c.key, buckets)
        moved = await conn.execute(
            table.update()
            .where(claimable(table), table.c.bucket != new_bucket)
            .values(bucket=new_bucket)
        )
        await conn.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))  # relays look again
    log.warning(
        "outbox bucket count changed",
        previous=previous,
        buckets=buckets,
        moved_rows=moved.rowcount,
    )
    return previous


async def stored_bucket_count(engine: AsyncEngine, table: Table) -> int | None:
    stored_table = outbox_settings_table(table)
    async with engine.connect() as conn:
        stored = await conn.scalar(select(stored_table.c.buckets).where(stored_table.c.id == 1))
    return None if stored is None else int(stored)
