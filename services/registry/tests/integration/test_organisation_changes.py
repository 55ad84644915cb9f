"""The bureau corrects an organisation's name, address or region; its identity stays fixed, and
every answer carries the version a conditional request can name."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def unit(client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"v1"'
    assert created.json()["version"] == 1
    return dict(created.json())


async def _read(client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]) -> Any:
    answer = await client.get(f"/api/v1/organisations/{unit['id']}", headers=tokens.bureau())
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_read_carries_the_version_as_etag_and_answers_304_when_current(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    path = f"/api/v1/organisations/{unit['id']}"
    read = await client.get(path, headers=tokens.bureau())
    assert read.headers["ETag"] == '"v1"'
    assert read.json() == unit
    fresh = await client.get(path, headers={**tokens.bureau(), "If-None-Match": '"v1"'})
    assert fresh.status_code == 304
    assert fresh.content == b""
    assert fresh.headers["ETag"] == '"v1"'
    stale = await client.get(path, headers={**tokens.bureau(), "If-None-Match": '"v0"'})
    assert stale.status_code == 200
    assert stale.json()["version"] == 1


async def test_an_organisation_reads_itself_with_its_etag(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    itself = tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(unit["id"]))
    read = await client.get(
        f"/api/v1/organisations/{unit['id']}", headers={**itself, "If-None-Match": '"v1"'}
    )
    assert read.status_code == 304


async def test_the_bureau_corrects_name_and_address_and_nothing_else_changes(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    changes = {"name": "兰州新区更名后的使用单位", "address": "兰州新区中川园区经二路 8 号"}
    changed = await client.patch(
        f"/api/v1/organisations/{unit['id']}", json=changes, headers=tokens.bureau()
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"v2"'
    expected = {**unit, **changes, "version": 2}
    assert changed.json() == expected
    assert await _read(client, tokens, unit) == expected

    again = await client.patch(
        f"/api/v1/organisations/{unit['id']}", json=changes, headers=tokens.bureau()
    )
    assert again.status_code == 200
    assert again.json()["version"] == 2, "the same values again are no change"


async def test_a_region_is_replaced_as_a_whole_and_an_address_can_be_cleared(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    region = {"province": "甘肃省", "city": "兰州市", "district": "城关区"}
    changed = await client.patch(
        f"/api/v1/organisations/{unit['id']}",
        json={"region": region, "address": None},
        headers=tokens.bureau(),
    )
    assert changed.status_code == 200, changed.text
    read = await _read(client, tokens, unit)
    assert read["region"] == {**region, "park": None}
    assert read["address"] is None
    assert read["name"] == unit["name"]
    assert read["version"] == 2


async def test_a_change_on_a_stale_version_is_refused_with_412_and_changes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    path = f"/api/v1/organisations/{unit['id']}"
    first = await client.patch(
        path, json={"name": "第一次更名"}, headers={**tokens.bureau(), "If-Match": '"v1"'}
    )
    assert first.status_code == 200, first.text
    stale = await client.patch(
        path, json={"name": "第二次更名"}, headers={**tokens.bureau(), "If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["type"] == "urn:tzsb:problem:precondition-failed"
    assert stale.json()["current_version"] == 2
    assert (await _read(client, tokens, unit))["name"] == "第一次更名"

    current = await client.patch(
        path, json={"name": "第二次更名"}, headers={**tokens.bureau(), "If-Match": '"v2"'}
    )
    assert current.status_code == 200
    assert current.json()["version"] == 3


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"credit_code": make.credit_code()}, "credit_code", "not_changeable"),
        ({"kind": "maintenance_company"}, "kind", "not_changeable"),
        ({"kind": 7}, "kind", "not_changeable"),
        ({"name": None}, "name", "null_not_allowed"),
        ({"region": None}, "region", "null_not_allowed"),
    ],
)
async def test_identity_and_required_fields_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    unit: dict[str, Any],
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    response = await client.patch(
        f"/api/v1/organisations/{unit['id']}",
        json={"address": "不应写入的地址", **changes},
        headers=tokens.bureau(),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:tzsb:problem:validation-error"
    assert [(e["location"], e["code"]) for e in problem["errors"]] == [(["body", field], code)]
    assert await _read(client, tokens, unit) == unit


async def test_a_body_is_read_strictly(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any]
) -> None:
    path = f"/api/v1/organisations/{unit['id']}"
    for body, location in (
        ({"name": 1}, ["body", "name"]),
        ({"nickname": "x"}, ["body", "nickname"]),
        ({"region": {"province": "甘肃省"}}, ["body", "region", "city"]),
    ):
        response = await client.patch(path, json=body, headers=tokens.bureau())
        assert response.status_code == 422, body
        assert location in [e["location"] for e in response.json()["errors"]], body
    duplicate = await client.patch(
        path,
        content=b'{"name": "a", "name": "b"}',
        headers={**tokens.bureau(), "Content-Type": "application/json"},
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["code"] == "duplicate_key"


async def test_an_unknown_organisation_is_404(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.patch(
        f"/api/v1/organisations/{uuid.uuid4()}", json={"name": "无此单位"}, headers=tokens.bureau()
    )
    assert response.status_code == 404
    assert response.json()["type"] == "urn:tzsb:problem:not-found"


@pytest.mark.parametrize(
    "kind",
    [CallerKind.government_system, CallerKind.use_unit, CallerKind.maintenance_company],
)
async def test_a_caller_other_than_the_bureau_is_refused_before_its_body_is_read(
    client: httpx.AsyncClient, tokens: TokenFactory, unit: dict[str, Any], kind: CallerKind
) -> None:
    # Even the organisation itself: its name is the bureau's record, not its own.
    caller = tokens.headers(kind, organisation_id=uuid.UUID(unit["id"]))
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(b"{")
        yield '{"name": "自行更名"}'.encode()

    response = await client.patch(
        f"/api/v1/organisations/{unit['id']}",
        content=body(),
        headers={**caller, "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:tzsb:problem:forbidden"
    assert read == []

    junk = json.dumps({f"unknown_{n}": n for n in range(20_000)})
    response = await client.patch(
        f"/api/v1/organisations/{unit['id']}",
        content=junk,
        headers={**caller, "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    assert len(response.content) < 2_000
    assert await _read(client, tokens, unit) == unit
