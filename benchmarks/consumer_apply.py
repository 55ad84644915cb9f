"""Figures for the consumer loop's set-based apply path and inbox retention, on this machine.

    uv run --frozen --all-packages python benchmarks/consumer_apply.py

Starts its own embedded PostgreSQL and Kafka (like the tests: PostgreSQL without fsync), or uses
`DATABASE_URL` and `KAFKA_BOOTSTRAP_SERVERS` when both are set. Its tables get unique names and
are dropped at the end, so an existing database is left as it was. Measures:
  1. consumer apply: registry equipment events (`EquipmentCreatedV1` / `EquipmentUpdatedV1`)
     already on the topic, applied by one `ConsumerLoop` with a `BatchConsumerSpec` into an
     equipment replica (a version-guarded upsert); the reference is raw asyncpg writing the same
     inbox and replica rows with the same statements, no Kafka and no decoding. p50/p99 are per
     chunk transaction (inbox insert + handler + commit);
  2. inbox prune: `prune_inbox` deleting old rows in 10,000-row chunks; the reference is one
     plain `DELETE` of the same rows in a single statement (what a pass must not be: one long
     transaction).
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, Integer, MetaData, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tzsb_common.consumer import (
    BatchConsumerSpec,
    ConsumerLoop,
    HandlerContext,
    TypedEvent,
    add_inbox_table,
)
from tzsb_common.contracts.registry import (
    EquipmentCreatedV1,
    EquipmentSnapshot,
    EquipmentUpdatedV1,
    RegionPayload,
)
from tzsb_common.db import asyncpg_dsn, create_engine, create_session_factory
from tzsb_common.events import CloudEvent
from tzsb_common.inbox import prune_inbox
from tzsb_common.kafka import delete_topics, ensure_topics, stop_quietly
from tzsb_common.settings import ServiceSettings

EVENTS = 50_000
EQUIPMENT = 20_000
PRUNE_ROWS = 500_000
CHUNK = 500


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class Tables:
    """The benchmark's own inbox and replica, under names no service uses."""

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.metadata = MetaData()
        self.inbox = add_inbox_table(MetaData()).to_metadata(
            self.metadata, name=f"bench_inbox_{suffix}"
        )
        self.replica = Table(
            f"bench_equipment_{suffix}",
            self.metadata,
            Column("equipment_code", Text, primary_key=True),
            Column("status", Text, nullable=False),
            Column("use_unit_id", Text, nullable=False),
            Column("district", Text, nullable=False),
            Column("version", Integer, nullable=False),
        )
        # Index names are global in a schema: rename the inbox's to go with its table.
        for index in self.inbox.indexes:
            index.name = f"ix_bench_inbox_{suffix}"  # type: ignore[assignment]

    def upsert(self, *arrays: str) -> str:
        """Newest snapshot wins; an older or repeated one changes nothing."""
        r = self.replica.name
        return (
            f"INSERT INTO {r} (equipment_code, status, use_unit_id, district, version) "  # noqa: S608 (our table names)
            f"SELECT * FROM unnest({', '.join(arrays)}) "
            "ON CONFLICT (equipment_code) DO UPDATE SET status = excluded.status, "
            "use_unit_id = excluded.use_unit_id, district = excluded.district, "
            f"version = excluded.version WHERE {r}.version < excluded.version"
        )


REPLICA_COLUMNS = ("codes", "statuses", "units", "districts", "versions")
REPLICA_TYPES = ("text", "text", "text", "text", "int")


def replica_rows(snapshots: Sequence[EquipmentSnapshot]) -> list[list[Any]]:
    """One row per equipment, the newest snapshot: an upsert may touch a row only once."""
    newest: dict[str, EquipmentSnapshot] = {}
    for snapshot in snapshots:
        held = newest.get(snapshot.equipment_code)
        if held is None or held.version < snapshot.version:
            newest[snapshot.equipment_code] = snapshot
    return [
        [s.equipment_code for s in newest.values()],
        [s.status for s in newest.values()],
        [str(s.use_unit_id) for s in newest.values()],
        [s.region.district for s in newest.values()],
        [s.version for s in newest.values()],
    ]


def equipment_events(count: int) -> list[CloudEvent]:
    unit = uuid.uuid4()
    region = RegionPayload(province="甘肃省", city="兰州市", district="兰州新区")
    versions: dict[str, int] = {}
    events = []
    for n in range(count):
        code = f"3110{n % EQUIPMENT:014d}"
        version = versions[code] = versions.get(code, 0) + 1
        snapshot = EquipmentSnapshot(
            equipment_code=code, category="3000", variety="3110", status="in_use",
            registration_number=f"梯11甘A{n:05d}(26)", use_unit_id=unit, region=region,
            park=None, manufacturer="某电梯有限公司", factory_number=f"F{n}",
            manufactured_on=date(2020, 1, 1), commissioned_on=date(2020, 6, 1),
            address="兰州新区某路1号", lat=36.5, lon=103.7,
            attributes={"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
            rescue_code=None, rescue_sign_posted=True, version=version,
        )  # fmt: skip
        payload = (
            EquipmentCreatedV1(equipment=snapshot)
            if version == 1
            else EquipmentUpdatedV1(equipment=snapshot, changed_fields=["status"])
        )
        events.append(payload.to_event(source="registry", subject=code))
    return events


async def produce(settings: ServiceSettings, topic: str, events: Sequence[CloudEvent]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        linger_ms=20,
        max_batch_size=512 * 1024,
        enable_idempotence=settings.kafka_idempotence,
    )
    await producer.start()
    try:
        pending = []
        for event in events:
            pending.append(
                await producer.send(topic, event.to_json_bytes(), key=event.subject.encode())
            )
            if len(pending) >= 5_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await stop_quietly(producer)


async def bench_consumer(
    settings: ServiceSettings, engine: AsyncEngine, tables: Tables, events: list[CloudEvent]
) -> dict[str, Any]:
    topic = "tzsb.registry.equipment"
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [settings.topic(topic), settings.topic(topic) + ".dlq"],
        partitions=settings.kafka_topic_partitions,
    )
    await produce(settings, settings.topic(topic), events)
    upsert = text(
        tables.upsert(
            *(f"CAST(:{c} AS {t}[])" for c, t in zip(REPLICA_COLUMNS, REPLICA_TYPES, strict=True))
        )
    )

    async def apply_equipment(
        context: HandlerContext,
        received: Sequence[TypedEvent[EquipmentCreatedV1 | EquipmentUpdatedV1]],
    ) -> None:
        rows = replica_rows([e.payload.equipment for e in received])
        await context.session.execute(upsert, dict(zip(REPLICA_COLUMNS, rows, strict=True)))

    loop = ConsumerLoop(
        spec=BatchConsumerSpec(
            "equipment-replica", [topic], [EquipmentCreatedV1, EquipmentUpdatedV1], apply_equipment
        ),
        settings=settings,
        session_factory=create_session_factory(engine),
        inbox=tables.inbox,
    )
    chunk_ms: list[float] = []
    applied = 0
    first_at: float | None = None
    last_at = 0.0
    apply_chunk = loop._apply_in_transaction
    done = asyncio.Event()

    async def timed(topic_name: str, items: Sequence[Any]) -> None:
        nonlocal applied, first_at, last_at
        started = time.perf_counter()
        first_at = first_at or started
        await apply_chunk(topic_name, items)
        last_at = time.perf_counter()
        chunk_ms.append((last_at - started) * 1000)
        applied += len(items)
        if applied >= len(events):
            done.set()

    loop._apply_in_transaction = timed  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(done.wait(), timeout=600)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert first_at is not None
    return {
        "rate": applied / (last_at - first_at),
        "p50_ms": statistics.median(chunk_ms),
        "p99_ms": percentile(chunk_ms, 0.99),
        "errors": loop.restarts + loop.transient_failures,
    }


async def reference_apply(database_url: str, tables: Tables, events: list[CloudEvent]) -> float:
    """The same rows with raw asyncpg: unnest inserts, one transaction per chunk."""
    inbox_insert = (
        f"INSERT INTO {tables.inbox.name} (consumer, event_id, topic) "  # noqa: S608 (our table names)
        "SELECT 'reference', id, 't' FROM unnest($1::uuid[]) AS id "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    snapshots = [EquipmentSnapshot.model_validate(e.data["equipment"]) for e in events]
    upsert = tables.upsert(*(f"${n}::{t}[]" for n, t in enumerate(REPLICA_TYPES, start=1)))
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(f"TRUNCATE {tables.replica.name}")
        started = time.perf_counter()
        for start in range(0, len(events), CHUNK):
            async with conn.transaction():
                await conn.fetch(inbox_insert, [e.id for e in events[start : start + CHUNK]])
                await conn.execute(upsert, *replica_rows(snapshots[start : start + CHUNK]))
        return len(events) / (time.perf_counter() - started)
    finally:
        await conn.close()


async def fill_inbox(conn: asyncpg.Connection, tables: Tables, rows: int) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    await conn.copy_records_to_table(
        tables.inbox.name,
        records=(("pruned", uuid.uuid4(), "t", old) for _ in range(rows)),
        columns=["consumer", "event_id", "topic", "processed_at"],
    )
    await conn.execute(f"ANALYZE {tables.inbox.name}")


async def bench_prune(
    database_url: str, engine: AsyncEngine, tables: Tables, rows: int
) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await fill_inbox(conn, tables, rows)
        chunk_ms: list[float] = []
        factory = create_session_factory(engine)
        started = time.perf_counter()
        deleted = 0
        while True:  # one chunk per call, to time each chunk's transaction
            t0 = time.perf_counter()
            count = await prune_inbox(
                factory, tables.inbox, consumer="pruned", retention=timedelta(days=30),
                chunk_rows=10_000, max_chunks=1,
            )  # fmt: skip
            chunk_ms.append((time.perf_counter() - t0) * 1000)
            deleted += count
            if count < 10_000:
                break
        rate = deleted / (time.perf_counter() - started)

        await fill_inbox(conn, tables, rows)
        started = time.perf_counter()
        status = await conn.execute(
            f"DELETE FROM {tables.inbox.name} WHERE consumer = 'pruned' "  # noqa: S608 (our table names)
            "AND processed_at < now() - interval '30 days'"
        )
        reference = int(status.split()[-1]) / (time.perf_counter() - started)
    finally:
        await conn.close()
    return {
        "rate": rate,
        "p50_ms": statistics.median(chunk_ms),
        "p99_ms": percentile(chunk_ms, 0.99),
        "errors": 0 if deleted == rows else abs(rows - deleted),
        "reference_rate": reference,
    }


_RUN_TOPICS = "bench-consumer-"
"""Each measured consumer reads topics of its own, `bench-consumer-<suffix>.<topic>`."""


async def measure(
    *,
    database_url: str,
    kafka_bootstrap_servers: str,
    kafka_idempotence: bool = True,
    events: int = EVENTS,
    prune_rows: int = PRUNE_ROWS,
    partitions: Sequence[int] = (1, 6),
) -> list[dict[str, Any]]:
    """One row per measured path: events/s applied by one consumer, inbox rows/s pruned."""
    tables = Tables()
    results: list[dict[str, Any]] = []
    base = ServiceSettings(
        service_name="bench-consumer",
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        kafka_idempotence=kafka_idempotence,
        log_level="WARNING",
        log_json=False,
    )
    engine = create_engine(base)
    # Topics of an interrupted run first (its `finally` never ran); runs do not overlap.
    await delete_topics(kafka_bootstrap_servers, prefix=_RUN_TOPICS)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(tables.metadata.create_all)
        stream = equipment_events(events)
        reference = await reference_apply(database_url, tables, stream)
        for count in partitions:
            settings = base.model_copy(
                update={
                    "kafka_topic_prefix": f"{_RUN_TOPICS}{uuid.uuid4().hex[:8]}.",
                    "kafka_consumer_group": f"bench-{uuid.uuid4().hex[:8]}",
                    "kafka_topic_partitions": count,
                }
            )
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables.replica.name}, {tables.inbox.name}"))
            figures = await bench_consumer(settings, engine, tables, stream)
            results.append(
                {"path": f"consumer apply, {count} partition(s)", "clients": 1,
                 "unit": "events/s", "reference_rate": reference, **figures}
            )  # fmt: skip
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables.inbox.name}"))
        figures = await bench_prune(database_url, engine, tables, prune_rows)
        results.append({"path": "inbox prune", "clients": 1, "unit": "rows/s", **figures})
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(tables.metadata.drop_all)
        await engine.dispose()
        # A broker that fails here leaves them to the next run's sweep, not the figures lost.
        with contextlib.suppress(Exception):
            await delete_topics(kafka_bootstrap_servers, prefix=_RUN_TOPICS)
    for row in results:
        row["ratio"] = row["rate"] / row["reference_rate"]
    return results


def print_table(results: Sequence[dict[str, Any]]) -> None:
    print(
        f"{'path':34} {'clients':>7} {'rate':>12} {'unit':9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'reference':>12} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r['path']:34} {r['clients']:>7} {r['rate']:>12,.0f} {r['unit']:9} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>6} "
            f"{r['reference_rate']:>12,.0f} {r['ratio']:>6.2f}"
        )


async def _main() -> None:
    database_url = os.environ.get("DATABASE_URL")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if database_url and kafka:
        idempotence = os.environ.get("KAFKA_IDEMPOTENCE", "true").lower() == "true"
        print_table(
            await measure(
                database_url=database_url,
                kafka_bootstrap_servers=kafka,
                kafka_idempotence=idempotence,
            )
        )
        return
    from tzsb_common.testing.infra import start_test_infra

    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-"))
    base.chmod(0o755)
    infra = start_test_infra(base)
    try:
        admin = await asyncpg.connect(asyncpg_dsn(infra.admin_database_url))
        await admin.execute("CREATE DATABASE bench_consumer")
        await admin.close()
        print_table(
            await measure(
                database_url=infra.admin_database_url.rsplit("/", 1)[0] + "/bench_consumer",
                kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
                kafka_idempotence=infra.kafka_idempotence,
            )
        )
    finally:
        infra.close()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    print(f"tzsb consumer benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    asyncio.run(_main())


if __name__ == "__main__":
    main()
