"""`/readyz` follows the outbox's promise: Kafka away degrades a service, the database away
makes it unready. Liveness (`/healthz`) answers either way."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import make_url

from machinery_support import new_subject
from tzsb_common.auth import CallerKind
from tzsb_common.embedded import free_port
from tzsb_common.testing import TokenFactory

SERVICE = "machinery-test"


@pytest.fixture
def nowhere() -> str:
    """An address nothing listens on."""
    return f"127.0.0.1:{free_port()}"


class TestKafkaAway:
    @pytest.fixture
    def settings_overrides(self, nowhere: str) -> dict[str, object]:
        return {"kafka_bootstrap_servers": nowhere}

    async def test_readyz_stays_200_and_shows_kafka_degraded_in_body_and_metrics(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/readyz")
        metrics = (await client.get("/metrics")).text

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["kafka"].startswith("kafka unreachable")
        assert f'tzsb_degraded{{service="{SERVICE}"}} 1.0' in metrics
        assert (
            f'tzsb_readiness_check_ok{{check="kafka",required="false",service="{SERVICE}"}} 0.0'
            in metrics
        )

    async def test_writes_are_accepted_meanwhile(
        self, client: httpx.AsyncClient, tokens: TokenFactory
    ) -> None:
        response = await client.post(
            "/api/v1/things",
            json={"subject": new_subject(), "seq": 1},
            headers=tokens.headers(CallerKind.bureau),
        )

        assert response.status_code == 201, response.text


class TestDatabaseAway:
    @pytest.fixture
    def settings_overrides(self, database_url: str) -> dict[str, object]:
        unreachable = make_url(database_url).set(host="127.0.0.1", port=free_port())
        return {"database_url": unreachable.render_as_string(hide_password=False)}

    async def test_readyz_is_503_while_healthz_stays_200(self, client: httpx.AsyncClient) -> None:
        ready = await client.get("/readyz")
        alive = await client.get("/healthz")
        metrics = (await client.get("/metrics")).text

        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
        assert ready.json()["detail"] == "Not ready: database."
        assert alive.status_code == 200
        assert f'tzsb_degraded{{service="{SERVICE}"}} 0.0' in metrics
        assert (
            f'tzsb_readiness_check_ok{{check="database",required="true",service="{SERVICE}"}} 0.0'
            in metrics
        )
