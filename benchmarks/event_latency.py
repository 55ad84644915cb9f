"""End-to-end event latency: a write to the registry → applied by a consumer of another service.

    uv run --frozen --all-packages python benchmarks/event_latency.py [--rate 500] [--seconds 20]

What it runs, all on this machine (so the figures include the cores they share):
  - the registry as a real uvicorn process with its outbox relay, on its own database;
  - a consuming "service" in a process of its own: the shared `ConsumerLoop` (consumer group,
    inbox, manual offset commit after the database commit) applying `tzsb.registry.equipment`
    into a replica table of a second database, stamping `applied_at`;
  - an open-loop load generator: `POST /api/v1/equipment` at a fixed rate (each write one row
    and one outbox event), whatever the answers' pace.

Latency = applied_at − written_at, where written_at is the event's `time`, stamped inside the
writing transaction just before it commits, and applied_at is `clock_timestamp()` inside the
applying transaction just before it commits; both stamps sit a few milliseconds before their
commits, so their difference is the commit-to-commit latency within that error. Target: p99 ≤ 1 s.

PostgreSQL and Kafka: the embedded servers (as in the tests), or DATABASE_URL (server level:
two databases are created on it) and KAFKA_BOOTSTRAP_SERVERS. It prints figures and asserts
nothing; `measure()` returns them as rows for other scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.settings import RegistrySettings
from tzsb_common.auth import CallerKind
from tzsb_common.consumer import ConsumerLoop, ConsumerSpec, add_inbox_table
from tzsb_common.contracts import ALL_TOPICS
from tzsb_common.contracts.registry import EQUIPMENT_TOPIC
from tzsb_common.db import async_url, asyncpg_dsn, create_engine, create_session_factory
from tzsb_common.embedded import free_port
from tzsb_common.events import CloudEvent, dlq_topic
from tzsb_common.kafka import delete_topics, ensure_topics
from tzsb_common.logging import configure_logging
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import REPO_ROOT, ServiceSettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing.infra import TestInfra, start_test_infra

TARGET_P99_MS = 1000.0
DEFAULT_RATE = 500.0
DEFAULT_SECONDS = 20.0
DEFAULT_CLIENTS = 64
DRAIN_TIMEOUT_S = 60.0

replica_metadata = MetaData()
replica_inbox = add_inbox_table(replica_metadata)
equipment_replica = Table(
    "equipment_replica",
    replica_metadata,
    Column("equipment_code", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


async def apply_equipment(session: AsyncSession, event: CloudEvent) -> None:
    """The consuming service's handler: keep the newest snapshot, stamp when it was applied."""
    snapshot = event.data["equipment"]
    statement = insert(equipment_replica).values(
        equipment_code=event.subject,
        version=snapshot["version"],
        written_at=event.time,
        applied_at=func.clock_timestamp(),
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[equipment_replica.c.equipment_code],
            set_={
                "version": statement.excluded.version,
                "written_at": statement.excluded.written_at,
                "applied_at": statement.excluded.applied_at,
            },
            where=equipment_replica.c.version < statement.excluded.version,
        )
    )


async def _consume_forever(settings: ServiceSettings) -> None:
    engine = create_engine(settings)
    loop = ConsumerLoop(
        spec=ConsumerSpec("equipment-replica", [EQUIPMENT_TOPIC], apply_equipment),
        settings=settings,
        session_factory=create_session_factory(engine),
        inbox=replica_inbox,
    )
    try:
        await loop.run()
    finally:
        await engine.dispose()


def run_replica_consumer(settings_values: dict[str, Any]) -> None:
    """The consuming service, in a process of its own (as it runs in production)."""
    settings = ServiceSettings(**settings_values)
    configure_logging(service=settings.service_name, level="WARNING", json=False)
    asyncio.run(_consume_forever(settings))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- infrastructure ----------------------------------------------------------------------------


@contextlib.contextmanager
def infrastructure() -> Iterator[TestInfra]:
    """DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS where given, else the embedded servers."""
    given = {
        "TZSB_TEST_DATABASE_URL": os.environ.get("DATABASE_URL"),
        "TZSB_TEST_KAFKA": os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
    }
    for name, value in given.items():
        if value:
            os.environ.setdefault(name, value)
    base = Path(tempfile.mkdtemp(prefix="tzsb-latency-"))
    base.chmod(0o755)
    infra = start_test_infra(base)
    try:
        yield infra
    finally:
        infra.close()
        shutil.rmtree(base, ignore_errors=True)


async def create_database(admin_url: str, name: str) -> str:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return async_url(admin_url.rsplit("/", 1)[0] + f"/{name}")


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def registry_process(
    infra: TestInfra, database_url: str, key: SigningKey, state_dir: Path, *, topic_prefix: str
) -> AsyncIterator[str]:
    """The registry as `make up` runs it (uvicorn, relay in-process); yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "KAFKA_IDEMPOTENCE": str(infra.kafka_idempotence).lower(),
        "SIGNING_KEY_PEM": key.to_pem().decode(),
        "STATE_DIR": str(state_dir),
        "LOG_LEVEL": "WARNING",
        # Sent rows kept (they are deleted at sending by default): `relay_latencies` reads them.
        "OUTBOX_RETENTION_HOURS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "registry.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get(f"{base_url}/readyz")).status_code == 200:
                        break
                if process.poll() is not None:
                    raise RuntimeError(f"the registry exited with code {process.returncode}")
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the registry did not become ready")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def create_use_unit(database_url: str) -> uuid.UUID:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        unit = uuid.uuid4()
        await conn.execute(
            "INSERT INTO organisations (id, name, kind) VALUES ($1, 'latency unit', 'use_unit')",
            unit,
        )
        return unit
    finally:
        await conn.close()


# -- load --------------------------------------------------------------------------------------


class _KeepAliveConnection:
    """One HTTP/1.1 keep-alive connection speaking just enough HTTP for these POSTs.

    The load generator shares the two cores with the registry, the relay, the consumer,
    PostgreSQL and Kafka; httpx costs about a millisecond of CPU per request here, which at
    500 writes/s is half a core taken from what is measured. A request written as prepared bytes
    and an answer read by its Content-Length cost a small fraction of that.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> _KeepAliveConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def _post_request(host: str, token: str, body: bytes) -> bytes:
    return (
        b"POST /api/v1/equipment HTTP/1.1\r\nHost: " + host.encode()
        + b"\r\nAuthorization: Bearer " + token.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


async def offer_writes(
    base_url: str,
    token: str,
    use_unit: uuid.UUID,
    *,
    rate: float,
    seconds: float,
    clients: int,
) -> tuple[list[str], list[float], Counter[str], float]:
    """Open loop: request n starts at n / rate, with at most `clients` in flight.

    Returns the accepted equipment codes, the answers' latencies, the failures (by status or
    error) and the time the load took.
    """
    address = httpx.URL(base_url)
    host, port = address.host, address.port or 80
    accepted: list[str] = []
    answer_latencies: list[float] = []
    failures: Counter[str] = Counter()
    total = int(rate * seconds)
    idle: asyncio.Queue[_KeepAliveConnection] = asyncio.Queue()
    for _ in range(clients):
        idle.put_nowait(await _KeepAliveConnection.open(host, port))
    template = json.dumps(
        {
            "equipment_code": "CODE",
            "category": "3000",
            "variety": "3110",
            "use_unit_id": str(use_unit),
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
            "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
        },
        ensure_ascii=False,
    ).encode()

    async def write(connection: _KeepAliveConnection) -> None:
        code = f"3110{random.randrange(10**14):014d}"
        request = _post_request(f"{host}:{port}", token, template.replace(b"CODE", code.encode()))
        try:
            started = time.perf_counter()
            status = await connection.post(request)
            answer_latencies.append(time.perf_counter() - started)
            if status == 201:
                accepted.append(code)
            else:
                failures[str(status)] += 1
        except (OSError, ValueError, asyncio.IncompleteReadError) as error:
            failures[type(error).__name__] += 1
            connection.close()
            connection = await _KeepAliveConnection.open(host, port)
        idle.put_nowait(connection)

    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        connection = await idle.get()
        if time.perf_counter() - started > seconds:
            # The service fell behind and every client waits on it: stop offering at the
            # end of the window instead of stretching it (the rate achieved says so).
            idle.put_nowait(connection)
            break
        tasks.append(asyncio.create_task(write(connection)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not idle.empty():
        idle.get_nowait().close()
    return accepted, answer_latencies, failures, elapsed


async def wait_until_applied(replica_url: str, expected: set[str], timeout_s: float) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(replica_url))
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            count = await conn.fetchval(
                "SELECT count(*) FROM equipment_replica WHERE equipment_code = ANY($1::text[])",
                list(expected),
            )
            if count >= len(expected):
                return
            await asyncio.sleep(0.25)
    finally:
        await conn.close()


async def applied_latencies(replica_url: str, accepted: list[str]) -> tuple[list[float], float]:
    """Latency of each applied write (ms), and the applied rate over the run (events/s)."""
    conn = await asyncpg.connect(asyncpg_dsn(replica_url))
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM applied_at - written_at) * 1000 AS latency_ms,"
            " written_at, applied_at FROM equipment_replica"
            " WHERE equipment_code = ANY($1::text[])",
            accepted,
        )
    finally:
        await conn.close()
    if not rows:
        return [], 0.0
    span = max(r["applied_at"] for r in rows) - min(r["written_at"] for r in rows)
    return [float(r["latency_ms"]) for r in rows], len(rows) / max(span.total_seconds(), 1e-9)


async def relay_latencies(registry_url: str, accepted: list[str]) -> list[float]:
    """Per write, ms from the event's time to the relay's claim of its outbox row (`sent_at` is
    the start of the transaction that published it)."""
    conn = await asyncpg.connect(asyncpg_dsn(registry_url))
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM sent_at - (event->>'time')::timestamptz) * 1000 AS ms"
            " FROM outbox WHERE key = ANY($1::text[]) AND sent_at IS NOT NULL",
            accepted,
        )
    finally:
        await conn.close()
    return [float(r["ms"]) for r in rows]


# -- the measurement ---------------------------------------------------------------------------


async def measure(
    *,
    rate: float = DEFAULT_RATE,
    seconds: float = DEFAULT_SECONDS,
    clients: int = DEFAULT_CLIENTS,
    infra: TestInfra | None = None,
) -> list[dict[str, Any]]:
    """Rows: path, clients, rate, unit, p50_ms, p99_ms, errors, reference_rate, ratio (and, on
    the HTTP row, error_kinds: failed writes by status or error).

    `rate` is what was achieved, `reference_rate` the rate offered, `ratio` the one over the
    other; `errors` counts refused or failed writes and accepted writes never applied.
    """
    if infra is not None:
        return await _measure(infra, rate=rate, seconds=seconds, clients=clients)
    with infrastructure() as started:
        return await _measure(started, rate=rate, seconds=seconds, clients=clients)


_RUN_TOPICS = "latency-"
"""Each run's topics are named `latency-<suffix>.<topic>`, its databases `latency_*_<suffix>`."""


async def _sweep_earlier_runs(infra: TestInfra) -> None:
    """Delete what an interrupted run left on the shared broker and server (its `finally`
    never ran). Runs do not overlap: each one loads the whole machine."""
    await delete_topics(infra.kafka_bootstrap_servers, prefix=_RUN_TOPICS)
    admin = await asyncpg.connect(asyncpg_dsn(infra.admin_database_url))
    try:
        names = [
            r["datname"]
            for r in await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname ~ '^latency_(registry|replica)_'"
            )
        ]
    finally:
        await admin.close()
    for name in names:
        await drop_database(infra.admin_database_url, name)


async def _measure(
    infra: TestInfra, *, rate: float, seconds: float, clients: int
) -> list[dict[str, Any]]:
    await _sweep_earlier_runs(infra)
    suffix = uuid.uuid4().hex[:8]
    registry_db, replica_db = f"latency_registry_{suffix}", f"latency_replica_{suffix}"
    registry_url = await create_database(infra.admin_database_url, registry_db)
    replica_url = await create_database(infra.admin_database_url, replica_db)
    state_dir = Path(tempfile.mkdtemp(prefix="tzsb-latency-state-"))
    topic_prefix = f"{_RUN_TOPICS}{suffix}."
    consumer: BaseProcess | None = None
    replica_engine = None
    try:
        await asyncio.to_thread(
            upgrade_to_head, REPO_ROOT / "services" / "registry" / "migrations", registry_url
        )
        consumer_settings = ServiceSettings(
            service_name="latency-replica",
            database_url=replica_url,
            kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
            kafka_idempotence=infra.kafka_idempotence,
            kafka_consumer_group=f"tzsb.latency-replica.{suffix}",
            # Topics of its own: on a running platform's broker, the shared equipment topic holds
            # every earlier write, and a new group would first read through all of them.
            kafka_topic_prefix=topic_prefix,
            log_level="WARNING",
        )
        replica_engine = create_engine(consumer_settings)
        async with replica_engine.begin() as conn:
            await conn.run_sync(replica_metadata.create_all)
        await ensure_topics(
            infra.kafka_bootstrap_servers,
            [topic_prefix + t for t in (*ALL_TOPICS, *(dlq_topic(t) for t in ALL_TOPICS))],
            partitions=RegistrySettings().kafka_topic_partitions,
        )
        consumer = multiprocessing.get_context("spawn").Process(
            target=run_replica_consumer,
            args=(consumer_settings.model_dump(mode="json"),),
            name="replica-consumer",
        )
        consumer.start()

        key = SigningKey.generate()
        registry_settings = RegistrySettings(database_url=registry_url)
        token = key.issue(
            subject="latency", organisation_id=uuid.uuid4(), kind=CallerKind.bureau, scopes=(),
            issuer=registry_settings.jwt_issuer, audience=registry_settings.jwt_audience,
            ttl=timedelta(hours=1),
        )  # fmt: skip
        async with registry_process(
            infra, registry_url, key, state_dir, topic_prefix=topic_prefix
        ) as base_url:
            use_unit = await create_use_unit(registry_url)
            # A short warm-up: the consumer joins its group, the relay its producer.
            await offer_writes(base_url, token, use_unit, rate=50, seconds=2, clients=clients)
            accepted, answers, failures, elapsed = await offer_writes(
                base_url, token, use_unit, rate=rate, seconds=seconds, clients=clients
            )
            await wait_until_applied(replica_url, set(accepted), DRAIN_TIMEOUT_S)
            relayed = await relay_latencies(registry_url, accepted)
        latencies, applied_rate = await applied_latencies(replica_url, accepted)
        answered_rate = len(answers) / elapsed
        return [
            {
                "path": "POST /api/v1/equipment (the registry's answer)",
                "clients": clients,
                "rate": round(answered_rate, 1),
                "unit": "req/s",
                "p50_ms": round(percentile(answers, 0.50) * 1000, 1),
                "p99_ms": round(percentile(answers, 0.99) * 1000, 1),
                "errors": failures.total(),
                "error_kinds": dict(failures),
                "reference_rate": rate,
                "ratio": round(answered_rate / rate, 3),
            },
            {
                "path": "  of which: written → claimed by the outbox relay",
                "clients": clients,
                "rate": round(len(relayed) / elapsed, 1),
                "unit": "events/s",
                "p50_ms": round(percentile(relayed, 0.50), 1),
                "p99_ms": round(percentile(relayed, 0.99), 1),
                "errors": len(accepted) - len(relayed),
                "reference_rate": rate,
                "ratio": round(len(relayed) / elapsed / rate, 3),
            },
            {
                "path": "POST equipment → outbox → Kafka → ConsumerLoop applied (other database)",
                "clients": clients,
                "rate": round(applied_rate, 1),
                "unit": "events/s",
                "p50_ms": round(percentile(latencies, 0.50), 1),
                "p99_ms": round(percentile(latencies, 0.99), 1),
                "errors": failures.total() + len(accepted) - len(latencies),
                "reference_rate": rate,
                "ratio": round(applied_rate / rate, 3),
            },
        ]
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.join(timeout=30)
        if replica_engine is not None:
            await replica_engine.dispose()
        for name in (registry_db, replica_db):
            with contextlib.suppress(Exception):
                await drop_database(infra.admin_database_url, name)
        with contextlib.suppress(Exception):
            await delete_topics(infra.kafka_bootstrap_servers, prefix=topic_prefix)
        shutil.rmtree(state_dir, ignore_errors=True)


def print_table(rows: list[dict[str, Any]]) -> None:
    header = f"{'path':<74} {'clients':>7} {'rate':>9} {'unit':<9} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'errors':>6} {'offered':>8} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['path']:<74} {row['clients']:>7} {row['rate']:>9,.1f} {row['unit']:<9} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>6} "
            f"{row['reference_rate']:>8,.0f} {row['ratio']:>6.2f}"
        )
    for row in rows:
        if row.get("error_kinds"):
            print(f"failed writes by answer: {row['error_kinds']}")
    end_to_end = rows[-1]["p99_ms"]
    verdict = "within" if end_to_end <= TARGET_P99_MS else "OVER"
    print(f"end-to-end p99 {end_to_end:.0f} ms: {verdict} the {TARGET_P99_MS:.0f} ms target")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--rate", type=float, default=DEFAULT_RATE, help="writes per second")
    cli.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    cli.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="most in flight")
    args = cli.parse_args()
    print(f"tzsb event latency on {os.cpu_count()} cores: {args.rate:.0f} writes/s for "
          f"{args.seconds:.0f} s")  # fmt: skip
    rows = asyncio.run(measure(rate=args.rate, seconds=args.seconds, clients=args.clients))
    print_table(rows)


if __name__ == "__main__":
    main()
