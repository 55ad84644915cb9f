from __future__ import annotations

import httpx

from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def test_health_readiness_and_metrics_answer_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) >= {"database", "kafka"}
    metrics = await client.get("/metrics")
    assert "tzsb_http_request_duration_seconds" in metrics.text


async def test_api_root_needs_a_token_and_names_the_service(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    assert (await client.get("/api/v1")).status_code == 401
    answer = await client.get("/api/v1", headers=tokens.headers(CallerKind.use_unit))
    assert answer.status_code == 200
    assert answer.json()["service"] == "inspection"
