from __future__ import annotations

import base64
import logging
from datetime import timedelta

import httpx
import jwt
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory


async def _client_for(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: str, scopes: list[str] | None = None
) -> dict[str, str]:
    organisation = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(kind=kind), headers=tokens.bureau()
        )
    ).json()
    response = await client.post(
        f"/api/v1/organisations/{organisation['id']}/clients",
        json={"name": "swipe terminals", "scopes": scopes or []},
        headers=tokens.bureau(),
    )
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    assert created["organisation_id"] == organisation["id"]
    return created


async def test_client_credentials_in_the_form_body_give_a_working_token(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    created = await _client_for(client, tokens, "use_unit")
    response = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["sub"] == created["client_id"]
    assert claims["org"] == created["organisation_id"]
    assert claims["kind"] == "use_unit"

    listed = await client.get(
        "/api/v1/equipment", headers={"Authorization": f"Bearer {answer['access_token']}"}
    )
    assert listed.status_code == 200


async def test_http_basic_credentials_are_accepted_and_scopes_are_granted(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    created = await _client_for(client, tokens, "government_system", ["registry:write"])
    basic = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode())
    response = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic.decode()}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "registry:write"
    narrower = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": "registry:admin"},
        headers={"Authorization": f"Basic {basic.decode()}"},
    )
    assert narrower.status_code == 400
    assert narrower.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials", "client_secret": "x"}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
    ],
)  # fmt: skip
async def test_token_endpoint_answers_oauth_errors_as_problems(
    client: httpx.AsyncClient, form: dict[str, str], status: int, error: str
) -> None:
    response = await client.post("/api/v1/oauth/token", data=form)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["error"] == error


async def test_wrong_secret_is_refused(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    created = await _client_for(client, tokens, "use_unit")
    response = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"] + "x",
        },
    )
    assert response.status_code == 401


async def test_client_secret_is_never_shown_again_nor_logged(
    client: httpx.AsyncClient, tokens: TokenFactory, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    created = await _client_for(client, tokens, "filling_station")
    secret = created["client_secret"]
    token = await client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": secret,
        },
    )
    assert secret not in token.text
    organisation = await client.get(
        f"/api/v1/organisations/{created['organisation_id']}", headers=tokens.bureau()
    )
    assert secret not in organisation.text
    captured = capsys.readouterr()
    assert secret not in caplog.text
    assert secret not in captured.out + captured.err


async def test_requests_without_a_valid_token_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    missing = await client.get("/api/v1/equipment")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")

    forged_key = SigningKey.generate()
    forged = forged_key.issue(
        subject="intruder", organisation_id=__import__("uuid").uuid4(), kind=CallerKind.bureau,
        scopes=(), issuer="tzsb-registry", audience="tzsb", ttl=timedelta(minutes=5),
    )  # fmt: skip
    assert (
        await client.get("/api/v1/equipment", headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401

    expired = tokens.issue(CallerKind.bureau, ttl=timedelta(minutes=-5))
    assert (
        await client.get("/api/v1/equipment", headers={"Authorization": f"Bearer {expired}"})
    ).status_code == 401


async def test_jwks_serves_the_key_that_verifies_issued_tokens(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    jwks = (await client.get("/.well-known/jwks.json")).json()
    created = await _client_for(client, tokens, "use_unit")
    token = (
        await client.post(
            "/api/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": created["client_id"],
                "client_secret": created["client_secret"],
            },
        )
    ).json()["access_token"]
    header = jwt.get_unverified_header(token)
    [key] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    claims = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience="tzsb", issuer="tzsb-registry"
    )
    assert claims["kind"] == "use_unit"


async def test_client_scopes_must_be_plain_lower_case_names(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    organisation = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()
    response = await client.post(
        f"/api/v1/organisations/{organisation['id']}/clients",
        json={"scopes": ["registry:write", "Bad Scope"]},
        headers=tokens.bureau(),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "scopes", 1]


async def test_a_malformed_client_id_is_an_unknown_client(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "a\u0000b", "client_secret": "x"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_credentials_by_basic_and_in_the_body_at_once_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    created = await _client_for(client, tokens, "use_unit")
    basic = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode())
    response = await client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": created["client_id"]},
        headers={"Authorization": f"Basic {basic.decode()}"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
