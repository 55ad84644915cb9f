"""Kafka clients with the settings the pitfalls in ARCHITECTURE.md call for."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from tzsb_common.logging import get_logger
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """acks=all explicitly: aiokafka defaults to acks=1, which loses writes on a leader change."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"tzsb-{settings.service_name}",
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        retry_backoff_ms=200,
    )


async def stop_quietly(client: object, *, timeout_s: float = 5.0) -> None:
    """Stop a producer, consumer or admin client without hanging while the broker is down.

    aiokafka #1101: with idempotence on, `stop()` can wait forever for an unreachable broker.
    """
    stop = getattr(client, "stop", None) or getattr(client, "close", None)
    if stop is None:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(stop(), timeout=timeout_s)


async def ensure_topics(
    bootstrap_servers: str,
    topics: list[str],
    partitions: int,
    replication_factor: int = 1,
    *,
    timeout_s: float = 30.0,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=timeout_s)
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout=timeout_s))
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if not missing:
            return
        new_topics = [
            NewTopic(name=t, num_partitions=partitions, replication_factor=replication_factor)
            for t in missing
        ]
        with contextlib.suppress(TopicAlreadyExistsError):  # another replica was first
            await asyncio.wait_for(admin.create_topics(new_topics), timeout=timeout_s)
        log.info("kafka topics created", topics=missing, partitions=partitions)
    finally:
        await stop_quietly(admin)


async def broker_reachable(bootstrap_servers: str, *, timeout_s: float = 2.0) -> str | None:
    """None when a metadata request succeeds, else a short reason (for /readyz)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout=timeout_s)
        return None
    except (KafkaError, TimeoutError, OSError) as exc:
        return f"kafka unreachable: {type(exc).__name__}"
    finally:
        await stop_quietly(admin, timeout_s=timeout_s)
