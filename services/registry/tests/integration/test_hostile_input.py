"""Hostile input costs the attacker, not the server: bounded problems, strict JSON, media
types, security headers and docs that need no CDN."""

from __future__ import annotations

import httpx
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def use_unit(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    assert response.status_code == 201, response.text
    organisation_id: str = response.json()["id"]
    return organisation_id


async def test_a_body_of_many_unknown_keys_lists_fifty_errors_and_counts_the_rest(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    body = {f"unknown_{i}": i for i in range(500)}
    response = await client.post("/api/v1/organisations", json=body, headers=tokens.bureau())
    assert response.status_code == 422
    problem = response.json()
    assert len(problem["errors"]) == 50
    assert problem["errors_omitted"] == 450
    assert problem["errors"][0] == {
        "location": ["body", "unknown_0"],
        "field": "unknown_0",
        "message": "Extra inputs are not permitted",
        "code": "extra_forbidden",
    }


async def test_many_invalid_fields_are_listed_up_to_the_limit_and_counted(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    """A batch-like body of many bad values, none of them unknown keys."""
    bad_region = {"province": 1, "city": 2, "district": 3}
    body = make.elevator(use_unit, region=bad_region, lat="x", lon="y", park=5)
    body.update({name: 7 for name in ("manufacturer", "factory_number", "address")})
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    problem = response.json()
    assert response.status_code == 422
    assert len(problem["errors"]) == 9
    assert "errors_omitted" not in problem


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", True),
        ("rescue_sign_posted", "yes"),
        ("manufactured_on", "2025-06-01T00:00:00"),
        ("manufactured_on", 20000),
        ("use_unit_id", 12345),
        ("lon", "103.6"),
    ],
)
async def test_json_values_of_the_wrong_type_are_refused_not_coerced(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str, field: str, value: object
) -> None:
    body = make.elevator(use_unit)
    body[field] = value
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["location"] == ["body", field]


async def test_uuids_and_dates_are_accepted_in_their_json_string_forms(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit, manufactured_on="2025-06-01", lat=36)
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 201, response.text
    assert response.json()["manufactured_on"] == "2025-06-01"
    assert response.json()["use_unit_id"] == use_unit


async def test_a_duplicated_key_is_refused_naming_the_key(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    raw = httpx.Request("POST", "/", json=make.elevator(use_unit)).content
    assert raw.endswith(b"}")
    doubled = raw[:-1] + b', "lat": 1.5}'
    response = await client.post(
        "/api/v1/equipment",
        content=doubled,
        headers={**tokens.bureau(), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "duplicate_key"
    assert "'lat'" in error["message"]


async def test_a_nested_duplicated_key_is_refused_too(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    raw = (
        b'{"credit_code": "%s", "name": "x", "kind": "use_unit", "region": '
        b'{"province": "a", "city": "b", "city": "c", "district": "d"}}'
    ) % make.credit_code().encode()
    response = await client.post(
        "/api/v1/organisations",
        content=raw,
        headers={**tokens.bureau(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "duplicate_key"


async def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(
            "/api/v1/organisations",
            content=b"credit_code=1",
            headers={**tokens.bureau(), "content-type": content_type},
        )
        assert response.status_code == 415, response.text
        assert response.json()["type"] == "urn:tzsb:problem:unsupported-media-type"


async def test_a_body_that_is_not_utf8_is_a_validation_problem(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.post(
        "/api/v1/organisations",
        content=b'{"name": "\xff\xfe"}',
        headers={**tokens.bureau(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


async def test_api_answers_are_not_sniffed_nor_stored(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answers = [
        await client.get("/api/v1/organisations", headers=tokens.bureau()),
        await client.get("/api/v1/organisations"),  # a problem answer too
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.headers["x-content-type-options"] == "nosniff"
    assert jwks.headers["cache-control"] == "public, max-age=300"


async def test_docs_load_their_scripts_from_the_service_itself(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn." not in html
        assert "googleapis" not in html
        assets = [part.split('"')[0] for part in html.split('src="')[1:]]
        assert assets, html
        for asset in assets:
            answer = await client.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 100_000  # the real bundle, not a stub


async def test_method_not_allowed_lists_every_method_of_the_path(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.put("/api/v1/equipment/311000000000000001", headers=tokens.bureau())
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "PATCH"}
    assert response.json()["type"] == "urn:tzsb:problem:method-not-allowed"


async def test_openapi_documents_unsupported_media_type_and_the_token_endpoint_errors(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    create = document["paths"]["/api/v1/organisations"]["post"]["responses"]
    assert {"201", "401", "403", "415", "422"} <= set(create)
    token = document["paths"]["/api/v1/oauth/token"]["post"]["responses"]
    assert {"200", "400", "401", "429"} <= set(token)
    revoke = document["paths"]["/api/v1/organisations/{organisation_id}/clients/{client_id}"]
    assert "204" in revoke["delete"]["responses"]


async def test_a_caller_sees_only_its_own_organisation(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    import uuid

    own = tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(use_unit))
    other = tokens.headers(CallerKind.use_unit)
    assert (await client.get(f"/api/v1/organisations/{use_unit}", headers=own)).status_code == 200
    assert (await client.get(f"/api/v1/organisations/{use_unit}", headers=other)).status_code == 404


async def test_a_caller_without_a_valid_token_is_refused_before_its_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    garbage = b'{"a": 1, "a": 2' + b" " * 1000
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await client.post(
            "/api/v1/organisations",
            content=garbage,
            headers={**headers, "content-type": "text/plain"},
        )
        assert response.status_code == 401
        assert response.json()["type"] == "urn:tzsb:problem:unauthorized"
