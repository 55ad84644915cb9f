"""Figures for the bulk-write primitive (tzsb_common.bulk) beside raw COPY, on this machine.

    uv run --frozen --all-packages python benchmarks/bulk_write.py

Uses DATABASE_URL when set (tables go into a schema of their own, dropped afterwards), else
starts an embedded PostgreSQL the way the test plugin does (fsync off). Every path writes
batches of 1,000 swipes, one transaction per batch, from one client. The target is a swipe table
as DOMAIN.md describes one (company, client id, elevator, worker certificate, time, kind, method,
position, received time), partitioned by month, indexed on (elevator, time) for pairing visits
and on (certificate, time) for the anomaly rules. The paths take turns batch by batch:

  copy_records_to_table      raw asyncpg COPY into that table, no idempotency: the reference
  bulk_write                 BulkWriter through an AsyncSession: keys, then the new rows
  bulk_write on asyncpg      the same on a raw asyncpg connection (no SQLAlchemy session)
  bulk_write+events          the same with one outbox event per item
  bulk_write replay          the bulk_write batches again: every item a duplicate
  bulk_write+events replay   the same for the batches with events
  … (narrow table)           COPY and bulk_write into a six-column table with one index: the
                             least work per row for COPY, so the hardest case for the ratio

`measure(dsn)` returns one dict per path (path, clients, rate, unit, p50_ms, p99_ms, errors,
reference_rate, ratio); `ratio` is rate / reference_rate, where the reference is raw COPY for
first writes and the first write of the same batches for replays. It prints; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import Column, DateTime, Float, Index, MetaData, Table, Text, Uuid, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tzsb_common.bulk import BulkItem, BulkWriter, Outcome, add_idempotency_table
from tzsb_common.db import NAMING_CONVENTION, async_url, asyncpg_dsn
from tzsb_common.embedded import EmbeddedPostgres, free_port
from tzsb_common.events import CloudEvent
from tzsb_common.outbox import Outbox, add_outbox_table
from tzsb_common.settings import ServiceSettings

BATCH = 1_000
BATCHES = 40
WARMUP_BATCHES = 3
COLUMNS = (
    "company_id",
    "swipe_id",
    "elevator_code",
    "certificate_no",
    "at",
    "kind",
    "method",
    "latitude",
    "longitude",
    "received_at",
)
NARROW_COLUMNS = ("company_id", "swipe_id", "elevator_code", "at", "kind", "received_at")
MONTHS = ("2026-09", "2026-10", "2026-11")
ACCEPTED = Outcome("accepted")
Write = Callable[[list[BulkItem]], Awaitable[None]]


def build_tables(schema: str) -> tuple[MetaData, Table, Table, Table, Table]:
    metadata = MetaData(schema=schema, naming_convention=NAMING_CONVENTION)
    swipes = Table(
        "swipes",
        metadata,
        Column("company_id", Uuid, nullable=False),
        Column("swipe_id", Text, nullable=False),
        Column("elevator_code", Text, nullable=False),
        Column("certificate_no", Text, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("kind", Text, nullable=False),
        Column("method", Text, nullable=False),
        Column("latitude", Float),
        Column("longitude", Float),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Index(None, "elevator_code", "at"),
        Index(None, "certificate_no", "at"),
        postgresql_partition_by="RANGE (at)",
    )
    narrow = Table(
        "narrow_swipes",
        metadata,
        Column("company_id", Uuid, nullable=False),
        Column("swipe_id", Text, nullable=False),
        Column("elevator_code", Text, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("kind", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Index(None, "elevator_code", "at"),
        postgresql_partition_by="RANGE (at)",
    )
    keys = add_idempotency_table(metadata, "swipe_keys")
    outbox = add_outbox_table(metadata)
    return metadata, swipes, narrow, keys, outbox


def make_batches(count: int, *, with_events: bool, narrow: bool = False) -> list[list[BulkItem]]:
    """One company's swipes on 20,000 elevators over three months, as terminals post them."""
    company = uuid.uuid4()
    start = datetime(2026, 9, 1, tzinfo=UTC)
    received = datetime(2026, 11, 30, tzinfo=UTC)
    batches: list[list[BulkItem]] = []
    for b in range(count):
        batch: list[BulkItem] = []
        for n in range(BATCH):
            swipe_id = f"{b:05d}-{n:04d}-{uuid.uuid4().hex[:8]}"
            elevator = f"3110{(b * BATCH + n) % 20_000:014d}"
            certificate = f"T{(b * BATCH + n) % 3_000:08d}"
            at = start + timedelta(minutes=(b * BATCH + n) * 7 % (89 * 24 * 60))
            kind = "start" if n % 2 == 0 else "end"
            row: tuple[Any, ...] = (
                (company, swipe_id, elevator, at, kind, received)
                if narrow
                else (company, swipe_id, elevator, certificate, at, kind, "card",
                      36.06 + n / 1e5, 103.83 + n / 1e5, received)
            )  # fmt: skip
            events = (
                [
                    (
                        CloudEvent(
                            source="benchmark",
                            type="tzsb.elevator.swipe.recorded.v1",
                            subject=elevator,
                            data={"swipe_id": swipe_id, "at": at.isoformat()},
                        ),
                        "tzsb.elevator.maintenance",
                    )
                ]
                if with_events
                else []
            )
            batch.append(BulkItem(key=swipe_id, outcome=ACCEPTED, row=row, events=events))
        batches.append(batch)
    return batches


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(path: str, latencies: Sequence[float], errors: int) -> dict[str, Any]:
    return {
        "path": path,
        "clients": 1,
        "rate": BATCH * len(latencies) / sum(latencies),
        "unit": "rows/s",
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": errors,
        "reference_rate": None,
        "ratio": None,
    }


async def measure(dsn: str) -> list[dict[str, Any]]:
    """Measure every path against the database at `dsn`; leaves nothing behind.

    The paths take turns batch by batch rather than one after the other, so a neighbour's load
    on this shared machine weighs on all of them alike and the ratios stay comparable.
    """
    schema = f"bench_bulk_{uuid.uuid4().hex[:8]}"
    metadata, swipes, narrow, keys, outbox_table = build_tables(schema)
    writer = BulkWriter(keys=keys, target=swipes, columns=COLUMNS)
    narrow_writer = BulkWriter(keys=keys, target=narrow, columns=NARROW_COLUMNS)
    settings = ServiceSettings(service_name="benchmark", database_url=dsn)
    outbox = Outbox(outbox_table, settings)
    engine = create_async_engine(async_url(dsn), pool_size=2)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    conn = await asyncpg.connect(asyncpg_dsn(dsn))
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        async with engine.begin() as ddl:
            await ddl.run_sync(metadata.create_all)
            for table in (swipes, narrow):
                for month in MONTHS:
                    first = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
                    following = (first + timedelta(days=32)).replace(day=1)
                    await ddl.execute(
                        text(
                            f'CREATE TABLE "{schema}".{table.name}_{month.replace("-", "_")} '
                            f'PARTITION OF "{schema}".{table.name} FOR VALUES '
                            f"FROM ('{first.isoformat()}') TO ('{following.isoformat()}')"
                        )
                    )

        def copy(table: Table, columns: Sequence[str]) -> Write:
            async def write(batch: list[BulkItem]) -> None:
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        table.name,
                        schema_name=schema,
                        columns=columns,
                        records=[item.row for item in batch],
                    )

            return write

        def through_session(bulk: BulkWriter, scope: str) -> Write:
            async def write(batch: list[BulkItem]) -> None:
                async with sessions() as session:
                    await bulk.write(session, scope=scope, items=batch, outbox=outbox)
                    await session.commit()

            return write

        async def on_asyncpg(batch: list[BulkItem]) -> None:
            async with conn.transaction():
                await writer.write_on(conn, scope="benchmark", items=batch, outbox=outbox)

        rounds = WARMUP_BATCHES + BATCHES
        plain = make_batches(rounds, with_events=False)
        with_events = make_batches(rounds, with_events=True)
        bulk_write = through_session(writer, "benchmark")
        paths: list[tuple[str, list[list[BulkItem]], Write]] = [
            ("copy_records_to_table", make_batches(rounds, with_events=False), copy(swipes, COLUMNS)),
            ("bulk_write", plain, bulk_write),
            ("bulk_write replay", plain, bulk_write),
            ("bulk_write on asyncpg", make_batches(rounds, with_events=False), on_asyncpg),
            ("bulk_write+events", with_events, bulk_write),
            ("bulk_write+events replay", with_events, bulk_write),
            ("copy_records_to_table (narrow table)",
             make_batches(rounds, with_events=False, narrow=True), copy(narrow, NARROW_COLUMNS)),
            ("bulk_write (narrow table)", make_batches(rounds, with_events=False, narrow=True),
             through_session(narrow_writer, "narrow")),
        ]  # fmt: skip
        latencies: dict[str, list[float]] = {name: [] for name, _, _ in paths}
        errors: dict[str, int] = dict.fromkeys(latencies, 0)
        for n in range(rounds):
            for name, batches, write in paths:
                t0 = time.perf_counter()
                try:
                    await write(batches[n])
                except Exception:
                    errors[name] += 1
                if n >= WARMUP_BATCHES:
                    latencies[name].append(time.perf_counter() - t0)

        results = {name: summary(name, latencies[name], errors[name]) for name in latencies}
        references = {
            "copy_records_to_table": "copy_records_to_table",
            "bulk_write": "copy_records_to_table",
            "bulk_write on asyncpg": "copy_records_to_table",
            "bulk_write+events": "copy_records_to_table",
            "bulk_write replay": "bulk_write",
            "bulk_write+events replay": "bulk_write+events",
            "copy_records_to_table (narrow table)": "copy_records_to_table (narrow table)",
            "bulk_write (narrow table)": "copy_records_to_table (narrow table)",
        }
        for name, reference in references.items():
            results[name]["reference_rate"] = results[reference]["rate"]
            results[name]["ratio"] = results[name]["rate"] / results[reference]["rate"]
        return [results[name] for name in references]
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
        await engine.dispose()


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    print(
        f"{'path':<38} {'clients':>7} {'rate':>12} {'unit':<7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'reference':>12} {'ratio':>6}"
    )
    for row in rows:
        print(
            f"{row['path']:<38} {row['clients']:>7} {row['rate']:>12,.0f} {row['unit']:<7} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>6} "
            f"{row['reference_rate']:>12,.0f} {row['ratio']:>6.2f}"
        )


async def _main() -> None:
    given = os.environ.get("DATABASE_URL")
    if given:
        print_table(await measure(given))
        return
    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-bulk-"))
    base.chmod(0o755)
    postgres = EmbeddedPostgres(base / "pg", free_port(), fast=True)
    try:
        await asyncio.to_thread(postgres.start)
        print_table(await measure(postgres.url("postgres")))
    finally:
        await asyncio.to_thread(postgres.stop)
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    print(f"bulk writes, batches of {BATCH:,}, {BATCHES} batches a path, {os.cpu_count()} cores")
    asyncio.run(_main())


if __name__ == "__main__":
    main()
