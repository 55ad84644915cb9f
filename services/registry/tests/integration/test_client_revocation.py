"""Revoking an API client, the per-organisation client limit and the token endpoint's limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import registry_factories as make
from tzsb_common import client_secrets
from tzsb_common.auth import CallerKind, TokenVerifier
from tzsb_common.problems import Unauthorized
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory, eventually


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {
        "signing_key_pem": test_signing_key.to_pem().decode(),
        "max_clients_per_organisation": 2,
        "token_requests_per_minute_per_client": 3,
        "token_requests_per_minute_per_address": 8,
    }


async def _organisation(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    organisation_id: str = response.json()["id"]
    return organisation_id


async def _new_client(
    client: httpx.AsyncClient, tokens: TokenFactory, organisation_id: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/organisations/{organisation_id}/clients",
        json={"name": "terminals"},
        headers=tokens.bureau(),
    )


async def _token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def test_a_revoked_clients_tokens_stop_working_and_it_gets_no_new_ones(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    organisation_id = await _organisation(client, tokens)
    created = (await _new_client(client, tokens, organisation_id)).json()
    access = (await _token(client, created["client_id"], created["client_secret"])).json()
    bearer = {"Authorization": f"Bearer {access['access_token']}"}
    own = f"/api/v1/organisations/{organisation_id}"
    assert (await client.get(own, headers=bearer)).status_code == 200  # now cached

    revoke = f"{own}/clients/{created['client_id']}"
    user = tokens.headers(CallerKind.use_unit)
    assert (await client.delete(revoke, headers=user)).status_code == 403
    assert (await client.delete(revoke, headers=tokens.bureau())).status_code == 204
    assert (await client.delete(revoke, headers=tokens.bureau())).status_code == 204

    refused = await client.get(own, headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    again = await _token(client, created["client_id"], created["client_secret"])
    assert again.status_code == 401
    listed = (await client.get("/.well-known/revoked-clients")).json()
    assert listed["revoked_client_ids"] == [created["client_id"]]


async def test_revoking_a_client_of_another_organisation_is_not_found(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    first = await _organisation(client, tokens)
    second = await _organisation(client, tokens)
    created = (await _new_client(client, tokens, first)).json()
    wrong = f"/api/v1/organisations/{second}/clients/{created['client_id']}"
    assert (await client.delete(wrong, headers=tokens.bureau())).status_code == 404
    assert (await client.get("/.well-known/revoked-clients")).json()["revoked_client_ids"] == []


async def test_another_service_refuses_a_revoked_clients_tokens_after_its_refresh(
    app: Any, client: httpx.AsyncClient, tokens: TokenFactory, test_signing_key: SigningKey
) -> None:
    """A service other than the registry: keys from JWKS_JSON, the revocation list from the
    registry over HTTP, refreshed in the background."""
    organisation_id = await _organisation(client, tokens)
    created = (await _new_client(client, tokens, organisation_id)).json()
    access = (await _token(client, created["client_id"], created["client_secret"])).json()
    elsewhere = TokenVerifier(
        ServiceSettings(
            jwt_issuer=app.state.settings.jwt_issuer,
            jwt_audience=app.state.settings.jwt_audience,
            jwks_json=json.dumps(test_signing_key.public_jwks()),
            revoked_clients_url="http://testserver/.well-known/revoked-clients",
            revoked_clients_refresh_seconds=0.1,
        ),
        transport=httpx.ASGITransport(app=app),
    )
    async with elsewhere.refreshing():
        principal = await elsewhere.verify(access["access_token"])
        assert principal.client_id == created["client_id"]
        revoke = f"/api/v1/organisations/{organisation_id}/clients/{created['client_id']}"
        assert (await client.delete(revoke, headers=tokens.bureau())).status_code == 204

        async def refused() -> bool:
            try:
                await elsewhere.verify(access["access_token"])
            except Unauthorized:
                return True
            return False

        assert await eventually(refused, timeout_s=10)


async def test_an_organisation_holds_a_bounded_number_of_active_clients(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    organisation_id = await _organisation(client, tokens)
    first = await _new_client(client, tokens, organisation_id)
    assert (await _new_client(client, tokens, organisation_id)).status_code == 201
    over = await _new_client(client, tokens, organisation_id)
    assert over.status_code == 409
    assert over.json()["code"] == "client_limit_reached"
    revoke = f"/api/v1/organisations/{organisation_id}/clients/{first.json()['client_id']}"
    assert (await client.delete(revoke, headers=tokens.bureau())).status_code == 204
    assert (await _new_client(client, tokens, organisation_id)).status_code == 201


@pytest.fixture
def within_one_minute(app: FastAPI) -> None:
    """The throttle's clock stands still in the middle of a window: the requests of a test
    fall in one minute however slowly the machine answers, never across a window's edge,
    where the sliding estimate lets a few more through."""
    app.state.token_throttle.clock = lambda: 90.0


@pytest.mark.usefixtures("within_one_minute")
async def test_token_requests_for_one_client_are_rate_limited(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    organisation_id = await _organisation(client, tokens)
    created = (await _new_client(client, tokens, organisation_id)).json()
    statuses = [(await _token(client, created["client_id"], "wrong")).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    limited = await _token(client, created["client_id"], created["client_secret"])
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"] == "urn:tzsb:problem:too-many-requests"


@pytest.mark.usefixtures("within_one_minute")
async def test_token_requests_from_one_address_are_rate_limited(
    client: httpx.AsyncClient,
) -> None:
    statuses = [(await _token(client, f"tzsb_{i:024x}", "secret")).status_code for i in range(9)]
    assert statuses == [401] * 8 + [429]


async def test_unknown_clients_are_answered_without_waiting_for_a_secret_check(
    client: httpx.AsyncClient,
) -> None:
    """Both argon2 slots busy (as under a flood of real checks): an unknown client is still
    answered, since it never takes a slot."""
    slots = client_secrets._slots()
    for _ in range(client_secrets._CONCURRENT_HASHES):
        await slots.acquire()
    try:
        answer = await asyncio.wait_for(_token(client, "tzsb_" + "0" * 24, "secret"), 30)
    finally:
        for _ in range(client_secrets._CONCURRENT_HASHES):
            slots.release()
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
