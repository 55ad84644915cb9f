"""A maintenance company sees and writes only its own: another company's swipes, visits and
elevators are invisible to it (404) or refused (403), and a swipe at an elevator it holds no
valid contract for is rejected `no_valid_contract`. The bureau sees everything."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from maintenance_factories import World, certificate_snapshot, contract_snapshot, seed, swipe
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


@pytest.fixture
async def rival(app: FastAPI, tokens: TokenFactory) -> tuple[uuid.UUID, dict[str, str], str]:
    """Another maintenance company, with a certified worker of its own."""
    company = uuid.uuid4()
    certificate = certificate_snapshot(company)
    await seed(app, certificates=[certificate])
    headers = tokens.headers(CallerKind.maintenance_company, organisation_id=company)
    return company, headers, certificate["number"]


@pytest.fixture
async def visit(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/swipes",
        json={
            "swipes": [
                swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=60)),
                swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=5)),
            ]
        },
        headers=world.headers,
    )
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"]
    listed = await client.get("/api/v1/visits", headers=world.headers)
    (item,) = listed.json()["items"]
    result: dict[str, Any] = item
    return result


async def test_a_company_cannot_swipe_at_an_elevator_it_holds_no_valid_contract_for(
    app: FastAPI, client: httpx.AsyncClient, world: World, rival: tuple[Any, Any, str]
) -> None:
    _, headers, certificate = rival

    answer = await client.post(
        "/api/v1/swipes", json=swipe(world.elevator, certificate), headers=headers
    )

    assert answer.json()["results"][0]["status"] == "rejected"
    assert answer.json()["results"][0]["reasons"] == ["no_valid_contract"]


async def test_a_contract_that_ended_no_longer_lets_the_company_swipe(
    app: FastAPI, client: httpx.AsyncClient, world: World, rival: tuple[Any, Any, str]
) -> None:
    company, headers, certificate = rival
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date()
    await seed(
        app,
        contracts=[contract_snapshot(company, [world.elevator], in_force_until=str(yesterday))],
    )
    old = swipe(world.elevator, certificate, at=ago(days=5))
    now = swipe(world.elevator, certificate, at=ago(minutes=1))

    answer = await client.post("/api/v1/swipes", json={"swipes": [old, now]}, headers=headers)

    assert [(r["status"], r["reasons"]) for r in answer.json()["results"]] == [
        ("accepted", []),
        ("rejected", ["no_valid_contract"]),
    ]


async def test_a_company_does_not_see_another_companys_visits(
    client: httpx.AsyncClient, world: World, rival: tuple[Any, Any, str], visit: dict[str, Any]
) -> None:
    _, headers, _ = rival

    listed = await client.get("/api/v1/visits", headers=headers)
    by_id = await client.get(f"/api/v1/visits/{visit['id']}", headers=headers)
    asked_for = await client.get(
        "/api/v1/visits", params={"company_id": str(world.company)}, headers=headers
    )

    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert by_id.status_code == 404
    assert asked_for.status_code == 403
    mine = await client.get(f"/api/v1/visits/{visit['id']}", headers=world.headers)
    assert mine.status_code == 200


async def test_a_company_does_not_see_another_companys_swipes(
    client: httpx.AsyncClient, world: World, rival: tuple[Any, Any, str], visit: dict[str, Any]
) -> None:
    _, headers, _ = rival

    listed = await client.get("/api/v1/swipes", headers=headers)
    asked_for = await client.get(
        "/api/v1/swipes", params={"company_id": str(world.company)}, headers=headers
    )
    own = await client.get("/api/v1/swipes", headers=world.headers)

    assert listed.json()["items"] == []
    assert asked_for.status_code == 403
    assert [s["kind"] for s in own.json()["items"]] == ["end", "start"]


async def test_a_company_does_not_see_the_maintenance_of_an_elevator_it_does_not_maintain(
    client: httpx.AsyncClient, world: World, rival: tuple[Any, Any, str], visit: dict[str, Any]
) -> None:
    _, headers, _ = rival

    theirs = await client.get(f"/api/v1/elevators/{world.elevator}/maintenance", headers=headers)
    mine = await client.get(
        f"/api/v1/elevators/{world.elevator}/maintenance", headers=world.headers
    )

    assert theirs.status_code == 404
    assert mine.status_code == 200
    assert mine.json()["last_visit"]["id"] == visit["id"]


async def test_the_bureau_sees_every_company(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    rival: tuple[Any, Any, str],
    visit: dict[str, Any],
) -> None:
    bureau = tokens.bureau()

    visits = await client.get(
        "/api/v1/visits", params={"company_id": str(world.company)}, headers=bureau
    )
    swipes = await client.get(
        "/api/v1/swipes",
        params={"company_id": str(world.company), "status": "accepted"},
        headers=bureau,
    )
    one = await client.get(f"/api/v1/visits/{visit['id']}", headers=bureau)
    standing = await client.get(f"/api/v1/elevators/{world.elevator}/maintenance", headers=bureau)

    assert [v["id"] for v in visits.json()["items"]] == [visit["id"]]
    assert len(swipes.json()["items"]) == 2
    assert one.status_code == 200
    assert standing.status_code == 200


@pytest.mark.parametrize("kind", [CallerKind.use_unit, CallerKind.filling_station])
async def test_other_callers_read_no_visits_or_swipes(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    headers = tokens.headers(kind)
    assert (await client.get("/api/v1/visits", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/swipes", headers=headers)).status_code == 403


async def test_every_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("POST", "/api/v1/swipes"),
        ("GET", "/api/v1/swipes"),
        ("GET", "/api/v1/visits"),
        ("GET", f"/api/v1/visits/{uuid.uuid4()}"),
        ("GET", "/api/v1/elevators/311000000000000001/maintenance"),
    ]:
        assert (await client.request(method, path)).status_code == 401, path
