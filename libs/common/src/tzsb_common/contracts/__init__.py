"""Event payloads that cross service boundaries: the contracts other systems are built against.

One module per publishing service; importing this package registers every payload. The topic
table below is the one place that says which topics exist and how the broker keeps each.
"""

from tzsb_common.contracts import cylinder, elevator, hazard, inspection, registry, rescue

_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS

SNAPSHOT_TOPIC_CONFIG: dict[str, str] = {
    "cleanup.policy": "compact",
    # A consumer a little behind still sees every version, not only the latest.
    "min.compaction.lag.ms": str(_HOUR_MS),
    # Only closed segments are compacted; the broker's default (7 days) would let a busy topic
    # grow a week's worth of superseded snapshots before the first pass.
    "segment.ms": str(_DAY_MS),
}
"""Every record's latest state stays readable for as long as the topic exists."""

EVENT_TOPIC_CONFIG: dict[str, str] = {
    "cleanup.policy": "delete",
    "retention.ms": str(7 * _DAY_MS),
}
"""Facts that happened once; a consumer that is down longer than this rebuilds from a snapshot."""

DLQ_TOPIC_CONFIG: dict[str, str] = {
    "cleanup.policy": "delete",
    "retention.ms": str(30 * _DAY_MS),
}
"""Long enough for someone to look at a failed event and re-drive it."""

COMPACTED_TOPICS: tuple[str, ...] = (*registry.SNAPSHOT_TOPICS, cylinder.FILL_STATISTICS_TOPIC)
"""Topics of snapshot events: the registry's records, and the daily fill statistics."""

TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    **dict.fromkeys(COMPACTED_TOPICS, SNAPSHOT_TOPIC_CONFIG),
    "tzsb.inspection.due": EVENT_TOPIC_CONFIG,
    "tzsb.inspection.result": EVENT_TOPIC_CONFIG,
    "tzsb.inspection.spot_check": EVENT_TOPIC_CONFIG,
    "tzsb.hazard": EVENT_TOPIC_CONFIG,
    "tzsb.elevator.maintenance": EVENT_TOPIC_CONFIG,
    "tzsb.elevator.rescue": EVENT_TOPIC_CONFIG,
    "tzsb.cylinder.fill": EVENT_TOPIC_CONFIG,
    "tzsb.cylinder.inspection": EVENT_TOPIC_CONFIG,
}
"""Every topic of the bus (ARCHITECTURE.md, "Services") and the broker settings it is created
with and kept at; each also has a `.dlq` twin with `DLQ_TOPIC_CONFIG`."""

ALL_TOPICS: list[str] = list(TOPIC_CONFIGS)
"""Every topic of the bus; each also has a `.dlq` twin."""

_DLQ_SUFFIX = ".dlq"


def topic_config(topic: str) -> dict[str, str]:
    """The broker settings of a topic (without prefix) or of its `.dlq` twin; empty (the
    broker's defaults) for a topic not in the table."""
    if topic.endswith(_DLQ_SUFFIX):
        return dict(DLQ_TOPIC_CONFIG)
    return dict(TOPIC_CONFIGS.get(topic, {}))


__all__ = [
    "ALL_TOPICS",
    "COMPACTED_TOPICS",
    "DLQ_TOPIC_CONFIG",
    "EVENT_TOPIC_CONFIG",
    "SNAPSHOT_TOPIC_CONFIG",
    "TOPIC_CONFIGS",
    "cylinder",
    "elevator",
    "hazard",
    "inspection",
    "registry",
    "rescue",
    "topic_config",
]
