from __future__ import annotations

import httpx

from tzsb_common.testing import TokenFactory, check_service_shell


async def test_health_readiness_metrics_and_the_guarded_api_root(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    await check_service_shell(client, tokens, service_name="elevator-maintenance")
