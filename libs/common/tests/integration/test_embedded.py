"""The embedded servers themselves: they start, answer, stop, and keep their data across restarts.

These run their own small instances on free ports under tmp_path (PostgreSQL starts in well under
a second; one Apache Kafka broker is shared by the module), so they add seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tzsb_common.embedded import (
    DEFAULT_JARS_DIR,
    DEFAULT_POM,
    EmbeddedKafka,
    EmbeddedPostgres,
    EmbeddedTansu,
    free_port,
    resolve_kafka_jars,
    start_broker,
)
from tzsb_common.testing import committed_offsets

pytestmark = pytest.mark.timeout(180)

PARTITIONS = 2


async def test_postgres_keeps_its_data_across_restarts(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg", free_port(), fast=True)
    await asyncio.to_thread(server.start)
    try:
        connection = await asyncpg.connect(server.url())
        await connection.execute("CREATE TABLE kept (name text)")
        await connection.execute("INSERT INTO kept VALUES ('电梯')")
        assert await connection.fetchval("SHOW max_connections") == "300"
        assert await connection.fetchval("SHOW fsync") == "off"
        assert await connection.fetchval("SHOW autovacuum_naptime") == "10s"
        await connection.close()

        await asyncio.to_thread(server.stop)
        assert not server.is_running
        await asyncio.to_thread(server.start)
        assert server.is_running

        connection = await asyncpg.connect(server.url())
        assert await connection.fetchval("SELECT name FROM kept") == "电梯"
        await connection.close()
    finally:
        await asyncio.to_thread(server.stop)


async def test_postgres_starts_over_a_server_left_running_by_a_crashed_run(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "pg", free_port()
    # A process that starts the server and dies without stopping it, like a killed `make up`.
    crashed_run = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from tzsb_common.embedded import EmbeddedPostgres
        EmbeddedPostgres(Path({str(data_dir)!r}), {port}, fast=True).start()
        os._exit(0)
        """
    )
    await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", crashed_run], check=True, timeout=120
    )
    server = EmbeddedPostgres(data_dir, port, fast=True)
    await asyncio.to_thread(server.start)
    try:
        connection = await asyncpg.connect(server.url())
        assert await connection.fetchval("SELECT 1") == 1
        await connection.close()
    finally:
        await asyncio.to_thread(server.stop)


async def test_postgres_output_goes_to_a_log_rotated_by_size(tmp_path: Path) -> None:
    server = EmbeddedPostgres(
        tmp_path / "pg", free_port(), fast=True, log_max_bytes=4096, log_backup_count=1
    )
    await asyncio.to_thread(server.start)
    try:
        connection = await asyncpg.connect(server.url())
        for i in range(100):
            await connection.execute(f"DO $$ BEGIN RAISE WARNING 'rotation marker {i:03d}'; END $$")
        await connection.close()
    finally:
        await asyncio.to_thread(server.stop)

    logs = sorted(path.name for path in (tmp_path / "pg").glob("postgres.log*"))
    assert logs == ["postgres.log", "postgres.log.1"]  # the older ones were dropped
    newest = server.log_path.read_bytes()
    assert len(newest) <= 4096
    assert len(server.log_path.with_name("postgres.log.1").read_bytes()) <= 4096
    # Written up to the server's last words: the newest marker, then its shutdown.
    kept = newest + server.log_path.with_name("postgres.log.1").read_bytes()
    assert b"rotation marker 099" in kept
    assert b"rotation marker 000" not in kept
    assert b"database system is shut down" in newest


@pytest.fixture(scope="module")
def kafka_jars() -> Path:
    jars = resolve_kafka_jars(DEFAULT_POM, DEFAULT_JARS_DIR)
    if jars is None:
        pytest.skip("Apache Kafka cannot run here (needs Java 17+ and Maven)")
    return jars


@pytest.fixture(scope="module")
def kafka(kafka_jars: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedKafka]:
    broker = EmbeddedKafka(tmp_path_factory.mktemp("kafka"), free_port(), free_port(), kafka_jars)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_resolved_jars_are_reused(kafka_jars: Path) -> None:
    assert resolve_kafka_jars(DEFAULT_POM, DEFAULT_JARS_DIR) == kafka_jars
    assert any(kafka_jars.glob("kafka_2.13-*.jar"))


async def _round_trip(bootstrap: str, topic: str, *, idempotence: bool) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)]
        )
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=idempotence
    )
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, b"hello", key=b"310000"), 30)
    finally:
        await producer.stop()


async def _consume_one(bootstrap: str, topic: str, group: str) -> bytes:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
        await consumer.commit()
        return bytes(record.value or b"")
    finally:
        await consumer.stop()


async def test_kafka_round_trip_survives_a_restart(kafka: EmbeddedKafka) -> None:
    topic, group = f"test.embedded.{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    bootstrap = kafka.bootstrap_servers
    assert bootstrap.startswith("127.0.0.1:")
    assert kafka.keeps_data_on_restart
    await _round_trip(bootstrap, topic, idempotence=kafka.supports_idempotence)
    assert await _consume_one(bootstrap, topic, group) == b"hello"
    committed_before = await committed_offsets(bootstrap, group, topic, PARTITIONS)
    assert 1 in committed_before.values()

    await asyncio.to_thread(kafka.stop)
    assert not kafka.is_running
    await asyncio.to_thread(kafka.start)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        assert topic in await admin.list_topics()
    finally:
        await admin.close()
    assert await committed_offsets(bootstrap, group, topic, PARTITIONS) == committed_before


async def test_tansu_round_trip_without_idempotence(tmp_path: Path) -> None:
    broker = EmbeddedTansu(tmp_path / "tansu", free_port())
    assert not broker.keeps_data_on_restart
    assert not broker.supports_idempotence
    await asyncio.to_thread(broker.start)
    try:
        topic = f"test.tansu.{uuid.uuid4().hex[:8]}"
        await _round_trip(broker.bootstrap_servers, topic, idempotence=False)
        group = f"group-{uuid.uuid4().hex[:8]}"
        assert await _consume_one(broker.bootstrap_servers, topic, group) == b"hello"
    finally:
        await asyncio.to_thread(broker.stop)


async def test_start_broker_falls_back_to_tansu_without_java(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    broker, idempotence = await asyncio.to_thread(
        start_broker, tmp_path / "broker", free_port(), free_port(), jars_dir=tmp_path / "jars"
    )
    try:
        assert isinstance(broker, EmbeddedTansu)
        assert idempotence is False
        assert broker.is_running
    finally:
        await asyncio.to_thread(broker.stop)
