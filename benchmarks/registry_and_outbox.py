"""Figures for the registry's write path and the outbox relay, on this machine.

    make benchmark          (or: uv run python benchmarks/registry_and_outbox.py)

Starts its own embedded PostgreSQL and Kafka (like the tests), then measures:
  1. outbox writes: events added through `Outbox.add`, 1,000 per transaction;
  2. the relay: how fast one relay publishes that backlog with acks=all;
  3. HTTP: `POST /api/v1/equipment` (row + outbox event per request) and `GET` of one record,
     against a real uvicorn process, from concurrent httpx clients.
It prints figures; it asserts nothing. PostgreSQL, Kafka, the service and the load generator
share the machine's cores, as they do under `make up`.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from registry.db import load_metadata, outbox
from registry.settings import RegistrySettings
from tzsb_common.auth import CallerKind
from tzsb_common.contracts import ALL_TOPICS
from tzsb_common.db import asyncpg_dsn, create_engine
from tzsb_common.embedded import free_port
from tzsb_common.events import CloudEvent
from tzsb_common.kafka import ensure_topics
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.outbox import Outbox, OutboxRelay
from tzsb_common.settings import REPO_ROOT
from tzsb_common.signing import SigningKey
from tzsb_common.testing.infra import start_test_infra

OUTBOX_EVENTS = 20_000
HTTP_SECONDS = 10.0
HTTP_CONCURRENCY = 16


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_outbox(settings: RegistrySettings) -> None:
    engine = create_engine(settings)
    writer = Outbox(outbox, settings)
    factory = async_sessionmaker(engine)
    subjects = [f"3110{n:014d}" for n in range(2_000)]
    started = time.perf_counter()
    for start in range(0, OUTBOX_EVENTS, 1_000):
        async with factory() as session:
            for n in range(start, start + 1_000):
                event = CloudEvent(
                    source="benchmark",
                    type="tzsb.benchmark.v1",
                    subject=subjects[n % len(subjects)],
                    data={"n": n},
                )
                await writer.add_event(session, event, topic="tzsb.registry.equipment")
            await session.commit()
    written = time.perf_counter() - started
    relay = OutboxRelay(engine=engine, table=outbox, settings=settings)
    started = time.perf_counter()
    published = await relay.publish_pending()
    relayed = time.perf_counter() - started
    await relay._drop_producer()
    await engine.dispose()
    print(f"outbox add     {OUTBOX_EVENTS / written:10,.0f} events/s  ({OUTBOX_EVENTS} events)")
    print(f"relay publish  {published / relayed:10,.0f} events/s  (acks=all, {published} events)")


async def create_use_unit(database_url: str) -> uuid.UUID:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        unit = uuid.uuid4()
        await conn.execute(
            "INSERT INTO organisations (id, name, kind) VALUES ($1, 'benchmark unit', 'use_unit')",
            unit,
        )
        return unit
    finally:
        await conn.close()


async def bench_http(base_url: str, token: str, use_unit: uuid.UUID) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    codes: list[str] = []

    async def worker(client: httpx.AsyncClient, deadline: float, latencies: list[float]) -> None:
        while time.perf_counter() < deadline:
            code = f"3110{random.randrange(10**14):014d}"
            body = {
                "equipment_code": code,
                "category": "3000",
                "variety": "3110",
                "use_unit_id": str(use_unit),
                "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
                "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
            }
            t0 = time.perf_counter()
            response = await client.post("/api/v1/equipment", json=body, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code == 201:
                codes.append(code)

    async def reader(client: httpx.AsyncClient, deadline: float, latencies: list[float]) -> None:
        while time.perf_counter() < deadline:
            code = random.choice(codes)
            t0 = time.perf_counter()
            await client.get(f"/api/v1/equipment/{code}", headers=headers)
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=HTTP_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for name, task in (("POST equipment", worker), ("GET equipment ", reader)):
            latencies: list[float] = []
            deadline = time.perf_counter() + HTTP_SECONDS
            started = time.perf_counter()
            await asyncio.gather(
                *(task(client, deadline, latencies) for _ in range(HTTP_CONCURRENCY))
            )
            elapsed = time.perf_counter() - started
            print(
                f"{name} {len(latencies) / elapsed:10,.0f} req/s  "
                f"p50 {statistics.median(latencies) * 1000:.1f} ms  "
                f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms  "
                f"({HTTP_CONCURRENCY} concurrent clients)"
            )


async def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-"))
    base.chmod(0o755)
    infra = start_test_infra(base)
    service: subprocess.Popen[bytes] | None = None
    try:
        admin = await asyncpg.connect(asyncpg_dsn(infra.admin_database_url))
        await admin.execute("CREATE DATABASE bench_registry")
        await admin.close()
        database_url = infra.admin_database_url.rsplit("/", 1)[0] + "/bench_registry"
        load_metadata()
        upgrade_to_head(REPO_ROOT / "services" / "registry" / "migrations", database_url)
        await ensure_topics(infra.kafka_bootstrap_servers, ALL_TOPICS, partitions=6)
        key = SigningKey.generate()
        settings = RegistrySettings(
            database_url=database_url,
            kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
            kafka_idempotence=infra.kafka_idempotence,
            signing_key_pem=key.to_pem().decode(),
        )
        await bench_outbox(settings)

        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
            "KAFKA_IDEMPOTENCE": str(infra.kafka_idempotence).lower(),
            "SIGNING_KEY_PEM": key.to_pem().decode(),
            "STATE_DIR": str(base / "state"),
            "LOG_LEVEL": "WARNING",
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "registry.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as probe:
            for _ in range(300):
                try:
                    if (await probe.get(f"{base_url}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        token = key.issue(
            subject="benchmark", organisation_id=uuid.uuid4(), kind=CallerKind.bureau, scopes=(),
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl=timedelta(hours=1),
        )  # fmt: skip
        await bench_http(base_url, token, await create_use_unit(database_url))
    finally:
        if service is not None:
            service.terminate()
            service.wait(timeout=30)
        infra.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    print(f"tzsb benchmark on {os.cpu_count()} cores")
    asyncio.run(main())
