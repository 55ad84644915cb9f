"""What the ingestion rows of `make bench` share: a posting organisation with a token of its own,
and the bare reference server (ingestion_reference_app) on a database of the service's schema."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx

BENCH_DIR = Path(__file__).resolve().parent


def organisation_with_token(
    registry_url: str, bureau_token: str, *, credit_code: str, kind: str, name: str
) -> tuple[str, str]:
    """An organisation of `kind` registered in the registry, and a token of its own client."""
    bureau = {"Authorization": f"Bearer {bureau_token}"}
    organisation = httpx.post(
        f"{registry_url}/api/v1/organisations",
        headers=bureau,
        json={
            "credit_code": credit_code,
            "name": f"{name} {uuid.uuid4().hex[:8]}",
            "kind": kind,
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        },
        timeout=30,
    )
    organisation.raise_for_status()
    organisation_id: str = organisation.json()["id"]
    client = httpx.post(
        f"{registry_url}/api/v1/organisations/{organisation_id}/clients",
        headers=bureau,
        json={"name": "bench terminals"},
        timeout=30,
    )
    client.raise_for_status()
    credentials = client.json()
    token = httpx.post(
        f"{registry_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
        timeout=30,
    )
    token.raise_for_status()
    return organisation_id, token.json()["access_token"]


async def settled(service_database_url: str, *, timeout_s: float = 120.0) -> float:
    """Wait until the service's outbox holds no event still to publish, no autovacuum worker is
    running, and the dirty pages are written (a checkpoint), and a moment more for the consumers
    downstream: each row, ours or a reference's, starts on a quiet server instead of paying for
    the row before it — the events it still publishes and consumes, the vacuum of the 1.6
    million rows a COPY reference wrote, their pages still to flush. Returns the seconds
    waited."""
    started = time.monotonic()
    conn = await asyncpg.connect(service_database_url)
    try:
        while time.monotonic() - started < timeout_s:
            waiting = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
            )
            vacuuming = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            if waiting == 0 and vacuuming == 0:
                break
            await asyncio.sleep(0.25)
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    await asyncio.sleep(2)
    return time.monotonic() - started


@contextlib.contextmanager
def reference_server(database_variable: str, url: str) -> Iterator[str]:
    """ingestion_reference_app under uvicorn, its route's database in `database_variable`."""
    from bench import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ingestion_reference_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env={**os.environ, database_variable: url, "PYTHONPATH": str(BENCH_DIR)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def single_row(label: str, clients: int, ours: Any, theirs: Any) -> dict[str, Any]:
    """A row of one item per request: the service's wrk figures beside the reference's."""
    return {
        "path": label,
        "clients": clients,
        "rate": ours.rate,
        "p50_ms": ours.p50_ms,
        "p99_ms": ours.p99_ms,
        "errors": ours.errors,
        "timeouts": ours.timeouts,
        "reference_rate": theirs.rate,
        "reference_p99_ms": theirs.p99_ms,
        "note": "reference: Starlette + asyncpg, key and row in one statement",
    }


def batch_row(
    label: str, clients: int, batch: Any, rows_per_request: int, raw_copy: float
) -> dict[str, Any]:
    """A row of batches, in rows/s, beside raw COPY of the same rows."""
    return {
        "path": label,
        "clients": clients,
        "rate": batch.rate * rows_per_request,
        "unit": "rows/s",
        "p50_ms": batch.p50_ms,
        "p99_ms": batch.p99_ms,
        "errors": batch.errors,
        "timeouts": batch.timeouts,
        "reference_rate": raw_copy,
        "note": "reference: asyncpg copy_records_to_table, 1,000 rows a call",
    }
