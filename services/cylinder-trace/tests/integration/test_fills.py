"""POST /api/v1/fills and the recall: a batch is answered per fill — accepted, refused with
every reason, malformed alone — a retry is all duplicate, refused fills are stored with their
events, and a station reads only its own fills."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cylinder_factories import FILL_DAY, a_station, at, cylinder, fill, register
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

MONTH_BEFORE = FILL_DAY.replace(day=1) - timedelta(days=1)
"""The last day of the month before the fills' month: a late fill goes to its own month."""
DAY_BEFORE = FILL_DAY - timedelta(days=1)
THIS_MONTH = f"fill_months.fills_{FILL_DAY:%Y_%m}"
LAST_MONTH = f"fill_months.fills_{MONTH_BEFORE:%Y_%m}"


async def stored_fills(app: FastAPI, station_id: uuid.UUID) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT fill_id, status, reasons, tableoid::regclass::text AS month FROM fills "
            "WHERE station_id = $1 ORDER BY fill_id",
            station_id,
        )
    return [dict(row) for row in rows]


async def fill_events(app: FastAPI, topic: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT topic, key, event FROM outbox WHERE topic = $1 ORDER BY id",
            app.state.settings.topic(topic),
        )
    return [dict(row) for row in rows]


async def test_a_batch_is_answered_per_fill_and_a_retry_is_all_duplicate(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    overdue = cylinder(lanzhou.id, next_inspection_on=(FILL_DAY - timedelta(days=1)).isoformat())
    await register(client, lanzhou.headers, own, overdue)

    accepted = fill(own["cylinder_code"], lanzhou.filler, fill_id="A-1")
    refused = fill(
        overdue["cylinder_code"], lanzhou.filler, fill_id="A-2", filled_mass_kg=15.0,
        prefill_checks={**accepted["prefill_checks"], "valve": False},
    )  # fmt: skip
    unknown = fill("GS-NOT-REGISTERED", "P-UNKNOWN", fill_id="A-3", medium="H2")
    malformed = {**fill(own["cylinder_code"], lanzhou.filler, fill_id="A-4"),
                 "started_at": "yesterday"}  # fmt: skip
    backwards = fill(own["cylinder_code"], lanzhou.filler, fill_id="A-5",
                     ended_at=at(FILL_DAY, "09:00"))  # fmt: skip
    october = fill(own["cylinder_code"], lanzhou.filler, fill_id="A-6",
                   started_at=at(MONTH_BEFORE, "23:50"),
                   ended_at=at(MONTH_BEFORE, "23:55"))  # fmt: skip
    batch = {"fills": [accepted, refused, unknown, malformed, backwards, october]}

    first = await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)
    retry = await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)

    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [(r["fill_id"], r["status"], r["reasons"]) for r in results] == [
        ("A-1", "accepted", []),
        ("A-2", "refused", ["inspection_overdue", "prefill_check_failed", "overfilled"]),
        ("A-3", "refused", ["unknown_cylinder", "medium_outside_licence",
                            "filler_not_certified"]),
        ("A-4", "refused", ["invalid"]),
        ("A-5", "refused", ["invalid"]),
        ("A-6", "accepted", []),
    ]  # fmt: skip
    assert [e["field"] for e in results[3]["errors"]] == ["fills.3.started_at"]
    assert [e["field"] for e in results[4]["errors"]] == ["fills.4.ended_at"]
    assert retry.status_code == 200
    assert [(r["fill_id"], r["status"]) for r in retry.json()["results"]] == [
        ("A-1", "duplicate"),
        ("A-2", "duplicate"),
        ("A-3", "duplicate"),
        ("A-4", "refused"),  # a malformed fill is never stored; it stays invalid
        ("A-5", "refused"),
        ("A-6", "duplicate"),
    ]
    assert retry.json()["results"][1]["reasons"] == results[1]["reasons"]

    assert await stored_fills(app, lanzhou.id) == [
        {"fill_id": "A-1", "status": "accepted", "reasons": [],
         "month": THIS_MONTH},
        {"fill_id": "A-2", "status": "refused", "month": THIS_MONTH,
         "reasons": ["inspection_overdue", "prefill_check_failed", "overfilled"]},
        {"fill_id": "A-3", "status": "refused", "month": THIS_MONTH,
         "reasons": ["unknown_cylinder", "medium_outside_licence", "filler_not_certified"]},
        {"fill_id": "A-6", "status": "accepted", "reasons": [],
         "month": LAST_MONTH},
    ]  # fmt: skip
    events = await fill_events(app, "tzsb.cylinder.fill")
    assert [(e["event"]["type"], e["event"]["data"]["fill"]["fill_id"]) for e in events] == [
        ("tzsb.cylinder.fill.accepted.v1", "A-1"),
        ("tzsb.cylinder.fill.refused.v1", "A-2"),
        ("tzsb.cylinder.fill.refused.v1", "A-3"),
        ("tzsb.cylinder.fill.accepted.v1", "A-6"),
    ]  # one each: the retry wrote none
    assert {e["topic"] for e in events} == {app.state.settings.topic("tzsb.cylinder.fill")}
    assert events[1]["key"] == overdue["cylinder_code"]
    assert events[1]["event"]["data"]["reasons"] == results[1]["reasons"]
    # Both refused fills were weighed with gas in them: each raises one signal, the retry none.
    signals = await fill_events(app, "tzsb.hazard")
    assert [(s["key"], s["event"]["data"]["evidence"]["fill_id"]) for s in signals] == [
        (str(lanzhou.id), "A-2"),
        (str(lanzhou.id), "A-3"),
    ]


async def test_one_fill_alone_is_answered_as_a_batch_of_one(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens, scope=["O2"])
    own = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, own)

    answer = await client.post(
        "/api/v1/fills", json=fill(own["cylinder_code"], lanzhou.filler, fill_id="B-1"),
        headers=lanzhou.headers,
    )  # fmt: skip

    assert answer.json() == {
        "results": [{"fill_id": "B-1", "status": "refused",
                     "reasons": ["medium_outside_licence"], "errors": None}]
    }  # fmt: skip


async def test_small_posts_sent_at_once_are_each_answered_in_their_own_order(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    # Posted together, small posts of one station are written in shared transactions
    # (tzsb_common.coalescing): each keeps its own answers, and its malformed items' locations.
    lanzhou = await a_station(app, tokens)
    own = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, own)
    code = own["cylinder_code"]
    repeated = fill(code, lanzhou.filler, fill_id="C-repeated")
    posts = [
        {"fills": [fill(code, lanzhou.filler, fill_id=f"C-{n}"), repeated,
                   {**fill(code, lanzhou.filler, fill_id=f"C-{n}-bad"), "started_at": "now"}]}
        for n in range(6)
    ]  # fmt: skip
    alone = fill("GS-NOT-REGISTERED", lanzhou.filler, fill_id="C-alone")

    answers = await asyncio.gather(
        *(client.post("/api/v1/fills", json=post, headers=lanzhou.headers) for post in posts),
        client.post("/api/v1/fills", json=alone, headers=lanzhou.headers),
    )

    results = [a.json()["results"] for a in answers]
    for n, result in enumerate(results[:-1]):
        assert (result[0]["fill_id"], result[0]["status"]) == (f"C-{n}", "accepted")
        assert result[1]["fill_id"] == "C-repeated"
        assert result[2]["reasons"] == ["invalid"]
        assert [e["field"] for e in result[2]["errors"]] == ["fills.2.started_at"]
    assert (
        sorted(result[1]["status"] for result in results[:-1]) == ["accepted"] + ["duplicate"] * 5
    )
    assert results[-1] == [
        {"fill_id": "C-alone", "status": "refused", "reasons": ["unknown_cylinder"],
         "errors": None}
    ]  # fmt: skip
    assert len(await stored_fills(app, lanzhou.id)) == 6 + 1 + 1


async def test_an_lpg_station_does_not_fill_another_stations_cylinder(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    owner = await a_station(app, tokens)
    other = await a_station(app, tokens)
    theirs = cylinder(owner.id)
    await register(client, owner.headers, theirs)

    answer = await client.post(
        "/api/v1/fills", json=fill(theirs["cylinder_code"], owner.filler),
        headers=other.headers,
    )  # fmt: skip

    assert answer.json()["results"][0]["reasons"] == ["filler_not_certified",
                                                      "lpg_not_own_property"]  # fmt: skip


async def test_more_than_a_thousand_fills_is_413_and_only_stations_post_fills(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    station_headers = tokens.headers(CallerKind.filling_station)
    too_many = {"fills": [fill("GS1", "P1") for _ in range(1001)]}

    large = await client.post("/api/v1/fills", json=too_many, headers=station_headers)
    bureau = await client.post("/api/v1/fills", json=fill("GS1", "P1"), headers=tokens.bureau())

    assert large.status_code == 413
    assert bureau.status_code == 403


async def test_recall_for_the_bureau_and_for_a_station_its_own_only(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    baiyin = await a_station(app, tokens)
    lanzhou_lpg = cylinder(lanzhou.id)
    baiyin_lpg = cylinder(baiyin.id)
    await register(client, lanzhou.headers, lanzhou_lpg)
    await register(client, baiyin.headers, baiyin_lpg)
    code = lanzhou_lpg["cylinder_code"]
    await client.post("/api/v1/fills", headers=lanzhou.headers, json={"fills": [
        fill(code, lanzhou.filler, fill_id="L-1", started_at=at(DAY_BEFORE, "23:59"),
             ended_at=at(FILL_DAY, "00:02")),
        fill(code, lanzhou.filler, fill_id="L-2"),
        fill(code, lanzhou.filler, fill_id="L-3", medium="O2"),
    ]})  # fmt: skip
    await client.post(
        "/api/v1/fills", headers=baiyin.headers,
        json=fill(baiyin_lpg["cylinder_code"], baiyin.filler, fill_id="B-1"),
    )  # fmt: skip

    day = {"from": FILL_DAY.isoformat(), "to": FILL_DAY.isoformat()}
    bureau_day = await client.get(
        "/api/v1/fills", params={**day, "station_id": str(lanzhou.id)}, headers=tokens.bureau()
    )
    bureau_lpg = await client.get(
        "/api/v1/fills", params={**day, "medium": "LPG"}, headers=tokens.bureau()
    )
    own = await client.get("/api/v1/fills", params=day, headers=lanzhou.headers)
    others = await client.get(
        "/api/v1/fills", params={"station_id": str(baiyin.id)}, headers=lanzhou.headers
    )
    of_cylinder = await client.get(f"/api/v1/cylinders/{code}/fills", headers=tokens.bureau())
    paged = await client.get(
        f"/api/v1/cylinders/{code}/fills", params={"limit": 2}, headers=lanzhou.headers
    )
    rest = await client.get(
        f"/api/v1/cylinders/{code}/fills",
        params={"limit": 2, "cursor": paged.json()["next_cursor"]},
        headers=lanzhou.headers,
    )
    not_theirs = await client.get(f"/api/v1/cylinders/{code}/fills", headers=baiyin.headers)
    unknown = await client.get("/api/v1/cylinders/GS-NONE/fills", headers=tokens.bureau())

    assert [f["fill_id"] for f in bureau_day.json()["items"]] == ["L-2", "L-3"]
    assert sorted(f["fill_id"] for f in bureau_lpg.json()["items"]) == ["B-1", "L-2"]
    assert [f["fill_id"] for f in own.json()["items"]] == ["L-2", "L-3"]
    assert own.json()["items"][1]["reasons"] == ["medium_mismatch"]
    assert own.json()["items"][0]["prefill_checks"]["valve"] is True
    assert others.status_code == 403
    assert [f["fill_id"] for f in of_cylinder.json()["items"]] == ["L-1", "L-2", "L-3"]
    assert [f["fill_id"] for f in paged.json()["items"]] == ["L-1", "L-2"]
    assert [f["fill_id"] for f in rest.json()["items"]] == ["L-3"]
    assert rest.json()["next_cursor"] is None
    assert not_theirs.status_code == 404
    assert unknown.status_code == 404


async def test_a_refused_fill_weighed_with_gas_in_it_raises_a_hazard_signal_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    scrapped = cylinder(lanzhou.id, status="scrapped")
    own = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, scrapped, own)
    filled = fill(scrapped["cylinder_code"], lanzhou.filler, fill_id="H-1", filled_mass_kg=14.0)
    stopped = fill(scrapped["cylinder_code"], lanzhou.filler, fill_id="H-2", filled_mass_kg=0.0)
    accepted = fill(own["cylinder_code"], lanzhou.filler, fill_id="H-3")
    batch = {"fills": [filled, stopped, accepted]}

    first = await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)
    await client.post("/api/v1/fills", json=batch, headers=lanzhou.headers)

    assert [r["status"] for r in first.json()["results"]] == ["refused", "refused", "accepted"]
    signals = await fill_events(app, "tzsb.hazard")
    assert len(signals) == 1
    assert signals[0]["key"] == str(lanzhou.id)
    signal = signals[0]["event"]
    assert signal["type"] == "tzsb.hazard.signal.v1"
    assert signal["subject"] == str(lanzhou.id)
    data = signal["data"]
    assert (data["kind"], data["severity"], data["source_service"]) == (
        "refused_fill_filled", "major", "cylinder-trace"
    )  # fmt: skip
    assert (data["equipment_code"], data["unit_id"]) == (scrapped["cylinder_code"], str(lanzhou.id))
    assert data["evidence"]["fill_id"] == "H-1"
    assert data["evidence"]["reasons"] == ["cylinder_scrapped"]
    assert "拒绝充装" in data["description"]
