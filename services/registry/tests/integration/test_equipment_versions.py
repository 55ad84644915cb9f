"""Lost-update protection and cheap refusals on the equipment API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def elevator(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    unit = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    body = make.elevator(unit.json()["id"])
    created = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert created.status_code == 201
    assert created.headers["ETag"] == '"v1"'
    return str(body["equipment_code"])


async def test_a_single_record_answer_carries_its_version_as_etag(
    client: httpx.AsyncClient, tokens: TokenFactory, elevator: str
) -> None:
    read = await client.get(f"/api/v1/equipment/{elevator}", headers=tokens.bureau())
    assert read.headers["ETag"] == '"v1"'
    changed = await client.patch(
        f"/api/v1/equipment/{elevator}", json={"park": "秦川园区"}, headers=tokens.bureau()
    )
    assert changed.headers["ETag"] == '"v2"'
    assert changed.json()["version"] == 2


async def test_a_patch_on_a_stale_version_is_refused_with_412_and_changes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, elevator: str
) -> None:
    first = await client.patch(
        f"/api/v1/equipment/{elevator}",
        json={"park": "秦川园区"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/api/v1/equipment/{elevator}",
        json={"park": "西岔园区"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["type"] == "urn:tzsb:problem:precondition-failed"
    assert stale.json()["current_version"] == 2
    read = await client.get(f"/api/v1/equipment/{elevator}", headers=tokens.bureau())
    assert read.json()["park"] == "秦川园区"


@pytest.mark.parametrize("if_match", ['"v2"', 'W/"v2"', '"v7", "v2"', "*"])
async def test_a_patch_matching_the_current_version_goes_through(
    client: httpx.AsyncClient, tokens: TokenFactory, elevator: str, if_match: str
) -> None:
    await client.patch(
        f"/api/v1/equipment/{elevator}", json={"park": "秦川园区"}, headers=tokens.bureau()
    )
    response = await client.patch(
        f"/api/v1/equipment/{elevator}",
        json={"park": "西岔园区"},
        headers={**tokens.bureau(), "If-Match": if_match},
    )
    assert response.status_code == 200, response.text
    assert response.json()["park"] == "西岔园区"


@pytest.mark.parametrize("if_match", ["v1", '"1"', "garbage"])
async def test_an_if_match_we_never_issued_matches_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, elevator: str, if_match: str
) -> None:
    response = await client.patch(
        f"/api/v1/equipment/{elevator}",
        json={"park": "西岔园区"},
        headers={**tokens.bureau(), "If-Match": if_match},
    )
    assert response.status_code == 412


async def test_a_read_of_the_version_the_client_holds_answers_304(
    client: httpx.AsyncClient, tokens: TokenFactory, elevator: str
) -> None:
    fresh = await client.get(
        f"/api/v1/equipment/{elevator}", headers={**tokens.bureau(), "If-None-Match": '"v1"'}
    )
    assert fresh.status_code == 304
    assert fresh.content == b""
    stale = await client.get(
        f"/api/v1/equipment/{elevator}", headers={**tokens.bureau(), "If-None-Match": '"v0"'}
    )
    assert stale.status_code == 200


async def test_a_caller_who_may_not_write_is_refused_before_its_body_is_validated(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    junk = json.dumps({f"unknown_{n}": n for n in range(20_000)})
    for method in ("POST", "PATCH"):
        path = "/api/v1/equipment" + ("/311012345678901234" if method == "PATCH" else "")
        response = await client.request(
            method,
            path,
            content=junk,
            headers={
                **tokens.headers(CallerKind.filling_station),
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 403, method
        assert len(response.content) < 2_000
    for content, content_type in ((b"{not json", "application/json"), (b"x", "text/plain")):
        response = await client.post(
            "/api/v1/equipment",
            content=content,
            headers={**tokens.headers(CallerKind.use_unit), "Content-Type": content_type},
        )
        assert response.status_code == 403, content_type


async def test_a_writer_still_learns_every_problem_of_its_body(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.patch(
        "/api/v1/equipment/311012345678901234",
        content=b'{"park": 1, "park": 2}',
        headers={**tokens.bureau(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "duplicate_key"
    response = await client.patch(
        "/api/v1/equipment/not-a-code",
        json={"lat": True},
        headers=tokens.bureau(),
    )
    assert response.status_code == 422
    locations = [error["location"] for error in response.json()["errors"]]
    assert ["path", "equipment_code"] in locations
    assert ["body", "lat"] in locations


async def test_a_caller_who_may_not_write_is_refused_without_its_body_being_read(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(b"{")
        yield b'{"equipment_code": "311012345678901234"}'

    response = await client.post(
        "/api/v1/equipment",
        content=body(),
        headers={**tokens.headers(CallerKind.use_unit), "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    assert read == []
