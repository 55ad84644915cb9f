"""Re-publishing: a replica built after the fact catches up, one that is current ignores it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

import registry_factories as make
from registry.db import inbox, outbox
from registry.equipment.tables import equipment
from registry.organisations.tables import organisations
from registry.republish.service import NotRepublishable, republish_topic
from registry.settings import RegistrySettings
from tzsb_common.consumer import ConsumerLoop, ConsumerSpec
from tzsb_common.contracts.registry import EQUIPMENT_TOPIC, ORGANISATION_TOPIC, STAFF_TOPIC
from tzsb_common.db import async_url, create_session_factory
from tzsb_common.events import CloudEvent
from tzsb_common.kafka import stop_quietly
from tzsb_common.outbox import Outbox
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory, TopicReader, eventually

TOPICS = [EQUIPMENT_TOPIC, ORGANISATION_TOPIC]

replica_metadata = MetaData()
replica = Table(
    "snapshot_replica",
    replica_metadata,
    Column("topic", Text, primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("snapshot", JSONB, nullable=False),
)
"""What a consuming service keeps: the latest snapshot of every record, by version."""


async def apply_snapshot(session: AsyncSession, event: CloudEvent) -> None:
    """A replica's handler: apply a snapshot only if it is newer than the one held."""
    field = "equipment" if "equipment" in event.data else "organisation"
    snapshot = event.data[field]
    statement = insert(replica).values(
        topic=field, subject=event.subject, version=snapshot["version"], snapshot=snapshot
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[replica.c.topic, replica.c.subject],
            set_={"version": statement.excluded.version, "snapshot": statement.excluded.snapshot},
            where=replica.c.version < statement.excluded.version,
        )
    )


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    # Sent events are kept, to compare what was written with what the topics hold.
    return {
        "signing_key_pem": test_signing_key.to_pem().decode(),
        "run_background_workers": True,
        "outbox_retention_hours": 1,
    }


@pytest.fixture
async def engine(app: FastAPI) -> AsyncIterator[AsyncEngine]:
    settings: ServiceSettings = app.state.settings
    engine = create_async_engine(async_url(settings.database_url))
    async with engine.begin() as conn:
        await conn.run_sync(replica_metadata.create_all)
    yield engine
    await engine.dispose()


async def _write_the_register(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    """Two use units, five elevators, two of them changed afterwards (version 2)."""
    units = []
    for _ in range(2):
        answer = await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
        assert answer.status_code == 201, answer.text
        units.append(answer.json()["id"])
    codes = []
    for index in range(5):
        answer = await client.post(
            "/api/v1/equipment", json=make.elevator(units[index % 2]), headers=tokens.bureau()
        )
        assert answer.status_code == 201, answer.text
        codes.append(answer.json()["equipment_code"])
    for code in codes[:2]:
        answer = await client.patch(
            f"/api/v1/equipment/{code}", json={"park": "秦川园区"}, headers=tokens.bureau()
        )
        assert answer.status_code == 200, answer.text


async def _unsent(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    return count or 0


async def _source(engine: AsyncEngine) -> dict[tuple[str, str], int]:
    """Every record of the registry as (kind, subject) → version."""
    async with engine.connect() as conn:
        machines = await conn.execute(select(equipment.c.equipment_code, equipment.c.version))
        units = await conn.execute(select(organisations.c.id, organisations.c.version))
        return {("equipment", r[0]): r[1] for r in machines} | {
            ("organisation", str(r[0])): r[1] for r in units
        }


async def _replica(engine: AsyncEngine) -> dict[tuple[str, str], int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(replica.c.topic, replica.c.subject, replica.c.version))
        return {(r.topic, r.subject): r.version for r in rows}


async def _inbox_count(engine: AsyncEngine, consumer: str) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.consumer == consumer)
        )
    return count or 0


async def _partitions(settings: ServiceSettings) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([settings.topic(t) for t in TOPICS])
    finally:
        await stop_quietly(admin)
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]


async def _start_group_at_log_end(settings: ServiceSettings, group: str) -> None:
    """Commit the group's offsets at the end of every partition: it has seen nothing that is on
    the topics now, as a replica whose topic dropped those events (retention, or a topic from
    before compaction) has not."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        partitions = await _partitions(settings)
        assert partitions
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        assert sum(ends.values()) > 0
        await consumer.commit(dict(ends))
    finally:
        await stop_quietly(consumer)


async def _consumed_to_end(settings: ServiceSettings, group: str) -> bool:
    """True once the group's committed offsets reach the end of every partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = await _partitions(settings)
        ends = await consumer.end_offsets(partitions)
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )
    finally:
        await stop_quietly(consumer)
        await stop_quietly(admin)


class _RunningReplica:
    def __init__(self, app: FastAPI, engine: AsyncEngine, name: str) -> None:
        settings: ServiceSettings = app.state.settings
        self.loop = ConsumerLoop(
            spec=ConsumerSpec(name, TOPICS, apply_snapshot),
            settings=settings,
            session_factory=create_session_factory(engine),
            inbox=inbox,
        )
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ConsumerLoop:
        self.task = asyncio.create_task(self.loop.run())
        return self.loop

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def _republish_everything(app: FastAPI, batch_size: int) -> int:
    settings: RegistrySettings = app.state.settings
    queued = 0
    for topic in TOPICS:
        queued += await republish_topic(
            app.state.session_factory,
            Outbox(outbox, settings),
            topic=topic,
            batch_size=batch_size,
        )
    return queued


async def test_a_replica_started_after_the_events_were_gone_is_rebuilt_by_republishing(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    engine: AsyncEngine,
    topic_reader: TopicReader,
) -> None:
    settings: RegistrySettings = app.state.settings
    await _write_the_register(client, tokens)
    await eventually(lambda: _unsent(engine), until=lambda n: n == 0)
    originals = await topic_reader.read(EQUIPMENT_TOPIC, count=7)
    assert len(originals) == 7

    late = "late-replica"
    await _start_group_at_log_end(settings, f"{settings.consumer_group}.{late}")
    async with _RunningReplica(app, engine, late):
        # Batches of two: three transactions for five elevators, one more for two units.
        queued = await _republish_everything(app, batch_size=2)
        source = await _source(engine)
        assert queued == len(source) == 7

        rebuilt = await eventually(lambda: _replica(engine), until=lambda r: len(r) == 7)

    assert rebuilt == source
    async with engine.connect() as conn:
        held = {r.subject: r.snapshot for r in await conn.execute(select(replica))}
        parks = dict(
            (await conn.execute(select(equipment.c.equipment_code, equipment.c.park))).all()
        )
    assert {code: held[code]["park"] for code in parks} == parks

    # The re-published events carry the ids of the originals of the same version.
    records = await topic_reader.read(EQUIPMENT_TOPIC, count=12)
    ids_by_state: dict[tuple[str, int], set[str]] = {}
    for record in records:
        event = json.loads(record.value)
        state = (event["subject"], event["data"]["equipment"]["version"])
        ids_by_state.setdefault(state, set()).add(event["id"])
    assert len(records) == 12
    assert all(len(ids) == 1 for ids in ids_by_state.values()), ids_by_state


async def test_a_consumer_that_has_the_events_ignores_their_republication(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    engine: AsyncEngine,
) -> None:
    settings: RegistrySettings = app.state.settings
    await _write_the_register(client, tokens)
    current = "current-replica"
    group = f"{settings.consumer_group}.{current}"
    async with _RunningReplica(app, engine, current):
        source = await _source(engine)
        await eventually(lambda: _replica(engine), until=lambda r: r == source)
        await eventually(lambda: _consumed_to_end(settings, group))
        seen = await _inbox_count(engine, current)
        assert seen == 9  # 2 units, 5 registrations, 2 changes

        assert await _republish_everything(app, batch_size=500) == 7
        await eventually(lambda: _unsent(engine), until=lambda n: n == 0)
        await eventually(lambda: _consumed_to_end(settings, group))

        assert await _inbox_count(engine, current) == seen
        assert await _replica(engine) == source


async def test_a_topic_the_registry_holds_no_records_for_is_refused(app: FastAPI) -> None:
    settings: RegistrySettings = app.state.settings
    with pytest.raises(NotRepublishable):
        await republish_topic(
            app.state.session_factory,
            Outbox(outbox, settings),
            topic="tzsb.inspection.due",
            batch_size=10,
        )


async def _run_command(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "tzsb_platform", "republish", *args),
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def _outbox_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(outbox)) or 0


async def test_the_republish_command_sends_the_original_events_again(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    engine: AsyncEngine,
    topic_reader: TopicReader,
) -> None:
    settings: RegistrySettings = app.state.settings
    await _write_the_register(client, tokens)
    await eventually(lambda: _unsent(engine), until=lambda n: n == 0)
    rows_before = await _outbox_rows(engine)
    env = {"DATABASE_URL": settings.database_url, "KAFKA_TOPIC_PREFIX": settings.topic("")}

    code, output = await _run_command(
        *("--service", "registry", "--topic", EQUIPMENT_TOPIC, "--batch-size", "2"), env=env
    )

    assert code == 0, output
    assert "5 snapshot events queued" in output
    # The originals are still in the outbox: they are marked unsent again, not copied.
    assert await _outbox_rows(engine) == rows_before
    records = await topic_reader.read(EQUIPMENT_TOPIC, count=12)
    assert len(records) == 12
    events = [json.loads(r.value) for r in records]
    by_id: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_id.setdefault(event["id"], []).append(event)
    current = {s: v for (kind, s), v in (await _source(engine)).items() if kind == "equipment"}
    repeated = {e[0]["subject"]: e for e in by_id.values() if len(e) == 2}
    assert {s: e[0]["data"]["equipment"]["version"] for s, e in repeated.items()} == current
    assert all(e[0] == e[1] for e in repeated.values())  # the very same document

    refused, message = await _run_command(
        *("--service", "registry", "--topic", "tzsb.inspection.due"), env=env
    )
    assert refused == 2
    assert "not tzsb.inspection.due" in message


async def test_staff_is_republished_with_the_ids_of_its_original_events(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    engine: AsyncEngine,
    topic_reader: TopicReader,
) -> None:
    settings: RegistrySettings = app.state.settings
    region = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区", "park": "西岔园区"}
    ids = []
    for name in ("赵敏", "孙强"):
        answer = await client.post(
            "/api/v1/staff",
            json={"name": name, "region": region, "supervision_body": "西岔园区市场监督管理局"},
            headers=tokens.bureau(),
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    off_duty = await client.patch(
        f"/api/v1/staff/{ids[0]}", json={"active": False}, headers=tokens.bureau()
    )
    assert off_duty.status_code == 200, off_duty.text
    await eventually(lambda: _unsent(engine), until=lambda n: n == 0)

    queued = await republish_topic(
        app.state.session_factory, Outbox(outbox, settings), topic=STAFF_TOPIC, batch_size=1
    )

    assert queued == 2
    events = [json.loads(r.value) for r in await topic_reader.read(STAFF_TOPIC, count=5)]
    assert len(events) == 5
    # Three states were published; the two current ones went out again under the same ids.
    ids_by_state: dict[tuple[str, int], set[str]] = {}
    for event in events:
        state = (event["subject"], event["data"]["staff"]["version"])
        ids_by_state.setdefault(state, set()).add(event["id"])
    assert set(ids_by_state) == {(ids[0], 1), (ids[0], 2), (ids[1], 1)}
    assert all(len(event_ids) == 1 for event_ids in ids_by_state.values()), ids_by_state
    sent = {state: sum(e["id"] in i for e in events) for state, i in ids_by_state.items()}
    assert sent == {(ids[0], 1): 1, (ids[0], 2): 2, (ids[1], 1): 2}
