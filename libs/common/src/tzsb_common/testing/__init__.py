"""pytest plugin: real PostgreSQL and Kafka for every service's tests.

PostgreSQL and the broker start once per test session on free ports (or come from
`TZSB_TEST_DATABASE_URL` / `TZSB_TEST_KAFKA`, or testcontainers with `TZSB_TEST_CONTAINERS=1`).
Each test gets its own database cloned from a template migrated once by the real Alembic
history, its own topic prefix and consumer groups, real tokens signed with a test key, and an
httpx client on the app.

A service's `tests/conftest.py` declares what is under test:

    @pytest.fixture(scope="session")
    def service() -> ServiceUnderTest:
        return ServiceUnderTest(RegistrySettings, create_app, MIGRATIONS_DIR)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from tzsb_common.auth import CallerKind
from tzsb_common.db import async_url, asyncpg_dsn
from tzsb_common.kafka import stop_quietly
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import SigningKey, load_or_create_signing_key
from tzsb_common.testing.infra import TestInfra, start_test_infra

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceUnderTest:
    settings_class: type[ServiceSettings]
    app_factory: Callable[..., FastAPI]
    migrations_dir: Path


# -- infrastructure, once per session ---------------------------------------------------------


@pytest.fixture(scope="session")
def tzsb_infra() -> Iterator[TestInfra]:
    # Not under pytest's basetemp: every pytest run re-applies mode 0700 to that tree, which
    # would lock the unprivileged PostgreSQL user out of a server another run still uses.
    base_dir = Path(tempfile.mkdtemp(prefix="tzsb-test-infra-"))
    base_dir.chmod(0o755)
    infra = start_test_infra(base_dir)
    try:
        yield infra
    finally:
        infra.close()
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def test_signing_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return load_or_create_signing_key(tmp_path_factory.mktemp("keys"))


class DatabaseFactory:
    """Clones per-test databases from templates migrated once per service and session."""

    def __init__(self, admin_url: str) -> None:
        self.admin_dsn = asyncpg_dsn(admin_url)
        self.admin_url = admin_url
        self._templates: dict[Path, str] = {}

    def _url_of(self, database: str) -> str:
        return async_url(make_url(self.admin_url).set(database=database).render_as_string(False))

    async def admin_execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def template(self, migrations_dir: Path) -> str:
        if migrations_dir not in self._templates:
            name = f"tmpl_{migrations_dir.parent.name.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
            await self.admin_execute(f'CREATE DATABASE "{name}"')
            upgrade_to_head(migrations_dir, self._url_of(name))
            self._templates[migrations_dir] = name
        return self._templates[migrations_dir]

    async def clone(self, migrations_dir: Path) -> str:
        template = await self.template(migrations_dir)
        name = f"t_{uuid.uuid4().hex[:12]}"
        await self.admin_execute(
            f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'
        )
        return name

    async def drop(self, name: str) -> None:
        await self.admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, name: str) -> str:
        return self._url_of(name)


@pytest.fixture(scope="session")
def database_factory(tzsb_infra: TestInfra) -> DatabaseFactory:
    return DatabaseFactory(tzsb_infra.admin_database_url)


# -- per test ---------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def database_url(
    service: ServiceUnderTest, database_factory: DatabaseFactory
) -> AsyncIterator[str]:
    name = await database_factory.clone(service.migrations_dir)
    try:
        yield database_factory.url(name)
    finally:
        await database_factory.drop(name)


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a module or test to change the settings the app is built with."""
    return {}


@pytest.fixture
def settings(
    service: ServiceUnderTest,
    tzsb_infra: TestInfra,
    database_url: str,
    topic_prefix: str,
    test_signing_key: SigningKey,
    tmp_path: Path,
    settings_overrides: dict[str, Any],
) -> ServiceSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "database_pool_size": 5,
        "kafka_bootstrap_servers": tzsb_infra.kafka_bootstrap_servers,
        "kafka_idempotence": tzsb_infra.kafka_idempotence,
        "kafka_topic_prefix": topic_prefix,
        "kafka_consumer_group": f"{topic_prefix}group",
        "kafka_topic_partitions": 3,
        "kafka_request_timeout_ms": 5_000,
        "jwks_json": json.dumps(test_signing_key.public_jwks()),
        "state_dir": tmp_path / "state",
        "run_background_workers": False,
        "outbox_poll_interval_s": 0.2,
        "outbox_publish_timeout_s": 5.0,
        "outbox_max_backoff_s": 1.0,
        "consumer_retry_base_s": 0.01,
        "consumer_max_attempts": 3,
        "consumer_stall_timeout_s": 15.0,
        "log_json": False,
    }
    values.update(settings_overrides)
    return service.settings_class(**values)


@pytest_asyncio.fixture
async def app(service: ServiceUnderTest, settings: ServiceSettings) -> AsyncIterator[FastAPI]:
    application = service.app_factory(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class TokenFactory:
    """Real tokens, signed with the session's test key, for every kind of caller."""

    def __init__(self, key: SigningKey, settings: ServiceSettings) -> None:
        self.key = key
        self.settings = settings

    def issue(
        self,
        kind: CallerKind,
        *,
        organisation_id: uuid.UUID | None = None,
        scopes: tuple[str, ...] = (),
        ttl: timedelta = timedelta(minutes=10),
        client_id: str | None = None,
    ) -> str:
        return self.key.issue(
            subject=client_id or f"test-{kind.value}",
            organisation_id=organisation_id or uuid.uuid4(),
            kind=kind,
            scopes=scopes,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            ttl=ttl,
        )

    def headers(self, kind: CallerKind, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issue(kind, **claims)}"}

    def bureau(self) -> dict[str, str]:
        return self.headers(CallerKind.bureau)


@pytest.fixture
def tokens(test_signing_key: SigningKey, settings: ServiceSettings) -> TokenFactory:
    return TokenFactory(test_signing_key, settings)


class TopicReader:
    """Reads what a topic received, from the beginning, without joining a consumer group."""

    def __init__(self, bootstrap_servers: str, prefix: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.prefix = prefix

    async def read(
        self, topic: str, *, count: int, timeout_s: float = 30.0, prefixed: bool = False
    ) -> list[ConsumerRecord]:
        """Wait until `count` records arrived (or time out) and return every record seen."""
        name = topic if prefixed else f"{self.prefix}{topic}"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        records: list[ConsumerRecord] = []
        try:
            deadline = time.monotonic() + timeout_s
            partitions: set[int] | None = None
            while partitions is None and time.monotonic() < deadline:
                partitions = consumer.partitions_for_topic(name)
                if partitions is None:
                    await consumer._client.force_metadata_update()  # topic may be new
                    await asyncio.sleep(0.2)
            if partitions is None:
                return records
            consumer.assign([TopicPartition(name, p) for p in partitions])
            await consumer.seek_to_beginning()
            while len(records) < count and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(part)
            return records
        finally:
            await stop_quietly(consumer)


async def committed_offsets(
    bootstrap_servers: str, group: str, topic: str, partitions: int
) -> dict[int, int | None]:
    """What `group` has committed on each partition of `topic` (None: nothing yet), read
    without joining the group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        await stop_quietly(consumer)


@pytest.fixture
def topic_reader(tzsb_infra: TestInfra, topic_prefix: str) -> TopicReader:
    return TopicReader(tzsb_infra.kafka_bootstrap_servers, topic_prefix)


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout_s: float = 30.0,
    interval_s: float = 0.2,
) -> T:
    """Poll `probe` until its result satisfies `until`; fail the test with the last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s}s; last value: {value!r}")
        await asyncio.sleep(interval_s)


async def check_service_shell(
    client: httpx.AsyncClient, tokens: TokenFactory, *, service_name: str
) -> None:
    """What every service answers from its first day: health, readiness and metrics without a
    token, and an API root that needs one and names the service."""
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) >= {"database", "kafka"}
    metrics = await client.get("/metrics")
    assert "tzsb_http_request_duration_seconds" in metrics.text
    assert (await client.get("/api/v1")).status_code == 401
    answer = await client.get("/api/v1", headers=tokens.headers(CallerKind.use_unit))
    assert answer.status_code == 200
    assert answer.json()["service"] == service_name


# -- tests that must not be skipped in CI -----------------------------------------------------

BROKER_RESTART_MARKER = "restarts_broker"
"""Tests that stop and start the broker: the only proof that nothing is lost while Kafka is down.
They skip where the broker loses its data on restart (Tansu, a given broker, a container), but
under `CI=true` such a skip fails the run, so CI always runs them on Apache Kafka."""


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{BROKER_RESTART_MARKER}: stops and starts the shared Kafka broker "
        "(needs a broker that keeps its data; may not be skipped under CI=true)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker(BROKER_RESTART_MARKER) is not None
        and running_in_ci()
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"CI=true: a `{BROKER_RESTART_MARKER}` test may not be skipped (it was: {reason}). "
            "These tests prove that nothing is lost while Kafka is down; run CI on Apache "
            "Kafka (Java 17+ and Maven; TZSB_TEST_BROKER=kafka)."
        )
    return report
