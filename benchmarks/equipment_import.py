"""The equipment import (registry.equipment_import) of a generated register, on this machine.

    uv run --frozen --all-packages python benchmarks/equipment_import.py [--rows 100000]

Uses DATABASE_URL (a server-level URL) when set, else starts an embedded PostgreSQL the way the
test plugin does (fsync off; `--fsync` keeps it on). A database of its own is created and
migrated by the registry's Alembic history, one use unit registered, and a CSV register of
`--rows` elevators and pressure vessels written with Chinese headers, a tenth of them refused
(an unknown variety, a latitude that is not a number). It is imported through the same code as
`tzsb import equipment FILE` — every row through the create schema and the registry's checks,
chunks written by the bulk-write primitive with one outbox event per record — and timed once
from reading the file to the last commit; then imported again (every row a replay). It prints;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from registry.equipment_import import command
from registry.organisations.rules import CREDIT_CODE_ALPHABET, credit_code_check_character
from registry.settings import RegistrySettings
from tzsb_common.db import asyncpg_dsn
from tzsb_common.embedded import EmbeddedPostgres, free_port
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import REPO_ROOT

MIGRATIONS = REPO_ROOT / "services" / "registry" / "migrations"
HEADERS = (
    "设备代码", "设备品种", "使用单位统一社会信用代码", "省", "市", "区县", "园区", "制造单位",
    "出厂编号", "制造日期", "投入使用日期", "设备地址", "纬度", "经度", "使用登记证编号",
    "额定载重量", "额定速度", "层站数", "安全状况等级",
)  # fmt: skip


def write_register(path: Path, rows: int, credit_code: str) -> None:
    rng = random.Random(20261125)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            vessel = n % 5 == 4
            variety = "2150" if vessel else "3110"
            if n % 10 == 3:
                variety = "3999"  # refused: not in the catalogue
            writer.writerow(
                (
                    f"{variety[:4]}{n:014d}",
                    variety,
                    credit_code,
                    "甘肃省",
                    "兰州市",
                    "兰州新区",
                    rng.choice(("中川园区", "秦川园区", "西岔园区")),
                    "兰州电梯制造有限公司",
                    f"F{n:08d}",
                    "2019/05/01",
                    "2020/01/15",
                    f"兰州新区纬一路 {n} 号",
                    "north" if n % 10 == 7 else f"{36 + rng.random():.6f}",
                    f"{103 + rng.random():.6f}",
                    f"梯11甘A{n:05d}(20)",
                    "" if vessel else "1000",
                    "" if vessel else "1.75",
                    "" if vessel else str(rng.randint(2, 33)),
                    "2" if vessel else "",
                )
            )


async def measure(server_url: str, rows: int) -> None:
    database = f"bench_import_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    await admin.execute(f'CREATE DATABASE "{database}"')
    url = server_url.rsplit("/", 1)[0] + f"/{database}"
    work = Path(tempfile.mkdtemp(prefix="tzsb-bench-import-"))
    try:
        upgrade_to_head(MIGRATIONS, url)
        body = "91620100" + "".join(random.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
        credit_code = body + credit_code_check_character(body)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        await conn.execute(
            "INSERT INTO organisations (id, credit_code, name, kind, province, city, district) "
            "VALUES ($1, $2, '兰州新区基准测试使用单位', 'use_unit', '甘肃省', '兰州市', '兰州新区')",
            uuid.uuid4(),
            credit_code,
        )
        await conn.close()
        register = work / "register.csv"
        write_register(register, rows, credit_code)
        settings = RegistrySettings(database_url=url, database_statement_timeout_s=60)
        for label in ("first import", "again (replays)"):
            started = time.perf_counter()
            report = await command.run(settings, register)
            elapsed = time.perf_counter() - started
            print(
                f"{label:16} {report.rows:>7,} rows in {elapsed:6.1f} s "
                f"({report.rows / elapsed:,.0f} rows/s): {report.imported:,} imported "
                f"({report.replayed:,} replayed), {len(report.refused):,} refused"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def _main(rows: int, fsync: bool) -> None:
    given = os.environ.get("DATABASE_URL")
    if given:
        await measure(given, rows)
        return
    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-import-pg-"))
    base.chmod(0o755)
    postgres = EmbeddedPostgres(base / "pg", free_port(), fast=not fsync)
    try:
        await asyncio.to_thread(postgres.start)
        await measure(postgres.url("postgres"), rows)
    finally:
        await asyncio.to_thread(postgres.stop)
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--rows", type=int, default=100_000)
    cli.add_argument("--fsync", action="store_true", help="keep fsync on (embedded server)")
    args = cli.parse_args()
    print(f"equipment import of a generated CSV register, {os.cpu_count()} cores")
    asyncio.run(_main(args.rows, args.fsync))


if __name__ == "__main__":
    main()
