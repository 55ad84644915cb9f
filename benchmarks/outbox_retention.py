"""Outbox retention under a sustained write rate, on this machine.

    uv run --frozen --all-packages python benchmarks/outbox_retention.py
    uv run --frozen --all-packages python benchmarks/outbox_retention.py --seconds 300

Writes `--rate` events a second (default 2,000, in transactions of 100) into the registry's
outbox for `--seconds` (default 60), while a stand-in for the relay marks rows sent as they
arrive and the relay's own clean-up (`OutboxRelay.keep_retention`) deletes sent rows older than
a short `--retention` (default 10 s). Every few seconds it prints the rows in the table, so one
can see the table stay within rate × (retention + clean-up interval) instead of growing. Then it
measures the clean-up's capacity: how fast one pass deletes a backlog of expired rows.

The relay's Kafka side is not under test here, so no broker is started; rows are marked sent by
SQL. PostgreSQL comes from DATABASE_URL (a server-level URL; a scratch database is created and
dropped on it) or is started embedded, fsync on, as `make up` runs it. It prints figures and
asserts nothing. `measure()` returns the same figures as rows for the `make bench` runner.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from registry.db import outbox
from tzsb_common.db import asyncpg_dsn, create_engine
from tzsb_common.embedded import EmbeddedPostgres, free_port
from tzsb_common.events import CloudEvent
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.outbox import Outbox, OutboxRelay
from tzsb_common.settings import REPO_ROOT, ServiceSettings

MIGRATIONS = REPO_ROOT / "services" / "registry" / "migrations"
TOPIC = "tzsb.registry.equipment"
TRANSACTIONS_PER_SECOND = 20
REQUIRED_RATE = 2_000.0
"""Events a second the outbox must sustain (and its clean-up delete) without growing."""

Emit = Callable[[str], None]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A migrated registry database on DATABASE_URL's server or on an embedded one."""
    server_url = os.environ.get("DATABASE_URL") or None
    home: Path | None = None
    postgres: EmbeddedPostgres | None = None
    if server_url is None:
        home = Path(tempfile.mkdtemp(prefix="tzsb-bench-outbox-"))
        home.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data directory
        postgres = EmbeddedPostgres(home / "pg", free_port())
        await asyncio.to_thread(postgres.start)
        server_url = postgres.url("postgres")
    name = f"bench_outbox_{uuid.uuid4().hex[:8]}"
    admin_dsn = asyncpg_dsn(server_url)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade_to_head(MIGRATIONS, url)
        yield url
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


@dataclass
class Figures:
    written: int = 0
    write_seconds: float = 0.0
    transaction_latencies: list[float] = field(default_factory=list)
    deleted_while_writing: int = 0
    max_rows: int = 0
    max_sent_age_s: float = 0.0
    ceiling_rows: int = 0
    errors: int = 0
    delete_statement_latencies: list[float] = field(default_factory=list)
    capacity_rows: int = 0
    capacity_seconds: float = 0.0


def _event(n: int, subjects: list[str]) -> CloudEvent:
    subject = subjects[n % len(subjects)]
    return CloudEvent(
        source="benchmark",
        type="tzsb.registry.equipment.updated.v1",
        subject=subject,
        data={
            "equipment_code": subject,
            "version": n,
            "category": "3000",
            "variety": "3110",
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
            "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
        },
    )


async def _write_at_rate(
    engine: AsyncEngine, settings: ServiceSettings, figures: Figures, *, seconds: float, rate: int
) -> None:
    writer = Outbox(outbox, settings)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    subjects = [f"3110{n:014d}" for n in range(5_000)]
    per_transaction = max(1, rate // TRANSACTIONS_PER_SECOND)
    interval = per_transaction / rate
    started = time.perf_counter()
    next_at = started
    n = 0
    while time.perf_counter() - started < seconds:
        events = [(_event(n + i, subjects), TOPIC) for i in range(per_transaction)]
        t0 = time.perf_counter()
        try:
            async with factory() as session:
                await writer.add_events(session, events)
                await session.commit()
        except Exception:
            figures.errors += 1
        else:
            figures.transaction_latencies.append(time.perf_counter() - t0)
            figures.written += per_transaction
        n += per_transaction
        next_at += interval
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -1.0:  # more than a second behind: never burst above the offered rate
            next_at = time.perf_counter()
    figures.write_seconds = time.perf_counter() - started


async def _mark_sent_like_the_relay(engine: AsyncEngine) -> None:
    """Stands in for publishing: rows become sent about 0.1 s after they are written."""
    claimable = select(outbox.c.id).where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    mark = (
        outbox.update()
        .where(outbox.c.id.in_(claimable.order_by(outbox.c.id).limit(10_000).scalar_subquery()))
        .values(sent_at=func.now())
    )
    while True:
        async with engine.begin() as conn:
            await conn.execute(mark)
        await asyncio.sleep(0.1)


async def _table_state(engine: AsyncEngine) -> tuple[int, int, float, int]:
    """(rows, unsent rows, age of the oldest sent row in s, table size in bytes)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE sent_at IS NULL),"
                    " coalesce(extract(epoch FROM now() - min(sent_at)), 0),"
                    " pg_total_relation_size('outbox') FROM outbox"
                )
            )
        ).one()
    return int(row[0]), int(row[1]), float(row[2]), int(row[3])


async def sustain(
    database_url: str,
    *,
    seconds: float,
    rate: int,
    retention_s: float,
    report_every_s: float,
    emit: Emit,
) -> Figures:
    settings = ServiceSettings(
        service_name="benchmark", database_url=database_url, database_pool_size=5, log_json=False
    )
    engine = create_engine(settings)
    relay = OutboxRelay(
        engine=engine, table=outbox, settings=settings, retention=timedelta(seconds=retention_s)
    )
    figures = Figures()
    interval = settings.outbox_cleanup_interval_s
    # Rows written in the last (retention + one clean-up interval + the stand-in's lag).
    figures.ceiling_rows = int(rate * (retention_s + interval + 0.5))
    emit(
        f"writing {rate:,} events/s for {seconds:.0f} s; retention {retention_s:.0f} s, "
        f"clean-up every {interval:.0f} s, {settings.outbox_cleanup_batch_size:,} rows a statement"
    )
    emit(f"expected ceiling: rate × (retention + interval + 0.5 s) = {figures.ceiling_rows:,} rows")
    emit(
        f"{'t (s)':>6} {'written':>10} {'rows':>8} {'unsent':>7} {'oldest sent (s)':>16} {'size MB':>8}"
    )
    background = [
        asyncio.create_task(_mark_sent_like_the_relay(engine)),
        asyncio.create_task(relay.keep_retention()),
    ]
    writing = asyncio.create_task(
        _write_at_rate(engine, settings, figures, seconds=seconds, rate=rate)
    )
    started = time.perf_counter()
    try:
        while not writing.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(writing), timeout=report_every_s)
            rows, unsent, oldest, size = await _table_state(engine)
            if time.perf_counter() - started > retention_s + interval:  # past the warm-up
                figures.max_rows = max(figures.max_rows, rows)
                figures.max_sent_age_s = max(figures.max_sent_age_s, oldest)
            emit(
                f"{time.perf_counter() - started:6.0f} {figures.written:10,} {rows:8,} "
                f"{unsent:7,} {oldest:16.1f} {size / 1e6:8.1f}"
            )
        await writing
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
    figures.deleted_while_writing = figures.written - (await _table_state(engine))[0]
    await _clean_up_capacity(engine, relay, figures, rows=max(100_000, rate * 50))
    await engine.dispose()
    return figures


async def _clean_up_capacity(
    engine: AsyncEngine, relay: OutboxRelay, figures: Figures, *, rows: int
) -> None:
    """One clean-up pass over a backlog of expired rows, timed statement by statement."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, event, sent_at)"
                " SELECT gen_random_uuid(), :topic, '3110' || lpad(g::text, 14, '0'),"
                " jsonb_build_object('n', g, 'attributes', jsonb_build_object('stops', 18)),"
                " now() - interval '1 day'"
                " FROM generate_series(1, :rows) AS g"
            ),
            {"topic": TOPIC, "rows": rows},
        )
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        deleted = await relay.delete_expired_sent_rows(max_statements=1)
        if deleted == 0:
            break
        figures.delete_statement_latencies.append(time.perf_counter() - t0)
        figures.capacity_rows += deleted
    figures.capacity_seconds = time.perf_counter() - started


def _rows(figures: Figures, rate: int, batch_size: int) -> list[dict[str, Any]]:
    write_rate = figures.written / figures.write_seconds if figures.write_seconds else 0.0
    capacity = figures.capacity_rows / figures.capacity_seconds if figures.capacity_seconds else 0.0
    writes = [s * 1000 for s in figures.transaction_latencies]
    deletes = [s * 1000 for s in figures.delete_statement_latencies]
    return [
        {
            "path": f"outbox write at {rate:,} events/s, retention running (100 per transaction)",
            "clients": 1,
            "rate": round(write_rate, 1),
            "unit": "events/s",
            "p50_ms": round(percentile(writes, 0.5), 2),
            "p99_ms": round(percentile(writes, 0.99), 2),
            "errors": figures.errors,
            "reference_rate": float(rate),
            "ratio": round(write_rate / rate, 3),
        },
        {
            "path": f"outbox clean-up of expired sent rows ({batch_size:,} per statement)",
            "clients": 1,
            "rate": round(capacity, 1),
            "unit": "rows/s",
            "p50_ms": round(percentile(deletes, 0.5), 2),
            "p99_ms": round(percentile(deletes, 0.99), 2),
            "errors": 0,
            "reference_rate": REQUIRED_RATE,
            "ratio": round(capacity / REQUIRED_RATE, 2),
        },
    ]


async def measure(
    seconds: float = 20.0, rate: int = int(REQUIRED_RATE), retention_s: float = 5.0
) -> list[dict[str, Any]]:
    """Figures for the `make bench` runner: the write path with retention running beside it,
    and the clean-up's capacity against the 2,000 events/s it must keep up with."""
    async with scratch_database() as url:
        figures = await sustain(
            url,
            seconds=seconds,
            rate=rate,
            retention_s=retention_s,
            report_every_s=max(seconds, 1.0),
            emit=lambda _: None,
        )
    return _rows(figures, rate, ServiceSettings().outbox_cleanup_batch_size)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long to write (300: five minutes)"
    )
    parser.add_argument("--rate", type=int, default=int(REQUIRED_RATE), help="events per second")
    parser.add_argument("--retention", type=float, default=10.0, help="retention of sent rows, s")
    parser.add_argument("--report-every", type=float, default=5.0, help="seconds between lines")
    args = parser.parse_args()
    async with scratch_database() as url:
        figures = await sustain(
            url,
            seconds=args.seconds,
            rate=args.rate,
            retention_s=args.retention,
            report_every_s=args.report_every,
            emit=print,
        )
    [write_row, clean_up_row] = _rows(
        figures, args.rate, ServiceSettings().outbox_cleanup_batch_size
    )
    print()
    print(
        f"written        {write_row['rate']:10,.0f} events/s  ({figures.written:,} events; "
        f"transaction p50 {write_row['p50_ms']} ms, p99 {write_row['p99_ms']} ms; "
        f"{figures.errors} errors)"
    )
    print(f"deleted        {figures.deleted_while_writing:10,} rows while writing")
    print(
        f"table          at most {figures.max_rows:,} rows after warm-up "
        f"(ceiling {figures.ceiling_rows:,}); oldest sent row at most "
        f"{figures.max_sent_age_s:.1f} s old (retention {args.retention:.0f} s)"
    )
    print(
        f"clean-up       {clean_up_row['rate']:10,.0f} rows/s  ({figures.capacity_rows:,} expired "
        f"rows; statement p50 {clean_up_row['p50_ms']} ms, p99 {clean_up_row['p99_ms']} ms; "
        f"{clean_up_row['ratio']}× the {REQUIRED_RATE:,.0f} events/s it must keep up with)"
    )


if __name__ == "__main__":
    asyncio.run(main())
