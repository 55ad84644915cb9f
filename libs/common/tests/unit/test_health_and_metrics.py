from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from tzsb_common.health import (
    DatabaseCheck,
    ReadinessCheck,
    health_router,
    is_required,
    run_readiness_checks,
)
from tzsb_common.metrics import DLQ_EVENTS, metrics_router
from tzsb_common.problems import PROBLEM_MEDIA_TYPE


@dataclass(frozen=True)
class FixedCheck:
    name: str
    reason: str | None = None
    required: bool = True

    async def check(self) -> str | None:
        return self.reason


@dataclass(frozen=True)
class HangingCheck:
    name: str = "kafka"

    async def check(self) -> str | None:
        await asyncio.sleep(60)
        return None


@dataclass(frozen=True)
class BrokenCheck:
    name: str = "consumers"

    async def check(self) -> str | None:
        raise RuntimeError("password=hunter2")


def build_app(checks: list[ReadinessCheck]) -> FastAPI:
    app = FastAPI()
    app.include_router(health_router())
    app.include_router(metrics_router())
    app.state.readiness_checks = checks
    return app


@pytest.fixture
def checks() -> list[ReadinessCheck]:
    return []


@pytest.fixture
async def client(checks: list[ReadinessCheck]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(checks))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_every_check_passes(
    client: httpx.AsyncClient, checks: list[ReadinessCheck]
) -> None:
    checks.extend([FixedCheck("database"), FixedCheck("kafka")])

    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}


async def test_readyz_is_a_503_problem_naming_the_failing_required_check(
    client: httpx.AsyncClient, checks: list[ReadinessCheck]
) -> None:
    checks.extend(
        [
            FixedCheck("database", "unreachable (ConnectionRefusedError)"),
            FixedCheck("kafka", "no broker reachable", required=False),
        ]
    )

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"] == "urn:tzsb:problem:not-ready"
    assert body["detail"] == "Not ready: database."
    assert body["checks"] == {
        "database": "unreachable (ConnectionRefusedError)",
        "kafka": "no broker reachable",
    }


async def test_readyz_stays_200_but_degraded_when_only_an_optional_check_fails(
    client: httpx.AsyncClient, checks: list[ReadinessCheck]
) -> None:
    checks.extend([FixedCheck("database"), FixedCheck("kafka", "no broker", required=False)])

    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "kafka": "no broker"},
    }
    metrics = (await client.get("/metrics")).text
    assert 'tzsb_degraded{service="FastAPI"} 1.0' in metrics
    assert (
        'tzsb_readiness_check_ok{check="kafka",required="false",service="FastAPI"} 0.0' in metrics
    )
    assert (
        'tzsb_readiness_check_ok{check="database",required="true",service="FastAPI"} 1.0' in metrics
    )


def test_a_check_that_does_not_say_otherwise_is_required() -> None:
    assert is_required(HangingCheck("legacy"))
    assert not is_required(FixedCheck("kafka", required=False))


async def test_checks_run_concurrently_and_a_hanging_one_times_out() -> None:
    started = asyncio.get_running_loop().time()

    results = await run_readiness_checks(
        [HangingCheck("kafka"), HangingCheck("database"), FixedCheck("disk")], timeout_s=0.1
    )

    assert asyncio.get_running_loop().time() - started < 1
    assert results == {
        "kafka": "no answer within 0.1 s",
        "database": "no answer within 0.1 s",
        "disk": "ok",
    }


async def test_a_check_that_raises_is_reported_without_its_message() -> None:
    results = await run_readiness_checks([BrokenCheck()])

    assert results == {"consumers": "check failed (RuntimeError)"}


async def test_database_check_reports_an_unreachable_database_without_its_address() -> None:
    engine = create_async_engine("postgresql+asyncpg://tzsb:secret@127.0.0.1:1/tzsb")
    try:
        reason = await DatabaseCheck(engine).check()
    finally:
        await engine.dispose()

    assert reason == "unreachable (ConnectionRefusedError)"


async def test_metrics_are_exposed_in_the_prometheus_text_format(
    client: httpx.AsyncClient,
) -> None:
    DLQ_EVENTS.labels(service="metrics-test", topic="tzsb.registry.equipment").inc()

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert (
        'tzsb_dlq_events_total{service="metrics-test",topic="tzsb.registry.equipment"} 1.0'
        in response.text
    )


async def test_operations_endpoints_other_than_metrics_appear_in_openapi(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert set(paths) == {"/healthz", "/readyz"}
