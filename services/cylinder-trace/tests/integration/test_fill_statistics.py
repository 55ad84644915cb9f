"""GET /api/v1/fill-statistics: fills and refusals by reason per station and day, counted once
however often a batch is posted; a station reads only its own."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cylinder_factories import FILL_DAY, a_station, at, cylinder, fill, register
from cylinder_trace.fill_statistics.publishing import publish_changed_days
from tzsb_common.contracts.cylinder import FILL_STATISTICS_TOPIC
from tzsb_common.testing import TokenFactory

DAY_BEFORE = FILL_DAY - timedelta(days=1)


async def statistics_events(app: FastAPI) -> list[dict[str, Any]]:
    """Run a publishing pass, then read every statistics event written to the outbox, in
    order: key and statistics."""
    await publish_changed_days(app.state.database, app.state.outbox)
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT key, event::text AS event FROM outbox WHERE topic = $1 ORDER BY id",
            app.state.settings.topic(FILL_STATISTICS_TOPIC),
        )
    events = [(row["key"], json.loads(row["event"])) for row in rows]
    assert {event["type"] for _, event in events} <= {"tzsb.cylinder.fill_statistics.v1"}
    return [{"key": key, "statistics": event["data"]["statistics"]} for key, event in events]


async def test_fills_and_refusals_by_reason_per_station_and_day_counted_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    baiyin = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    overdue = cylinder(lanzhou.id, next_inspection_on=(DAY_BEFORE - timedelta(days=1)).isoformat())
    baiyin_own = cylinder(baiyin.id)
    await register(client, lanzhou.headers, own, overdue)
    await register(client, baiyin.headers, baiyin_own)
    code, late = own["cylinder_code"], overdue["cylinder_code"]
    previous = {"started_at": at(DAY_BEFORE, "10:00"), "ended_at": at(DAY_BEFORE, "10:05")}
    batch = {"fills": [
        fill(code, lanzhou.filler, fill_id="S-1"),
        fill(code, lanzhou.filler, fill_id="S-2", filled_mass_kg=15.0),
        fill(late, lanzhou.filler, fill_id="S-3", filled_mass_kg=15.0),
        fill(code, lanzhou.filler, fill_id="S-4", **previous),
        {**fill(code, lanzhou.filler, fill_id="S-5"), "started_at": "soon"},
        fill(code, lanzhou.filler, fill_id="S-1"),  # the same fill twice in one batch
    ]}  # fmt: skip
    await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)
    await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)  # a retry
    await client.post(
        "/api/v1/fills", json=fill(baiyin_own["cylinder_code"], baiyin.filler),
        headers=baiyin.headers,
    )  # fmt: skip

    events = await statistics_events(app)
    own_days = await client.get("/api/v1/fill-statistics", headers=lanzhou.headers)
    fill_day = await client.get(
        "/api/v1/fill-statistics",
        params={"from": FILL_DAY.isoformat(), "to": FILL_DAY.isoformat()},
        headers=tokens.bureau(),
    )
    one_station = await client.get(
        "/api/v1/fill-statistics", params={"station_id": str(baiyin.id)}, headers=tokens.bureau()
    )
    others = await client.get(
        "/api/v1/fill-statistics", params={"station_id": str(baiyin.id)}, headers=lanzhou.headers
    )
    backwards = await client.get(
        "/api/v1/fill-statistics",
        params={"from": FILL_DAY.isoformat(), "to": DAY_BEFORE.isoformat()},
        headers=tokens.bureau(),
    )

    assert own_days.status_code == 200, own_days.text
    assert own_days.json()["items"] == [
        {"station_id": str(lanzhou.id), "day": DAY_BEFORE.isoformat(), "fills": 1,
         "accepted": 1, "refused": 0, "refusals_by_reason": {},
         "accepted_by_medium": {"LPG": 1}, "refused_by_medium": {}},
        {"station_id": str(lanzhou.id), "day": FILL_DAY.isoformat(), "fills": 3,
         "accepted": 1, "refused": 2,
         "refusals_by_reason": {"inspection_overdue": 1, "overfilled": 2},
         "accepted_by_medium": {"LPG": 1}, "refused_by_medium": {"LPG": 2}},
    ]  # fmt: skip
    # One event per day that changed, with the day's totals: the retry changed none.
    lanzhou_days = [
        (e["key"], e["statistics"]) for e in events if e["key"].startswith(str(lanzhou.id))
    ]
    assert lanzhou_days == [
        (f"{lanzhou.id}:{DAY_BEFORE.isoformat()}", {
            "station_id": str(lanzhou.id), "day": DAY_BEFORE.isoformat(), "accepted": 1,
            "refused": 0, "accepted_by_medium": {"LPG": 1}, "refused_by_medium": {},
            "refused_by_reason": {}, "version": 1}),
        (f"{lanzhou.id}:{FILL_DAY.isoformat()}", {
            "station_id": str(lanzhou.id), "day": FILL_DAY.isoformat(), "accepted": 1,
            "refused": 2, "accepted_by_medium": {"LPG": 1}, "refused_by_medium": {"LPG": 2},
            "refused_by_reason": {"inspection_overdue": 1, "overfilled": 2}, "version": 1}),
    ]  # fmt: skip
    assert sorted((i["station_id"], i["fills"]) for i in fill_day.json()["items"]) == sorted(
        [(str(lanzhou.id), 3), (str(baiyin.id), 1)]
    )
    assert [(i["station_id"], i["accepted"]) for i in one_station.json()["items"]] == [
        (str(baiyin.id), 1)
    ]
    assert others.status_code == 403
    assert backwards.status_code == 422


async def test_a_pass_publishes_each_changed_day_once_as_it_now_stands(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    overdue = cylinder(lanzhou.id, next_inspection_on=(DAY_BEFORE - timedelta(days=1)).isoformat())
    await register(client, lanzhou.headers, own, overdue)
    code, late = own["cylinder_code"], overdue["cylinder_code"]
    await client.post("/api/v1/fills", headers=lanzhou.headers, json={"fills": [
        fill(code, lanzhou.filler), fill(late, lanzhou.filler, filled_mass_kg=15.0),
    ]})  # fmt: skip
    await statistics_events(app)
    await client.post("/api/v1/fills", headers=lanzhou.headers, json={"fills": [
        fill(late, lanzhou.filler), fill(code, lanzhou.filler, medium="O2"),
    ]})  # fmt: skip
    await statistics_events(app)
    await statistics_events(app)  # nothing changed since: nothing published

    events = [e for e in await statistics_events(app) if e["key"].startswith(str(lanzhou.id))]

    assert [e["statistics"]["version"] for e in events] == [1, 2]
    latest = events[-1]["statistics"]
    assert (latest["accepted"], latest["refused"]) == (1, 3)
    assert latest["accepted_by_medium"] == {"LPG": 1}
    assert latest["refused_by_medium"] == {"LPG": 2, "O2": 1}
    # Reasons the second batch did not carry keep the count the first one left.
    assert latest["refused_by_reason"] == {
        "inspection_overdue": 2, "overfilled": 1, "medium_mismatch": 1
    }  # fmt: skip


async def test_statistics_are_paged_by_day_then_station(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, own)
    days = [FILL_DAY - timedelta(days=n) for n in (2, 1, 0)]
    await client.post("/api/v1/fills", headers=lanzhou.headers, json={"fills": [
        fill(own["cylinder_code"], lanzhou.filler, started_at=at(day, "08:00"),
             ended_at=at(day, "08:04")) for day in days
    ]})  # fmt: skip

    first = await client.get(
        "/api/v1/fill-statistics", params={"limit": 2}, headers=lanzhou.headers
    )
    rest = await client.get(
        "/api/v1/fill-statistics",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=lanzhou.headers,
    )

    assert [i["day"] for i in first.json()["items"]] == [d.isoformat() for d in days[:2]]
    assert [i["day"] for i in rest.json()["items"]] == [days[2].isoformat()]
    assert rest.json()["next_cursor"] is None


async def test_the_same_batch_posted_twice_at_once_is_counted_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, own)
    batch = {"fills": [fill(own["cylinder_code"], lanzhou.filler) for _ in range(40)]}

    await asyncio.gather(
        client.post("/api/v1/fills", json=batch, headers=lanzhou.headers),
        client.post("/api/v1/fills", json=batch, headers=lanzhou.headers),
    )
    answer = await client.get("/api/v1/fill-statistics", headers=lanzhou.headers)

    assert [(i["day"], i["accepted"]) for i in answer.json()["items"]] == [
        (FILL_DAY.isoformat(), 40)
    ]
