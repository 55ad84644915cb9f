"""The due scan over a million pieces of equipment, on this machine.

    uv run --frozen --all-packages python benchmarks/due_scan.py
    uv run --frozen --all-packages python benchmarks/due_scan.py --equipment 200000

Seeds the inspection service's replica and due schedule with `--equipment` records (default
1,000,000; set-based, a few seconds) — due dates spread evenly from a month before the scan
date to three years after it, 2 % long overdue, 2 % suspended — and times three passes of the
real due rule (`inspection.main.deadline_scanner`), each one transaction:

- the first pass ever, for 2026-06-29: every stage in effect fires at once (reminders for two
  months of due dates, the month's warnings, every overdue one), with its events, hazards and
  drafted orders;
- the next day's pass, 2026-06-30 (a day's reminders and overdue);
- 2026-07-01, a first of the month: a whole month's warnings;
- 2030-01-01, when every piece of equipment in use is overdue: the upper bound, a stage, an
  event, a hazard and an order for each of them in one transaction.

The requirement is a pass over 1,000,000 records in under 30 s. PostgreSQL comes from
DATABASE_URL (a server-level URL; a scratch database is created and dropped on it) or is
started embedded, as `make up` runs it. It prints figures and asserts nothing; `measure()`
returns them as rows for the `make bench` runner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from inspection.due.queries import RULE_NAME as DUE_RULE
from inspection.main import deadline_scanner
from inspection.settings import InspectionSettings
from tzsb_common.db import asyncpg_dsn
from tzsb_common.embedded import EmbeddedPostgres, free_port
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.pg import Database, create_pool
from tzsb_common.settings import REPO_ROOT

MIGRATIONS = REPO_ROOT / "services" / "inspection" / "migrations"
REQUIRED_SECONDS = 30.0
"""A pass over a million pieces of equipment must take less than this (issue 9)."""
DEFAULT_EQUIPMENT = 1_000_000
FIRST_DAY = date(2026, 6, 29)
PASSES = (
    ("first pass ever", FIRST_DAY),
    ("next day", date(2026, 6, 30)),
    ("first of the month", date(2026, 7, 1)),
    # Not a day that happens: every piece of equipment in use overdue at once, so the pass
    # writes a ledger row, an event, a hazard and an order for each (the upper bound).
    ("all overdue at once", date(2030, 1, 1)),
)

_SEED_EQUIPMENT = """
    INSERT INTO equipment (equipment_code, category, variety, status, use_unit_id, province,
                           city, district, park, commissioned_on, version)
    SELECT lpad(g::text, 18, '0'), '3000', '3110',
           CASE WHEN g % 50 = 7 THEN 'suspended' ELSE 'in_use' END,
           ('00000000-0000-4000-8000-' || lpad((g % 20000)::text, 12, '0'))::uuid,
           '甘肃省', '兰州市', '兰州新区', '中川园区', date '2010-01-01' + (g % 4000), 1
    FROM generate_series(1, $1) AS g
"""
_SEED_SCHEDULE = """
    INSERT INTO due_schedule (equipment_code, due_on, due_kind, valid)
    SELECT lpad(g::text, 18, '0'),
           CASE WHEN g % 50 = 1 THEN $2::date - 400 + (g % 300)
                ELSE $2::date - 30 + (g % 1125) END,
           'periodic', g % 50 <> 1
    FROM generate_series(1, $1) AS g
"""


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A migrated inspection database on DATABASE_URL's server or on an embedded one."""
    server_url = os.environ.get("DATABASE_URL") or None
    home: Path | None = None
    postgres: EmbeddedPostgres | None = None
    if server_url is None:
        home = Path(tempfile.mkdtemp(prefix="tzsb-bench-due-"))
        home.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data directory
        postgres = EmbeddedPostgres(home / "pg", free_port())
        await asyncio.to_thread(postgres.start)
        server_url = postgres.url("postgres")
    name = f"bench_due_scan_{uuid.uuid4().hex[:8]}"
    admin_dsn = asyncpg_dsn(server_url)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
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


async def seed(database_url: str, equipment: int) -> float:
    """Fill the replica and the due schedule; returns the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(_SEED_EQUIPMENT, equipment)
        await conn.execute(_SEED_SCHEDULE, equipment, FIRST_DAY)
        await conn.execute("VACUUM ANALYZE equipment")
        await conn.execute("VACUUM ANALYZE due_schedule")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def run_passes(
    database_url: str, equipment: int, *, emit: Callable[[str], None] = lambda _: None
) -> list[dict[str, Any]]:
    """Migrate, seed, then time each pass; returns one result per pass."""
    upgrade_to_head(MIGRATIONS, database_url)
    seeded = await seed(database_url, equipment)
    emit(f"seeded {equipment:,} equipment and due dates in {seeded:.1f} s")
    settings = InspectionSettings(
        database_url=database_url, database_pool_size=2, log_json=False, log_level="WARNING"
    )
    scanner = deadline_scanner(settings)
    pool = await create_pool(settings)
    database = Database(pool, acquire_timeout_s=10)
    results = []
    try:
        for label, as_of in PASSES:
            started = time.perf_counter()
            # The whole pass, as the service runs it; the figures are the due rule's (the
            # hazard-deadline and seal rules find nothing here).
            passes = await scanner.run_pass(database, as_of=as_of)
            [outcome] = [p for p in passes if p.rule == DUE_RULE]
            seconds = time.perf_counter() - started
            results.append({"label": label, "as_of": as_of, "seconds": seconds, **outcome.counts})
            emit(
                f"{label:<20} as_of {as_of}  {seconds:6.2f} s  "
                f"({equipment / seconds:,.0f} equipment/s; fired {outcome.counts['reminder']:,} "
                f"reminders, {outcome.counts['warning']:,} warnings, "
                f"{outcome.counts['overdue']:,} overdue; requirement < {REQUIRED_SECONDS:.0f} s)"
            )
    finally:
        await pool.close()
    return results


def _rows(results: list[dict[str, Any]], equipment: int) -> list[dict[str, Any]]:
    return [
        {
            "path": f"due scan over {equipment:,} equipment: {r['label']}",
            "clients": 1,
            "rate": round(equipment / r["seconds"], 1),
            "unit": "equip/s",
            "p50_ms": round(r["seconds"] * 1000, 1),
            "p99_ms": round(r["seconds"] * 1000, 1),
            "errors": 0,
            "reference_rate": equipment / REQUIRED_SECONDS,
            "note": f"fired {r['reminder']:,}/{r['warning']:,}/{r['overdue']:,} "
            "reminder/warning/overdue; reference: the 30 s requirement",
        }
        for r in results
    ]


async def measure(database_url: str, equipment: int = DEFAULT_EQUIPMENT) -> list[dict[str, Any]]:
    """Rows for the `make bench` runner, in the (empty) database at `database_url`."""
    return _rows(await run_passes(database_url, equipment), equipment)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equipment", type=int, default=DEFAULT_EQUIPMENT)
    args = parser.parse_args()
    async with scratch_database() as url:
        await run_passes(url, args.equipment, emit=print)


if __name__ == "__main__":
    asyncio.run(main())
