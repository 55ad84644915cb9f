"""GET /api/v1/swipe-statistics and the swipe_statistics event: swipes accepted and rejected by
reason per company and business day, counted once however often a batch is posted, published
with the day's new totals and a growing version; a company reads only its own."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from elevator_maintenance.swipe_statistics.publishing import fold_and_publish
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
EVENT_TYPE = "tzsb.elevator.maintenance.swipe_statistics.v1"
STRANGER = "3110" + "9" * 14


def local(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), SHANGHAI).isoformat()


def two_days_ago() -> date:
    return datetime.now(SHANGHAI).date() - timedelta(days=2)


async def fold(app: FastAPI) -> int:
    """What the service's background pass does every second (off in tests)."""
    return await fold_and_publish(app.state.database, app.state.outbox)


async def statistics_events(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT key, event::text AS event FROM outbox WHERE event->>'type' = $1 ORDER BY id",
            EVENT_TYPE,
        )
    return [(row["key"], json.loads(row["event"])["data"]["statistics"]) for row in rows]


async def test_a_batch_is_counted_per_business_day_published_once_per_day_and_once_only(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    day = two_days_ago()
    following = day + timedelta(days=1)
    first = swipe(world.elevator, world.certificate, at=local(day, 9))
    # 23:50 in Shanghai is 15:50 UTC, 00:10 the next morning 16:10 UTC: the business day is
    # Shanghai's, whatever the UTC date.
    late = swipe(world.elevator, world.certificate, kind="end", at=local(day, 23, 50))
    next_morning = swipe(world.elevator, world.certificate, at=local(following, 0, 10))
    far = swipe(world.elevator, world.certificate, at=local(day, 10), lat=37.0)
    stranger = swipe(STRANGER, world.certificate, at=local(day, 11))
    malformed = {**swipe(world.elevator, world.certificate), "at": "yesterday"}
    batch = {"swipes": [first, late, far, stranger, next_morning, malformed, first]}

    answer = await client.post("/api/v1/swipes", json=batch, headers=world.headers)
    retry = await client.post("/api/v1/swipes", json=batch, headers=world.headers)
    after_retry = await client.get("/api/v1/swipe-statistics", headers=world.headers)
    unpublished = await statistics_events(app)
    await fold(app)
    after_fold = await client.get("/api/v1/swipe-statistics", headers=world.headers)
    events_after_retry = await statistics_events(app)
    another = swipe(world.elevator, world.certificate, at=local(day, 12), lat=37.0)
    await client.post("/api/v1/swipes", json=another, headers=world.headers)
    answer_after = await client.get(
        "/api/v1/swipe-statistics",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=world.headers,
    )

    assert [(r["status"], r["reasons"]) for r in answer.json()["results"]] == [
        ("accepted", []),
        ("accepted", []),
        ("rejected", ["outside_geofence"]),
        ("rejected", ["unknown_equipment", "no_valid_contract"]),
        ("accepted", []),
        ("rejected", ["invalid"]),
        ("duplicate", []),
    ]
    assert {r["status"] for r in retry.json()["results"]} == {"duplicate", "rejected"}
    assert after_retry.status_code == 200, after_retry.text
    assert after_retry.json() == {
        "items": [
            {"company_id": str(world.company), "day": day.isoformat(), "swipes": 4,
             "accepted": 2, "rejected": 2,
             "rejected_by_reason": {"no_valid_contract": 1, "outside_geofence": 1,
                                    "unknown_equipment": 1}},
            {"company_id": str(world.company), "day": following.isoformat(), "swipes": 1,
             "accepted": 1, "rejected": 0, "rejected_by_reason": {}},
        ],
        "next_cursor": None,
    }  # fmt: skip
    # Read before the fold (the batch's tallies pending) and after it, the days are the same;
    # nothing is published before the fold, then one event per day the first batch touched:
    # the retry stored nothing and published nothing.
    assert after_fold.json() == after_retry.json()
    assert unpublished == []
    assert events_after_retry == [
        (f"{world.company}:{day}",
         {"maintenance_company_id": str(world.company), "day": day.isoformat(), "accepted": 2,
          "rejected": 2, "rejected_by_reason": {"no_valid_contract": 1, "outside_geofence": 1,
                                                "unknown_equipment": 1}, "version": 1}),
        (f"{world.company}:{following}",
         {"maintenance_company_id": str(world.company), "day": following.isoformat(),
          "accepted": 1, "rejected": 0, "rejected_by_reason": {}, "version": 1}),
    ]  # fmt: skip
    assert answer_after.json()["items"][0]["rejected_by_reason"] == {
        "no_valid_contract": 1,
        "outside_geofence": 2,
        "unknown_equipment": 1,
    }
    await fold(app)
    key, newest = (await statistics_events(app))[-1]
    assert key == f"{world.company}:{day}"
    assert (newest["accepted"], newest["rejected"], newest["version"]) == (2, 3, 2)
    assert newest["rejected_by_reason"]["outside_geofence"] == 2


async def test_a_company_reads_its_own_statistics_and_the_bureau_every_companys(
    app: FastAPI, client: httpx.AsyncClient, world: World, tokens: TokenFactory
) -> None:
    day = two_days_ago()
    other = uuid.uuid4()
    lift = elevator_snapshot()
    certificate = certificate_snapshot(other)
    await seed(
        app,
        elevators=[lift],
        contracts=[contract_snapshot(other, [lift["equipment_code"]])],
        certificates=[certificate],
    )
    other_headers = tokens.headers(CallerKind.maintenance_company, organisation_id=other)
    await client.post(
        "/api/v1/swipes",
        json=swipe(world.elevator, world.certificate, at=local(day, 9)),
        headers=world.headers,
    )
    await client.post(
        "/api/v1/swipes",
        json={"swipes": [
            swipe(lift["equipment_code"], certificate["number"], at=local(day, 9)),
            swipe(lift["equipment_code"], certificate["number"], at=local(day, 10), lat=37.0),
        ]},
        headers=other_headers,
    )  # fmt: skip

    own = await client.get("/api/v1/swipe-statistics", headers=world.headers)
    theirs = await client.get(
        "/api/v1/swipe-statistics", params={"company_id": str(other)}, headers=world.headers
    )
    everyone = await client.get(
        "/api/v1/swipe-statistics",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=tokens.bureau(),
    )
    one = await client.get(
        "/api/v1/swipe-statistics", params={"company_id": str(other)}, headers=tokens.bureau()
    )
    backwards = await client.get(
        "/api/v1/swipe-statistics",
        params={"from": day.isoformat(), "to": (day - timedelta(days=1)).isoformat()},
        headers=tokens.bureau(),
    )
    anonymous = await client.get("/api/v1/swipe-statistics")

    assert [(i["company_id"], i["accepted"]) for i in own.json()["items"]] == [
        (str(world.company), 1)
    ]
    assert theirs.status_code == 403
    assert {(i["company_id"], i["accepted"], i["rejected"]) for i in everyone.json()["items"]} >= {
        (str(world.company), 1, 0),
        (str(other), 1, 1),
    }
    assert [(i["company_id"], i["rejected_by_reason"]) for i in one.json()["items"]] == [
        (str(other), {"outside_geofence": 1})
    ]
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["code"] == "dates_inconsistent"
    assert anonymous.status_code == 401


async def test_statistics_are_paged_by_day_then_company(
    client: httpx.AsyncClient, world: World
) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    days = [today - timedelta(days=n) for n in (4, 3, 2)]
    await client.post(
        "/api/v1/swipes",
        json={"swipes": [swipe(world.elevator, world.certificate, at=local(d, 9)) for d in days]},
        headers=world.headers,
    )

    first = await client.get("/api/v1/swipe-statistics", params={"limit": 2}, headers=world.headers)
    rest = await client.get(
        "/api/v1/swipe-statistics",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=world.headers,
    )

    assert [i["day"] for i in first.json()["items"]] == [d.isoformat() for d in days[:2]]
    assert [i["day"] for i in rest.json()["items"]] == [days[2].isoformat()]
    assert rest.json()["next_cursor"] is None


async def test_the_same_batch_posted_twice_at_once_is_counted_and_published_once(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    day = two_days_ago()
    batch = {
        "swipes": [
            swipe(world.elevator, world.certificate, at=local(day, 8, minute))
            for minute in range(20)
        ]
    }

    await asyncio.gather(
        client.post("/api/v1/swipes", json=batch, headers=world.headers),
        client.post("/api/v1/swipes", json=batch, headers=world.headers),
    )
    answer = await client.get("/api/v1/swipe-statistics", headers=world.headers)
    await fold(app)

    assert [(i["day"], i["accepted"]) for i in answer.json()["items"]] == [(day.isoformat(), 20)]
    assert [(s["accepted"], s["version"]) for _, s in await statistics_events(app)] == [(20, 1)]


async def test_a_pass_folds_the_batches_of_a_day_into_one_event_and_nothing_when_none_came(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    day = two_days_ago()
    for hour in (8, 9, 10):
        await client.post(
            "/api/v1/swipes",
            json=swipe(world.elevator, world.certificate, at=local(day, hour), lat=37.0),
            headers=world.headers,
        )

    folded = await fold(app)
    events = await statistics_events(app)
    folded_again = await fold(app)
    events_again = await statistics_events(app)

    assert folded == 3
    assert [(s["rejected"], s["rejected_by_reason"], s["version"]) for _, s in events] == [
        (3, {"outside_geofence": 3}, 1)
    ]
    assert folded_again == 0
    assert events_again == events


async def test_pages_add_the_pending_tallies_to_the_folded_days_in_day_order(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    days = [today - timedelta(days=n) for n in (5, 4, 3, 2)]

    async def post(day: date, hour: int) -> None:
        await client.post(
            "/api/v1/swipes",
            json=swipe(world.elevator, world.certificate, at=local(day, hour)),
            headers=world.headers,
        )

    for day in (days[0], days[2]):
        await post(day, 9)
    await fold(app)
    # Pending: a second swipe on a folded day, and two days only pending.
    for day, hour in ((days[2], 10), (days[1], 9), (days[3], 9)):
        await post(day, hour)

    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/swipe-statistics", params=params,
                                 headers=world.headers)).json()  # fmt: skip
        pages.append([(i["day"], i["accepted"]) for i in page["items"]])
        if (cursor := page["next_cursor"]) is None:
            break

    assert pages == [
        [(days[0].isoformat(), 1), (days[1].isoformat(), 1)],
        [(days[2].isoformat(), 2), (days[3].isoformat(), 1)],
    ]
