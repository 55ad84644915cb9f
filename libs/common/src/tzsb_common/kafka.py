"""Kafka clients with the settings the pitfalls in ARCHITECTURE.md call for."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from tzsb_common.contracts import topic_config
from tzsb_common.logging import get_logger
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)


MAX_RECORD_BYTES = 1_048_576
"""The producer's `max_request_size`, below Apache Kafka's default `message.max.bytes`: a record
above it is refused by the client, alone, before it could fail a request of good ones."""


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """acks=all explicitly: aiokafka defaults to acks=1, which loses writes on a leader change."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"tzsb-{settings.service_name}",
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        max_request_size=MAX_RECORD_BYTES,
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
    prefix: str = "",
    timeout_s: float = 30.0,
) -> None:
    """Create the topics that do not exist yet, and bring every one to its settings.

    The settings come from the topic table (`tzsb_common.contracts.topic_config`, looked up
    without `prefix`): snapshot topics compacted, event and dead-letter topics with their
    retention. A topic created earlier with other settings is altered to them, so a deployment
    that predates the table is mended by its next start. A broker that cannot describe or alter
    topic settings (the embedded Tansu fallback cannot alter them) gets a warning, never a
    failed start: the topics still work, only retention differs.
    """
    wanted = {topic: topic_config(topic.removeprefix(prefix)) for topic in dict.fromkeys(topics)}
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=timeout_s)
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout=timeout_s))
        missing = [t for t in wanted if t not in existing]
        if missing:
            await _create_topics(
                admin, {t: wanted[t] for t in missing}, partitions, replication_factor, timeout_s
            )
        configured = {t: c for t, c in wanted.items() if t in existing and c}
        if configured:
            await _apply_topic_configs(admin, configured, timeout_s)
    finally:
        await stop_quietly(admin)


async def delete_topics(
    bootstrap_servers: str, *, prefix: str, timeout_s: float = 30.0
) -> list[str]:
    """Delete every topic whose name starts with `prefix`; returns the names deleted.

    For tools that make topics of their own on a shared broker (a benchmark's run, under a
    prefix of its own): left behind, each run's topics would stay on the broker for good, and
    every partition costs the broker memory, files and work at each start and retention pass.
    """
    if not prefix:
        raise ValueError("an empty prefix would delete every topic")
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=timeout_s)
        names = sorted(
            t for t in await asyncio.wait_for(admin.list_topics(), timeout=timeout_s)
            if t.startswith(prefix)
        )  # fmt: skip
        if names:
            await asyncio.wait_for(
                admin.delete_topics(names, timeout_ms=int(timeout_s * 1000)), timeout=timeout_s
            )
            log.info("kafka topics deleted", prefix=prefix, topics=len(names))
        return names
    finally:
        await stop_quietly(admin)


async def _create_topics(
    admin: AIOKafkaAdminClient,
    configs: dict[str, dict[str, str]],
    partitions: int,
    replication_factor: int,
    timeout_s: float,
) -> None:
    def new_topics(with_configs: bool) -> list[NewTopic]:
        return [
            NewTopic(
                name=topic,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=config if with_configs else {},
            )
            for topic, config in configs.items()
        ]

    failures = _creation_failures(
        await asyncio.wait_for(admin.create_topics(new_topics(True)), timeout=timeout_s)
    )
    if failures:
        # A broker that refuses the settings (a policy, an unknown name) still gets the
        # topics, with its own defaults; a second refusal is a real failure.
        log.warning(
            "kafka refused creating topics with their settings; retrying with the broker's own",
            errors={topic: message for topic, (_, message) in failures.items()},
        )
        retry = [nt for nt in new_topics(False) if nt.name in failures]
        failures = _creation_failures(
            await asyncio.wait_for(admin.create_topics(retry), timeout=timeout_s)
        )
    if failures:
        topic, (code, message) = next(iter(failures.items()))
        raise for_code(code)(f"creating topic {topic} failed: {message}")
    log.info("kafka topics created", topics=list(configs), partitions=partitions)


def _creation_failures(response: Any) -> dict[str, tuple[int, str | None]]:
    """Per-topic errors of a CreateTopics answer; "already exists" (another replica was
    first) is not one."""
    failures: dict[str, tuple[int, str | None]] = {}
    for topic, code, *rest in response.topic_errors:
        if code not in (0, TopicAlreadyExistsError.errno):
            failures[topic] = (code, rest[0] if rest else None)
    return failures


async def _apply_topic_configs(
    admin: AIOKafkaAdminClient, wanted: dict[str, dict[str, str]], timeout_s: float
) -> None:
    """Alter the topics whose settings differ from the table; warn where the broker cannot."""
    try:
        current = await describe_topic_configs(admin, list(wanted), timeout_s=timeout_s)
        stale = {
            topic: config
            for topic, config in wanted.items()
            if any(current.get(topic, {}).get(name) != value for name, value in config.items())
        }
        if not stale:
            return
        overrides = await _topic_overrides(admin, list(stale), timeout_s)
        # AlterConfigs replaces a topic's whole set of overrides: keep those set by hand.
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, topic, configs={**overrides[topic], **config})
            for topic, config in stale.items()
        ]
        responses = await asyncio.wait_for(admin.alter_configs(resources), timeout=timeout_s)
        errors = {
            name: message or str(code)
            for response in responses
            for code, message, _, name in response.resources
            if code != 0
        }
        if errors:
            log.warning("kafka refused some topic settings", errors=errors)
        altered = sorted(set(stale) - set(errors))
        if altered:
            log.info("kafka topic settings applied", topics=altered)
    except (KafkaError, TimeoutError, OSError) as exc:
        log.warning(
            "kafka cannot describe or alter topic settings here; topics keep their own",
            topics=sorted(wanted),
            error=f"{type(exc).__name__}: {exc}",
        )


_DYNAMIC_TOPIC_CONFIG = 1
"""DescribeConfigs' config_source for a setting made on the topic itself."""


async def describe_topic_configs(
    admin: AIOKafkaAdminClient, topics: list[str], *, timeout_s: float = 30.0
) -> dict[str, dict[str, str]]:
    """The effective settings of each topic, whatever their source (topic, broker, default)."""
    described = await _describe(admin, topics, timeout_s)
    return {
        topic: {name: value for name, (value, _) in entries.items()}
        for topic, entries in described.items()
    }


async def _topic_overrides(
    admin: AIOKafkaAdminClient, topics: list[str], timeout_s: float
) -> dict[str, dict[str, str]]:
    described = await _describe(admin, topics, timeout_s)
    return {
        topic: {
            name: value
            for name, (value, source) in described.get(topic, {}).items()
            if source == _DYNAMIC_TOPIC_CONFIG
        }
        for topic in topics
    }


async def _describe(
    admin: AIOKafkaAdminClient, topics: list[str], timeout_s: float
) -> dict[str, dict[str, tuple[str, int | None]]]:
    responses = await asyncio.wait_for(
        admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic) for topic in topics]
        ),
        timeout=timeout_s,
    )
    described: dict[str, dict[str, tuple[str, int | None]]] = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            if resource["error_code"] != 0:
                raise for_code(resource["error_code"])(
                    f"describing topic {resource['resource_name']}: {resource['error_message']}"
                )
            described[resource["resource_name"]] = {
                entry["config_names"]: (entry["config_value"], entry.get("config_source"))
                for entry in resource["config_entries"]
            }
    return described


class BrokerProbe:
    """Answers "is the broker reachable?" on one long-lived admin client.

    Starting a client costs a bootstrap, a metadata fetch and the teardown — tens of
    milliseconds of the event loop, which a readiness check every few seconds turned into a
    latency spike for every request in flight. A client that keeps its connection answers with
    one metadata request; one that failed is dropped and the next check starts afresh.
    """

    def __init__(self, bootstrap_servers: str, *, timeout_s: float = 2.0) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._timeout_s = timeout_s
        self._admin: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()

    async def reachable(self) -> str | None:
        """None when a metadata request succeeds, else a short reason (for /readyz)."""
        async with self._lock:
            try:
                if self._admin is None:
                    admin = AIOKafkaAdminClient(
                        bootstrap_servers=self._bootstrap_servers,
                        request_timeout_ms=int(self._timeout_s * 1000),
                    )
                    self._admin = admin
                    await asyncio.wait_for(admin.start(), timeout=self._timeout_s)
                await asyncio.wait_for(self._admin.list_topics(), timeout=self._timeout_s)
                return None
            except (KafkaError, TimeoutError, OSError) as exc:
                await self._drop()
                return f"kafka unreachable: {type(exc).__name__}"

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            await stop_quietly(admin, timeout_s=self._timeout_s)
