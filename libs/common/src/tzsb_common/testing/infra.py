"""PostgreSQL and Kafka for a test session: given ones, testcontainers, or the embedded servers.

Chosen by environment, so no test has a second code path:

- `TZSB_TEST_DATABASE_URL` (a server-level URL, e.g. `postgresql://postgres@host:5432/postgres`)
  and `TZSB_TEST_KAFKA` (bootstrap servers) use servers that already run; with a given broker,
  `TZSB_TEST_KAFKA_IDEMPOTENCE=false` turns idempotent producers off (Tansu, Redpanda < 22).
- `TZSB_TEST_CONTAINERS=1` starts what was not given with testcontainers (needs Docker).
- otherwise the embedded servers start on free ports under the session's temporary directory;
  `TZSB_TEST_BROKER=auto|kafka|tansu` picks the broker (default: Apache Kafka where it can run).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tzsb_common.embedded import (
    DEFAULT_JARS_DIR,
    DEFAULT_POM,
    BrokerChoice,
    EmbeddedBroker,
    EmbeddedPostgres,
    free_port,
    start_broker,
)
from tzsb_common.logging import get_logger

log = get_logger(__name__)

POSTGRES_IMAGE = "postgres:18"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
"""testcontainers' KafkaContainer drives the Confluent image's start scripts (KRaft from 7.0)."""

_TRUE = {"1", "true", "yes", "on"}


class BrokerRestartUnsupportedError(RuntimeError):
    """This session's broker cannot be stopped and started again with its data."""


@dataclass
class TestInfra:
    """What a test session runs against, and the handles to shut it down."""

    __test__ = False  # not a test class, whatever its name says

    admin_database_url: str
    """A server-level URL to the `postgres` database; per-test databases are created from it."""
    kafka_bootstrap_servers: str
    kafka_idempotence: bool
    broker_restartable: bool
    """True when `stop_broker`/`start_broker` work and the broker keeps topics and offsets."""
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    async def stop_broker(self) -> None:
        """Take the broker down (tests of outages); `start_broker` brings it back with its data."""
        broker = self._restartable_broker()
        await asyncio.to_thread(broker.stop)

    async def start_broker(self) -> None:
        broker = self._restartable_broker()
        await asyncio.to_thread(broker.start)

    def close(self) -> None:
        """Stop everything this session started, last started first. Safe to call twice."""
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:
                log.exception("stopping test infrastructure failed")

    def _restartable_broker(self) -> EmbeddedBroker:
        if self.broker is None or not self.broker_restartable:
            raise BrokerRestartUnsupportedError(
                "this test session's Kafka cannot be stopped and started again with its data "
                f"(bootstrap {self.kafka_bootstrap_servers}): it needs the embedded Apache Kafka "
                "broker, not a given one (TZSB_TEST_KAFKA), a container, or Tansu (memory only). "
                "Mark such tests `restarts_broker` so they are skipped here."
            )
        return self.broker


def start_test_infra(base_dir: Path, *, default_partitions: int = 1) -> TestInfra:
    """Start (or adopt) PostgreSQL and Kafka for one test session; `close()` stops them."""
    given_database = os.environ.get("TZSB_TEST_DATABASE_URL") or None
    given_kafka = os.environ.get("TZSB_TEST_KAFKA") or None
    use_containers = os.environ.get("TZSB_TEST_CONTAINERS", "").lower() in _TRUE
    closers: list[Callable[[], None]] = []
    try:
        if use_containers:
            infra = _containers(given_database, given_kafka, closers)
        else:
            infra = _embedded(base_dir, given_database, given_kafka, default_partitions, closers)
    except BaseException:
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                closer()
        raise
    # A session that dies before its fixtures finalise still stops its servers.
    atexit.register(infra.close)
    log.info(
        "test infrastructure ready",
        database=infra.admin_database_url,
        kafka=infra.kafka_bootstrap_servers,
        idempotence=infra.kafka_idempotence,
        broker_restartable=infra.broker_restartable,
    )
    return infra


def _embedded(
    base_dir: Path,
    given_database: str | None,
    given_kafka: str | None,
    default_partitions: int,
    closers: list[Callable[[], None]],
) -> TestInfra:
    choice = cast(BrokerChoice, os.environ.get("TZSB_TEST_BROKER", "auto").lower())
    if choice not in ("auto", "kafka", "tansu"):
        raise ValueError(f"TZSB_TEST_BROKER must be auto, kafka or tansu, not {choice!r}")
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    # Both start at once: the JVM takes a few seconds, PostgreSQL well under one.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-infra") as pool:
        postgres_started: Future[None] | None = None
        broker_started: Future[tuple[EmbeddedBroker, bool]] | None = None
        if given_database is None:
            postgres = EmbeddedPostgres(base_dir / "pg", free_port(), fast=True)
            closers.append(postgres.stop)
            postgres_started = pool.submit(postgres.start)
        if given_kafka is None:
            broker_started = pool.submit(
                start_broker,
                base_dir / "kafka",
                free_port(),
                free_port(),
                jars_dir=DEFAULT_JARS_DIR,
                pom=DEFAULT_POM,
                default_partitions=default_partitions,
                choice=choice,
            )
        errors: list[BaseException] = []
        if broker_started is not None:
            try:
                broker, _ = broker_started.result()
                closers.append(broker.stop)
            except Exception as error:
                errors.append(error)
        if postgres_started is not None:
            try:
                postgres_started.result()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]
    if broker is not None:
        return TestInfra(
            admin_database_url=given_database or _url_of(postgres),
            kafka_bootstrap_servers=broker.bootstrap_servers,
            kafka_idempotence=broker.supports_idempotence,
            broker_restartable=broker.keeps_data_on_restart,
            postgres=postgres,
            broker=broker,
            _closers=closers,
        )
    assert given_kafka is not None
    return TestInfra(
        admin_database_url=given_database or _url_of(postgres),
        kafka_bootstrap_servers=given_kafka,
        kafka_idempotence=_given_kafka_idempotence(),
        broker_restartable=False,
        postgres=postgres,
        _closers=closers,
    )


def _url_of(postgres: EmbeddedPostgres | None) -> str:
    assert postgres is not None
    return postgres.url("postgres")


def _given_kafka_idempotence() -> bool:
    return os.environ.get("TZSB_TEST_KAFKA_IDEMPOTENCE", "true").lower() in _TRUE


def _containers(
    given_database: str | None,
    given_kafka: str | None,
    closers: list[Callable[[], None]],
) -> TestInfra:
    database_url = given_database
    if database_url is None:
        postgres_container = _postgres_container_class()(
            POSTGRES_IMAGE,
            username="postgres",
            password=secrets.token_urlsafe(16),
            dbname="postgres",
            driver=None,
        ).with_command(
            "postgres -c max_connections=300 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        postgres_container.start()
        closers.append(postgres_container.stop)
        database_url = str(postgres_container.get_connection_url())
    kafka_servers = given_kafka
    idempotence = _given_kafka_idempotence()
    if kafka_servers is None:
        kafka_container = _kafka_container_class()(KAFKA_IMAGE).with_kraft()
        kafka_container.start()
        closers.append(kafka_container.stop)
        kafka_servers = str(kafka_container.get_bootstrap_server())
        idempotence = True
    return TestInfra(
        admin_database_url=database_url,
        kafka_bootstrap_servers=kafka_servers,
        kafka_idempotence=idempotence,
        # A restarted container comes back on another mapped port.
        broker_restartable=False,
        _closers=closers,
    )


def _postgres_container_class() -> Any:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community split
        from testcontainers.postgres import PostgresContainer
    return PostgresContainer


def _kafka_container_class() -> Any:
    try:
        from testcontainers.community.kafka import KafkaContainer
    except ImportError:  # testcontainers before the community split
        from testcontainers.kafka import KafkaContainer
    return KafkaContainer
