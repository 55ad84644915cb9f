"""Anomalies: found when visits form, recorded and published (never rejections), the
certificate-lending ones also as a hazard signal against the company; listed per company."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
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
CITY = (36.06, 103.83)  # 兰州 city centre, about 56 km from the world's elevator


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def post(client: httpx.AsyncClient, world: World, *swipes: dict[str, Any]) -> list[str]:
    answer = await client.post(
        "/api/v1/swipes", json={"swipes": list(swipes)}, headers=world.headers
    )
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


def pair(code: str, certificate: str, start: str, end: str) -> list[dict[str, Any]]:
    return [
        swipe(code, certificate, kind="start", at=start),
        swipe(code, certificate, kind="end", at=end),
    ]


async def anomalies(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/anomalies", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def published(app: FastAPI, topic: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT event::text AS event FROM outbox WHERE topic LIKE '%' || $1 ORDER BY id", topic
        )
    return [json.loads(row["event"]) for row in rows]


async def second_elevator(app: FastAPI, world: World, **overrides: Any) -> str:
    lift = elevator_snapshot(**overrides)
    await seed(
        app,
        elevators=[lift],
        contracts=[contract_snapshot(world.company, [lift["equipment_code"]])],
    )
    code: str = lift["equipment_code"]
    return code


async def test_a_visit_shorter_than_20_minutes_is_accepted_and_recorded_as_an_anomaly(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    swipes = pair(world.elevator, world.certificate, ago(minutes=30), ago(minutes=18))
    assert await post(client, world, *swipes) == ["accepted", "accepted"]

    (anomaly,) = await anomalies(client, world.headers)
    (visit,) = (await client.get("/api/v1/visits", headers=world.headers)).json()["items"]
    assert anomaly["kind"] == "short_visit"
    assert anomaly["visit_id"] == visit["id"]
    assert anomaly["company_id"] == str(world.company)
    assert anomaly["details"]["minutes"] == 12.0
    (event,) = [
        e
        for e in await published(app, "tzsb.elevator.maintenance")
        if e["type"] == "tzsb.elevator.maintenance.anomaly.v1"
    ]
    assert event["subject"] == world.elevator
    assert event["data"]["anomaly_id"] == anomaly["id"]
    assert event["data"]["kind"] == "short_visit"
    # Perfunctory, not lending: no hazard signal.
    assert await published(app, "tzsb.hazard") == []


async def test_a_visit_of_an_hour_is_no_anomaly(client: httpx.AsyncClient, world: World) -> None:
    await post(client, world, *pair(world.elevator, world.certificate, ago(hours=2), ago(hours=1)))
    assert await anomalies(client, world.headers) == []


async def test_one_certificate_in_two_overlapping_visits_signals_certificate_lending(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    other = await second_elevator(app, world)
    await post(
        client, world, *pair(world.elevator, world.certificate, ago(minutes=90), ago(minutes=30))
    )
    await post(client, world, *pair(other, world.certificate, ago(minutes=80), ago(minutes=40)))

    (anomaly,) = await anomalies(client, world.headers)
    assert anomaly["kind"] == "overlapping_visits"
    assert anomaly["certificate_number"] == world.certificate
    assert anomaly["equipment_code"] == other
    assert anomaly["details"]["other_equipment_code"] == world.elevator
    (signal,) = await published(app, "tzsb.hazard")
    assert signal["type"] == "tzsb.hazard.signal.v1"
    assert signal["data"]["kind"] == "certificate_lending"
    assert signal["data"]["unit_id"] == str(world.company)
    assert signal["data"]["signal_id"] == anomaly["id"]
    assert signal["data"]["evidence"]["anomaly_kind"] == "overlapping_visits"


async def test_one_certificate_56_km_away_ten_minutes_later_is_impossible_travel(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    far = await second_elevator(app, world, lat=CITY[0], lon=CITY[1])
    here = pair(world.elevator, world.certificate, ago(minutes=150), ago(minutes=100))
    there = pair(far, world.certificate, ago(minutes=90), ago(minutes=40))
    for s in there:
        s["lat"], s["lon"] = CITY
    # Both in one batch: judged together, found once.
    assert await post(client, world, *here, *there) == ["accepted"] * 4

    (anomaly,) = await anomalies(client, world.headers, kind="impossible_travel")
    assert anomaly["equipment_code"] == far
    assert anomaly["details"]["from_equipment_code"] == world.elevator
    assert anomaly["details"]["kmh"] > 120
    assert [s["data"]["evidence"]["anomaly_kind"] for s in await published(app, "tzsb.hazard")] == [
        "impossible_travel"
    ]


async def test_a_thirteenth_visit_in_a_day_is_reported_once(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    first = datetime.combine(yesterday, time(7, 0), tzinfo=SHANGHAI)
    swipes = [
        s
        for i in range(14)
        for s in pair(
            world.elevator,
            world.certificate,
            (first + timedelta(minutes=50 * i)).isoformat(),
            (first + timedelta(minutes=50 * i + 25)).isoformat(),
        )
    ]
    assert set(await post(client, world, *swipes[:26])) == {"accepted"}
    assert set(await post(client, world, *swipes[26:])) == {"accepted"}
    # The same batch again is all duplicates and finds nothing new.
    assert set(await post(client, world, *swipes[:26])) == {"duplicate"}

    (anomaly,) = await anomalies(client, world.headers, kind="too_many_visits")
    assert anomaly["details"] == {"day": yesterday.isoformat(), "visits": 13, "max_visits": 12}
    assert len(await published(app, "tzsb.hazard")) == 1


async def test_anomalies_are_listed_newest_first_with_filters_and_a_cursor(
    client: httpx.AsyncClient, world: World
) -> None:
    for minutes in (300, 200, 100):
        await post(
            client,
            world,
            *pair(
                world.elevator, world.certificate, ago(minutes=minutes), ago(minutes=minutes - 5)
            ),
        )
    first = await client.get("/api/v1/anomalies", params={"limit": 2}, headers=world.headers)
    page = first.json()
    rest = await anomalies(client, world.headers, limit=2, cursor=page["next_cursor"])
    times = [datetime.fromisoformat(a["observed_at"]) for a in page["items"] + rest]
    assert len(times) == 3
    assert times == sorted(times, reverse=True)
    assert await anomalies(client, world.headers, kind="overlapping_visits") == []
    assert len(await anomalies(client, world.headers, equipment_code=world.elevator)) == 3
    assert await anomalies(client, world.headers, certificate_number="TS-nobody") == []


@pytest.fixture
async def rival(app: FastAPI, tokens: TokenFactory) -> tuple[uuid.UUID, dict[str, str]]:
    company = uuid.uuid4()
    await seed(app, certificates=[certificate_snapshot(company)])
    return company, tokens.headers(CallerKind.maintenance_company, organisation_id=company)


async def test_a_company_never_sees_another_companys_anomalies_and_the_bureau_sees_all(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    rival: tuple[uuid.UUID, dict[str, str]],
) -> None:
    await post(
        client, world, *pair(world.elevator, world.certificate, ago(minutes=30), ago(minutes=25))
    )
    (mine,) = await anomalies(client, world.headers)
    _, headers = rival

    assert await anomalies(client, headers) == []
    asked_for = await client.get(
        "/api/v1/anomalies", params={"company_id": str(world.company)}, headers=headers
    )
    assert asked_for.status_code == 403
    assert (await client.get(f"/api/v1/anomalies/{mine['id']}", headers=headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/anomalies/{mine['id']}", headers=world.headers)
    ).status_code == 200
    bureau = await anomalies(client, tokens.bureau(), company_id=str(world.company))
    assert [a["id"] for a in bureau] == [mine["id"]]
    use_unit = await client.get("/api/v1/anomalies", headers=tokens.headers(CallerKind.use_unit))
    assert use_unit.status_code == 403
