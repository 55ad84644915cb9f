"""The company view: a maintenance company lists its elevators (last visit, overdue), visits,
rejections and anomalies — only its own, never another company's; the bureau sees all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from maintenance_factories import (
    World,
    certificate_snapshot,
    contract_snapshot,
    elevator_snapshot,
    seed,
    swipe,
)
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def today() -> date:
    return datetime.now(SHANGHAI).date()


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], *swipes: dict[str, Any]
) -> list[str]:
    answer = await client.post("/api/v1/swipes", json={"swipes": list(swipes)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


async def items(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    answer = await client.get(path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


@pytest.fixture
async def rival(app: FastAPI, tokens: TokenFactory) -> World:
    """Another maintenance company with its own elevator, worker and a short visit there, and
    a rejected swipe at the world's elevator (it holds no contract for it)."""
    company = uuid.uuid4()
    lift = elevator_snapshot()
    certificate = certificate_snapshot(company)
    await seed(
        app,
        elevators=[lift],
        contracts=[contract_snapshot(company, [lift["equipment_code"]])],
        certificates=[certificate],
    )
    return World(
        company=company,
        headers=tokens.headers(CallerKind.maintenance_company, organisation_id=company),
        elevator=lift["equipment_code"],
        certificate=certificate["number"],
    )


@pytest.fixture
async def both_busy(client: httpx.AsyncClient, world: World, rival: World) -> None:
    for company in (world, rival):
        assert await post(
            client,
            company.headers,
            swipe(company.elevator, company.certificate, kind="start", at=ago(minutes=40)),
            swipe(company.elevator, company.certificate, kind="end", at=ago(minutes=30)),
        ) == ["accepted", "accepted"]
    assert await post(client, rival.headers, swipe(world.elevator, rival.certificate)) == [
        "rejected"
    ]


async def test_a_company_lists_its_elevators_with_the_last_visit_and_overdue(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    overdue = elevator_snapshot(equipment_code="3110" + "0" * 14)
    never = elevator_snapshot(equipment_code="3110" + "9" * 14)
    await seed(
        app,
        elevators=[overdue, never],
        contracts=[
            contract_snapshot(world.company, [overdue["equipment_code"], never["equipment_code"]])
        ],
    )
    twenty_days_ago = datetime.combine(today() - timedelta(days=20), time(9), tzinfo=SHANGHAI)
    await post(
        client,
        world.headers,
        swipe(
            overdue["equipment_code"],
            world.certificate,
            kind="start",
            at=twenty_days_ago.isoformat(),
        ),
        swipe(
            overdue["equipment_code"],
            world.certificate,
            kind="end",
            at=(twenty_days_ago + timedelta(minutes=40)).isoformat(),
        ),
        swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=90)),
        swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=30)),
    )

    listed = {
        e["equipment_code"]: e for e in await items(client, "/api/v1/elevators", world.headers)
    }

    assert set(listed) == {world.elevator, overdue["equipment_code"], never["equipment_code"]}
    late = listed[overdue["equipment_code"]]
    assert late["overdue_since"] == str(today() - timedelta(days=20) + timedelta(days=16))
    assert late["due_by"] == str(today() - timedelta(days=5))
    assert late["interval_days"] == 15
    assert late["maintenance_company_id"] == str(world.company)
    fresh = listed[world.elevator]
    assert fresh["overdue_since"] is None
    assert fresh["last_visit_id"] is not None
    assert listed[never["equipment_code"]]["last_visit_id"] is None
    only_overdue = await items(client, "/api/v1/elevators", world.headers, overdue="true")
    assert [e["equipment_code"] for e in only_overdue] == [overdue["equipment_code"]]
    in_time = await items(client, "/api/v1/elevators", world.headers, overdue="false")
    assert overdue["equipment_code"] not in {e["equipment_code"] for e in in_time}
    first = await client.get("/api/v1/elevators", params={"limit": 2}, headers=world.headers)
    rest = await items(
        client, "/api/v1/elevators", world.headers, limit=2, cursor=first.json()["next_cursor"]
    )
    codes = [e["equipment_code"] for e in first.json()["items"] + rest]
    assert codes == sorted(listed)


async def test_rejections_are_listed_and_filtered_by_reason(
    client: httpx.AsyncClient, world: World
) -> None:
    await post(
        client,
        world.headers,
        swipe(world.elevator, "TS-nobody"),
        swipe(world.elevator, world.certificate, lat=40.0),
        swipe(world.elevator, world.certificate),
    )

    rejected = await items(client, "/api/v1/swipes", world.headers, status="rejected")
    unknown = await items(
        client, "/api/v1/swipes", world.headers, status="rejected", reason="unknown_certificate"
    )
    fenced = await items(client, "/api/v1/swipes", world.headers, reason="outside_geofence")

    assert len(rejected) == 2
    assert [s["certificate_number"] for s in unknown] == ["TS-nobody"]
    assert [s["reasons"] for s in fenced] == [["outside_geofence"]]
    bad = await client.get("/api/v1/swipes", params={"reason": "bribery"}, headers=world.headers)
    assert bad.status_code == 422


@pytest.mark.usefixtures("both_busy")
async def test_a_company_never_sees_another_companys_swipes_visits_anomalies_or_elevators(
    client: httpx.AsyncClient, world: World, rival: World
) -> None:
    for path in ("/api/v1/swipes", "/api/v1/visits", "/api/v1/anomalies", "/api/v1/elevators"):
        own = await items(client, path, world.headers)
        assert own, path
        assert {i.get("company_id", i.get("maintenance_company_id")) for i in own} == {
            str(world.company)
        }, path
        asked = await client.get(
            path, params={"company_id": str(rival.company)}, headers=world.headers
        )
        assert asked.status_code == 403, path
    # The rival's rejected swipe at the world's elevator is the rival's evidence, not the world's.
    assert await items(client, "/api/v1/swipes", world.headers, status="rejected") == []
    (theirs,) = await items(client, "/api/v1/visits", rival.headers)
    (their_anomaly,) = await items(client, "/api/v1/anomalies", rival.headers)
    assert (
        await client.get(f"/api/v1/visits/{theirs['id']}", headers=world.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/anomalies/{their_anomaly['id']}", headers=world.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/elevators/{rival.elevator}/maintenance", headers=world.headers)
    ).status_code == 404


@pytest.mark.usefixtures("both_busy")
async def test_the_bureau_sees_every_company(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, rival: World
) -> None:
    bureau = tokens.bureau()
    for path in ("/api/v1/swipes", "/api/v1/visits", "/api/v1/anomalies", "/api/v1/elevators"):
        for company in (world, rival):
            found = await items(client, path, bureau, company_id=str(company.company))
            assert found, (path, company)
    every = {
        e["equipment_code"] for e in await items(client, "/api/v1/elevators", bureau, limit=500)
    }
    assert {world.elevator, rival.elevator} <= every
    rejected = await items(
        client,
        "/api/v1/swipes",
        bureau,
        company_id=str(rival.company),
        reason="no_valid_contract",
    )
    assert [s["equipment_code"] for s in rejected] == [world.elevator]
