"""The topic table: every topic of the bus has its settings, and so has every `.dlq` twin."""

from __future__ import annotations

from tzsb_common.contracts import (
    ALL_TOPICS,
    COMPACTED_TOPICS,
    DLQ_TOPIC_CONFIG,
    EVENT_TOPIC_CONFIG,
    SNAPSHOT_TOPIC_CONFIG,
    topic_config,
)
from tzsb_common.contracts.registry import SNAPSHOT_TOPICS
from tzsb_common.events import dlq_topic, topics


def test_the_snapshot_topics_are_compacted_and_the_others_are_not() -> None:
    assert set(SNAPSHOT_TOPICS) == {
        "tzsb.registry.equipment",
        "tzsb.registry.organisation",
        "tzsb.registry.contract",
        "tzsb.registry.certificate",
        "tzsb.registry.licence",
        "tzsb.registry.staff",
    }
    assert set(COMPACTED_TOPICS) == {*SNAPSHOT_TOPICS, "tzsb.cylinder.fill_statistics"}
    for topic in ALL_TOPICS:
        expected = SNAPSHOT_TOPIC_CONFIG if topic in COMPACTED_TOPICS else EVENT_TOPIC_CONFIG
        assert topic_config(topic) == expected
        assert topic_config(dlq_topic(topic)) == DLQ_TOPIC_CONFIG
    assert SNAPSHOT_TOPIC_CONFIG["cleanup.policy"] == "compact"


def test_every_topic_a_payload_names_is_in_the_table() -> None:
    assert set(topics()) <= set(ALL_TOPICS)


def test_a_topic_outside_the_table_keeps_the_broker_defaults() -> None:
    assert topic_config("tzsb.test.things") == {}
    assert topic_config("tzsb.test.things.dlq") == DLQ_TOPIC_CONFIG
    assert topic_config("tzsb.registry.equipment") is not SNAPSHOT_TOPIC_CONFIG  # a copy
