"""Figures for fill ingestion (POST /api/v1/fills) beside raw COPY of the same rows.

    uv run --frozen --all-packages python benchmarks/fill_ingest.py

Starts an embedded PostgreSQL (fsync off, as the test plugin does), migrates a cylinder-trace
database, seeds a station with its licence, a filler and 1,000 cylinders, and runs the service
under uvicorn in a process of its own (one worker, background workers off: the outbox rows are
written, not published). The load comes from this process with httpx, request bodies built
beforehand, so the client costs little beside the server. Rows:

  fills batch (1,000 a request)   requests of 1,000 fills, every one new; rate in fills/s
  fills batch replay              the same requests again: every fill a duplicate
  fills single                    one fill a request; rate in requests/s
  raw COPY (reference)            asyncpg COPY of the same rows into the partitioned fill table,
                                  1,000 a transaction, no HTTP, keys, rules or events: the floor
                                  a batch is compared with (ratio = rate / reference)

It prints; it asserts nothing. The service shares the 2 cores with PostgreSQL and the client.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from cylinder_trace.fills.tables import FILL_COLUMNS
from tzsb_common.auth import CallerKind
from tzsb_common.db import asyncpg_dsn
from tzsb_common.embedded import EmbeddedPostgres, free_port
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.signing import SigningKey

MIGRATIONS = Path(__file__).resolve().parents[1] / "services/cylinder-trace/migrations"
BATCH = 1_000
BATCH_REQUESTS = 30
SINGLE_REQUESTS = 600
CLIENTS = 2
CYLINDERS = 1_000


def fill_body(code: str, certificate: str, fill_id: str, at: datetime) -> dict[str, Any]:
    return {
        "fill_id": fill_id,
        "cylinder_code": code,
        "filler_certificate": certificate,
        "medium": "LPG",
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=3)).isoformat(),
        "prefill_checks": {
            "appearance": True,
            "residual_pressure": True,
            "valve": True,
            "inspection_mark": True,
            "medium_marking": True,
        },
        "postfill_checks": {"leak": True, "mass_or_pressure": True, "temperature": True},
        "filled_mass_kg": 14.2,
    }


async def seed(dsn: str, station: uuid.UUID, certificate: str) -> list[str]:
    today = date.today()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO stations (organisation_id, name, version) VALUES ($1, 'bench', 1)",
            station,
        )
        await conn.execute(
            "INSERT INTO filling_licences (licence_id, organisation_id, number, scope, "
            "valid_from, valid_to, status, version) "
            "VALUES ($1, $2, 'TS-BENCH', '{LPG}', $3, $4, 'active', 1)",
            uuid.uuid4(),
            station,
            today - timedelta(days=700),
            today + timedelta(days=700),
        )
        await conn.execute(
            "INSERT INTO certificates (number, holder_name, item, employer_id, valid_from, "
            "valid_to, version) VALUES ($1, 'bench', 'P', $2, $3, $4, 1)",
            certificate,
            station,
            today - timedelta(days=700),
            today + timedelta(days=700),
        )
        codes = [f"GSBENCH{n:06d}" for n in range(CYLINDERS)]
        await conn.executemany(
            "INSERT INTO cylinders (cylinder_code, manufacturer, factory_number, medium, "
            "nominal_pressure_mpa, water_volume_l, permitted_fill_kg, manufactured_on, "
            "design_life_years, next_inspection_on, owner_id, status, registered_by) "
            "VALUES ($1, 'bench', $1, 'LPG', 2.1, 35.5, 14.5, $2, 8, $3, $4, 'in_use', $4)",
            [(c, today - timedelta(days=400), today + timedelta(days=700), station) for c in codes],
        )
        return codes
    finally:
        await conn.close()


def start_service(dsn: str, key: SigningKey, state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "JWKS_JSON": json.dumps(key.public_jwks()),
        "RUN_BACKGROUND_WORKERS": "false",
        "STATE_DIR": str(state),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cylinder_trace.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return process, base


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def post_all(
    base: str, token: str, bodies: Sequence[bytes], items_per_body: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    statuses: dict[str, int] = {}
    queue = list(bodies)

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                answer = await http.post("/api/v1/fills", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors += 1
                    continue
                for result in answer.json()["results"]:
                    statuses[result["status"]] = statuses.get(result["status"], 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    return {
        "rate": len(bodies) * items_per_body / elapsed,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "errors": errors,
        "statuses": statuses,
    }


async def raw_copy(dsn: str, rows_per_batch: list[list[tuple[Any, ...]]]) -> float:
    conn = await asyncpg.connect(dsn)
    columns = list(FILL_COLUMNS)
    try:
        started = time.perf_counter()
        for rows in rows_per_batch:
            async with conn.transaction():
                await conn.copy_records_to_table("fills", columns=columns, records=rows)
        return sum(len(r) for r in rows_per_batch) / (time.perf_counter() - started)
    finally:
        await conn.close()


def batches(
    codes: Sequence[str], certificate: str, prefix: str, count: int, size: int
) -> list[bytes]:
    at = datetime.now(UTC) - timedelta(hours=2)
    bodies = []
    for b in range(count):
        fills = [
            fill_body(codes[(b * size + n) % len(codes)], certificate, f"{prefix}-{b}-{n}", at)
            for n in range(size)
        ]
        bodies.append(json.dumps({"fills": fills} if size > 1 else fills[0]).encode())
    return bodies


async def measure(server_dsn: str, base_dir: Path) -> list[dict[str, Any]]:
    admin = await asyncpg.connect(server_dsn)
    name = f"bench_fills_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = server_dsn.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, dsn)
    station, certificate = uuid.uuid4(), "P-BENCH-0001"
    codes = await seed(asyncpg_dsn(dsn), station, certificate)
    key = SigningKey.generate()
    token = key.issue(
        subject="bench-station",
        organisation_id=station,
        kind=CallerKind.filling_station,
        scopes=(),
        issuer="tzsb-registry",
        audience="tzsb",
        ttl=timedelta(hours=1),
    )
    process, base = start_service(dsn, key, base_dir / "state")
    try:
        warm = batches(codes, certificate, "warm", 3, BATCH)
        await post_all(base, token, warm, BATCH)
        batch_bodies = batches(codes, certificate, "batch", BATCH_REQUESTS, BATCH)
        batch = await post_all(base, token, batch_bodies, BATCH)
        replay = await post_all(base, token, batch_bodies, BATCH)
        single = await post_all(
            base, token, batches(codes, certificate, "single", SINGLE_REQUESTS, 1), 1
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    at = datetime.now(UTC) - timedelta(hours=1)
    reference_rows = [
        [
            (
                station,
                f"ref-{b}-{n}",
                codes[n],
                certificate,
                "LPG",
                at,
                at,
                True,
                True,
                True,
                True,
                True,
                True,
                True,
                True,
                14.2,
                None,
                "accepted",
                [],
            )
            for n in range(BATCH)
        ]
        for b in range(BATCH_REQUESTS)
    ]
    reference = await raw_copy(asyncpg_dsn(dsn), reference_rows)
    return [
        {"path": "fills batch (1,000 a request)", "unit": "fills/s", **batch,
         "reference": reference},
        {"path": "fills batch replay", "unit": "fills/s", **replay, "reference": reference},
        {"path": "fills single", "unit": "req/s", **single, "reference": None},
        {"path": "raw COPY (reference)", "unit": "rows/s", "rate": reference, "p50_ms": 0.0,
         "p99_ms": 0.0, "errors": 0, "statuses": {}, "reference": reference},
    ]  # fmt: skip


def print_rows(rows: Sequence[dict[str, Any]]) -> None:
    print(
        f"{'path':<32} {'rate':>10} {'unit':<8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'ratio':>6}  answers"
    )
    for row in rows:
        ratio = f"{row['rate'] / row['reference']:>6.2f}" if row["reference"] else f"{'':>6}"
        print(
            f"{row['path']:<32} {row['rate']:>10,.0f} {row['unit']:<8} {row['p50_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['errors']:>6} {ratio}  {row['statuses']}"
        )


async def _main() -> None:
    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-fills-"))
    base.chmod(0o755)
    given = os.environ.get("DATABASE_URL")
    postgres = None if given else EmbeddedPostgres(base / "pg", free_port(), fast=True)
    try:
        if postgres is not None:
            await asyncio.to_thread(postgres.start)
        print_rows(await measure(given or postgres.url("postgres"), base))  # type: ignore[union-attr]
    finally:
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    print(f"fill ingestion, {CLIENTS} clients, {os.cpu_count()} cores")
    asyncio.run(_main())


if __name__ == "__main__":
    main()
