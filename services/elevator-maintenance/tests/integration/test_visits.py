"""Visits: start and end swipes pair into visits, workers together are one visit, the
`visit_completed` event goes out with them, and an elevator's maintenance is read back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from maintenance_factories import (
    World,
    certificate_snapshot,
    contract_snapshot,
    elevator_snapshot,
    seed,
    swipe,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def post(client: httpx.AsyncClient, world: World, *swipes: dict[str, Any]) -> list[Any]:
    answer = await client.post(
        "/api/v1/swipes", json={"swipes": list(swipes)}, headers=world.headers
    )
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


async def visits(client: httpx.AsyncClient, world: World, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/visits", params=params, headers=world.headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def events(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT event::text AS event FROM outbox WHERE topic LIKE '%tzsb.elevator.maintenance' "
            "AND event->>'type' LIKE '%.visit_completed.v1' ORDER BY id"
        )
    return [json.loads(row["event"]) for row in rows]


async def test_a_start_and_an_end_make_a_visit_and_publish_it(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    start = swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=60))
    end = swipe(
        world.elevator, world.certificate, kind="end", at=ago(minutes=5), visit_kind="quarterly"
    )
    assert await post(client, world, start) == ["accepted"]
    assert await visits(client, world) == []

    assert await post(client, world, end) == ["accepted"]

    (visit,) = await visits(client, world)
    assert visit["equipment_code"] == world.elevator
    assert visit["workers"] == [world.certificate]
    assert visit["kind"] == "quarterly"
    assert datetime.fromisoformat(visit["started_at"]) == datetime.fromisoformat(start["at"])
    assert datetime.fromisoformat(visit["ended_at"]) == datetime.fromisoformat(end["at"])
    (event,) = await events(app)
    assert event["type"] == "tzsb.elevator.maintenance.visit_completed.v1"
    assert event["subject"] == world.elevator
    assert event["data"]["visit_id"] == visit["id"]
    assert event["data"]["maintenance_company_id"] == str(world.company)
    assert event["data"]["workers"] == [world.certificate]


async def test_an_end_posted_before_its_start_pairs_when_the_start_arrives(
    client: httpx.AsyncClient, world: World
) -> None:
    end = swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=10))
    start = swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=70))
    await post(client, world, end)
    await post(client, world, start)

    assert len(await visits(client, world)) == 1


async def test_a_retried_end_makes_no_second_visit(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    start = swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=60))
    end = swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=5))
    await post(client, world, start, end)

    assert await post(client, world, start, end) == ["duplicate", "duplicate"]
    assert len(await visits(client, world)) == 1
    assert len(await events(app)) == 1


async def test_two_workers_at_one_visit_are_one_visit_with_two_workers(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    second = certificate_snapshot(world.company)
    await seed(app, certificates=[second])
    first_pair = [
        swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=60)),
        swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=10)),
    ]
    second_pair = [
        swipe(world.elevator, second["number"], kind="start", at=ago(minutes=58)),
        swipe(world.elevator, second["number"], kind="end", at=ago(minutes=5)),
    ]
    await post(client, world, *first_pair)
    # The second worker's phone was offline: the same visit gains a worker.
    await post(client, world, *second_pair)

    (visit,) = await visits(client, world)
    assert visit["workers"] == [world.certificate, second["number"]]
    assert datetime.fromisoformat(visit["ended_at"]) == datetime.fromisoformat(second_pair[1]["at"])
    published = await events(app)
    assert [e["data"]["visit_id"] for e in published] == [visit["id"]] * 2
    assert published[-1]["data"]["workers"] == [world.certificate, second["number"]]


async def test_rejected_swipes_do_not_pair(client: httpx.AsyncClient, world: World) -> None:
    start = swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=60), lat=40.0)
    end = swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=5))
    assert await post(client, world, start, end) == ["rejected", "accepted"]

    assert await visits(client, world) == []


async def test_visits_are_listed_newest_first_with_filters_and_a_cursor(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    other = elevator_snapshot()
    await seed(
        app,
        elevators=[other],
        contracts=[contract_snapshot(world.company, [other["equipment_code"]])],
    )
    # Each ending at noon of its business day in Shanghai, so that none crosses midnight and the
    # day filter below finds one whatever the hour the test runs (one hour before "now, two days
    # ago" reached into the day before from midnight to one in the morning, Shanghai time).
    today = datetime.now(SHANGHAI).date()
    for days in (1, 2, 3):
        noon = datetime.combine(today - timedelta(days=days), time(12), tzinfo=SHANGHAI)
        await post(
            client,
            world,
            swipe(world.elevator, world.certificate, kind="start",
                  at=(noon - timedelta(minutes=60)).isoformat()),
            swipe(world.elevator, world.certificate, kind="end", at=noon.isoformat()),
        )  # fmt: skip
    await post(
        client,
        world,
        swipe(other["equipment_code"], world.certificate, kind="start", at=ago(minutes=90)),
        swipe(other["equipment_code"], world.certificate, kind="end", at=ago(minutes=30)),
    )

    everything = await visits(client, world)
    first_page = await client.get(
        "/api/v1/visits",
        params={"equipment_code": world.elevator, "limit": 2},
        headers=world.headers,
    )
    second_page = await client.get(
        "/api/v1/visits",
        params={"equipment_code": world.elevator, "limit": 2,
                "cursor": first_page.json()["next_cursor"]},
        headers=world.headers,
    )  # fmt: skip
    day = today - timedelta(days=2)
    that_day = await visits(client, world, **{"from": str(day), "to": str(day)})

    assert [v["equipment_code"] for v in everything] == [other["equipment_code"]] + [
        world.elevator
    ] * 3
    ended = [v["ended_at"] for v in everything]
    assert ended == sorted(ended, reverse=True)
    paged = first_page.json()["items"] + second_page.json()["items"]
    assert [v["id"] for v in paged] == [v["id"] for v in everything[1:]]
    assert second_page.json()["next_cursor"] is None
    assert [v["id"] for v in that_day] == [everything[2]["id"]]


async def test_an_elevators_maintenance_shows_its_last_visit_and_when_it_is_overdue(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await post(
        client,
        world,
        swipe(world.elevator, world.certificate, kind="start", at=ago(days=20, minutes=60)),
        swipe(world.elevator, world.certificate, kind="end", at=ago(days=20)),
    )

    answer = await client.get(
        f"/api/v1/elevators/{world.elevator}/maintenance", headers=world.headers
    )

    assert answer.status_code == 200
    body = answer.json()
    last_day = (datetime.now(UTC) - timedelta(days=20)).astimezone(SHANGHAI).date()
    assert body["last_visit"]["workers"] == [world.certificate]
    assert body["interval_days"] == 15
    assert body["maintenance_company_id"] == str(world.company)
    assert body["due_by"] == str(last_day + timedelta(days=15))
    assert body["overdue_since"] == str(last_day + timedelta(days=16))


async def test_an_on_demand_contract_allows_its_own_interval(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    lift = elevator_snapshot()
    await seed(
        app,
        elevators=[lift],
        contracts=[
            contract_snapshot(world.company, [lift["equipment_code"]], maintenance_interval_days=30)
        ],
    )
    code = lift["equipment_code"]
    await post(
        client,
        world,
        swipe(code, world.certificate, kind="start", at=ago(days=20, minutes=60)),
        swipe(code, world.certificate, kind="end", at=ago(days=20)),
    )

    body = (await client.get(f"/api/v1/elevators/{code}/maintenance", headers=world.headers)).json()

    assert body["interval_days"] == 30
    assert body["overdue_since"] is None


async def test_an_elevator_never_visited_has_no_last_visit(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (
        await client.get(f"/api/v1/elevators/{world.elevator}/maintenance", headers=world.headers)
    ).json()

    assert body["last_visit"] is None
    assert body["due_by"] is None


async def test_an_unknown_visit_is_404(client: httpx.AsyncClient, world: World) -> None:
    answer = await client.get(f"/api/v1/visits/{uuid.uuid4()}", headers=world.headers)
    assert answer.status_code == 404


async def test_a_day_outside_the_calendar_the_service_keeps_is_a_422(
    client: httpx.AsyncClient, world: World
) -> None:
    for params in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0"}):
        answer = await client.get("/api/v1/visits", params=params, headers=world.headers)
        assert answer.status_code == 422, params
        assert answer.json()["errors"][0]["location"][0] == "query"
