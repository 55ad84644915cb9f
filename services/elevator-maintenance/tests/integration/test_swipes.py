"""POST /api/v1/swipes: the ingestion contract, per item, idempotent, stored by month."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from elevator_maintenance.swipes.service import keep_partitions
from maintenance_factories import World, swipe
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def stored(app: FastAPI, company: uuid.UUID) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT swipe_id, status, reasons, tableoid::regclass::text AS partition "
            "FROM swipes WHERE company_id = $1 ORDER BY swipe_id",
            company,
        )
    return [dict(r) for r in rows]


async def test_one_swipe_is_accepted_and_stored_in_its_month(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    body = swipe(world.elevator, world.certificate)

    answer = await client.post("/api/v1/swipes", json=body, headers=world.headers)

    assert answer.status_code == 200
    assert answer.json() == {
        "results": [{"swipe_id": body["swipe_id"], "status": "accepted", "reasons": []}]
    }
    month = datetime.fromisoformat(body["at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert await stored(app, world.company) == [
        {
            "swipe_id": body["swipe_id"],
            "status": "accepted",
            "reasons": [],
            "partition": f"swipes_y{month.year:04d}m{month.month:02d}",
        }
    ]


async def test_a_batch_is_answered_per_item_in_order_and_rejections_are_stored(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    now = datetime.now(UTC)
    good = swipe(world.elevator, world.certificate)
    far = swipe(world.elevator, world.certificate, lat=37.0)
    stranger = swipe("3110" + "9" * 14, "TS-UNKNOWN", at=(now + timedelta(hours=1)).isoformat())
    no_time = swipe(world.elevator, world.certificate)
    del no_time["at"]
    bad_time = swipe(world.elevator, world.certificate, at="yesterday")
    naive = swipe(world.elevator, world.certificate, at="2026-11-25T08:00:00")

    answer = await client.post(
        "/api/v1/swipes",
        json={"swipes": [good, far, no_time, stranger, bad_time, naive]},
        headers=world.headers,
    )

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["swipe_id"], r["status"], r["reasons"]) for r in results] == [
        (good["swipe_id"], "accepted", []),
        (far["swipe_id"], "rejected", ["outside_geofence"]),
        (no_time["swipe_id"], "rejected", ["invalid"]),
        (
            stranger["swipe_id"],
            "rejected",
            ["unknown_equipment", "no_valid_contract", "unknown_certificate", "time_in_future"],
        ),
        (bad_time["swipe_id"], "rejected", ["invalid"]),
        (naive["swipe_id"], "rejected", ["invalid"]),
    ]
    assert [r.get("field") for r in results] == [None, None, "at", None, "at", "at"]
    rows = {r["swipe_id"]: (r["status"], r["reasons"]) for r in await stored(app, world.company)}
    assert rows == {
        good["swipe_id"]: ("accepted", []),
        far["swipe_id"]: ("rejected", ["outside_geofence"]),
        stranger["swipe_id"]: (
            "rejected",
            ["unknown_equipment", "no_valid_contract", "unknown_certificate", "time_in_future"],
        ),
    }  # malformed items leave no trace: their ids stay free for the corrected swipe


async def test_a_retry_is_answered_duplicate_with_the_first_outcome_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    old = swipe(
        world.elevator,
        world.certificate,
        at=(datetime.now(UTC) - timedelta(days=31)).isoformat(),
    )
    first = await client.post("/api/v1/swipes", json=old, headers=world.headers)
    # The retry carries a time that would now be accepted: the first answer still stands.
    again = await client.post(
        "/api/v1/swipes",
        json={"swipes": [{**old, "at": datetime.now(UTC).isoformat()}, old]},
        headers=world.headers,
    )

    assert first.json()["results"][0]["reasons"] == ["time_too_old"]
    assert again.json()["results"] == [
        {"swipe_id": old["swipe_id"], "status": "duplicate", "reasons": ["time_too_old"],
         "first_status": "rejected"},
    ] * 2  # fmt: skip
    assert len(await stored(app, world.company)) == 1


async def test_the_same_swipe_id_of_another_company_is_another_swipe(
    app: FastAPI, client: httpx.AsyncClient, world: World, tokens: TokenFactory
) -> None:
    body = swipe(world.elevator, world.certificate)
    other = uuid.uuid4()
    other_headers = tokens.headers(CallerKind.maintenance_company, organisation_id=other)

    mine = await client.post("/api/v1/swipes", json=body, headers=world.headers)
    theirs = await client.post("/api/v1/swipes", json=body, headers=other_headers)

    assert mine.json()["results"][0]["status"] == "accepted"
    assert theirs.json()["results"][0]["status"] == "rejected"
    assert theirs.json()["results"][0]["reasons"] == [
        "no_valid_contract",
        "certificate_other_employer",
    ]


async def test_two_concurrent_posts_of_one_swipe_id_store_one_row(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    bodies = [swipe(world.elevator, world.certificate) for _ in range(20)]
    batch = {"swipes": bodies}

    answers = await asyncio.gather(
        *(client.post("/api/v1/swipes", json=batch, headers=world.headers) for _ in range(4))
    )

    statuses = [[r["status"] for r in a.json()["results"]] for a in answers]
    for i in range(len(bodies)):
        column = sorted(s[i] for s in statuses)
        assert column == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert len(await stored(app, world.company)) == len(bodies)


async def test_more_than_1000_swipes_is_a_413_problem(
    client: httpx.AsyncClient, world: World
) -> None:
    batch = {"swipes": [swipe(world.elevator, world.certificate) for _ in range(1001)]}

    answer = await client.post("/api/v1/swipes", json=batch, headers=world.headers)

    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["max_items"] == 1000


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ([], ["body"]),
        ({"swipes": {}}, ["body", "swipes"]),
        ({"swipes": [], "note": 1}, ["body", "note"]),
    ],
)
async def test_a_body_that_is_neither_a_swipe_nor_a_batch_is_a_422(
    client: httpx.AsyncClient, world: World, body: Any, location: list[str]
) -> None:
    answer = await client.post("/api/v1/swipes", json=body, headers=world.headers)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == location


@pytest.mark.parametrize("kind", [CallerKind.bureau, CallerKind.use_unit])
async def test_only_a_maintenance_company_posts_swipes(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, kind: CallerKind
) -> None:
    answer = await client.post(
        "/api/v1/swipes",
        json=swipe(world.elevator, world.certificate),
        headers=tokens.headers(kind, organisation_id=world.company),
    )

    assert answer.status_code == 403


async def test_a_swipe_dated_beyond_the_partitions_waits_in_the_default_one_and_moves(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    future = datetime.now(zone).replace(day=15) + timedelta(days=31 * 6)
    body = swipe(world.elevator, world.certificate, at=future.isoformat())
    await client.post("/api/v1/swipes", json=body, headers=world.headers)
    assert [r["partition"] for r in await stored(app, world.company)] == ["swipes_default"]

    made = await keep_partitions(
        app.state.database, today=datetime.now(zone).date(), zone=zone, ahead=7
    )

    name = f"swipes_y{future.year:04d}m{future.month:02d}"
    assert name in made
    assert [r["partition"] for r in await stored(app, world.company)] == [name]


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def test_single_swipes_posted_at_once_are_each_answered_and_pair_into_one_visit(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    # Posted together, small posts of one company are written in shared transactions
    # (tzsb_common.coalescing): each must still get its own answer, in its own order.
    start = swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=90))
    end = swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=30))
    far = swipe(world.elevator, world.certificate, at=ago(minutes=60), lat=37.0)
    pairs = [
        {"swipes": [swipe(world.elevator, world.certificate, at=ago(minutes=70 + n)), far]}
        for n in range(8)
    ]

    answers = await asyncio.gather(
        client.post("/api/v1/swipes", json=start, headers=world.headers),
        *(client.post("/api/v1/swipes", json=body, headers=world.headers) for body in pairs),
        client.post("/api/v1/swipes", json=end, headers=world.headers),
    )

    results = [[(r["swipe_id"], r["status"]) for r in a.json()["results"]] for a in answers]
    assert results[0] == [(start["swipe_id"], "accepted")]
    assert results[-1] == [(end["swipe_id"], "accepted")]
    for body, result in zip(pairs, results[1:-1], strict=True):
        assert [swipe_id for swipe_id, _ in result] == [s["swipe_id"] for s in body["swipes"]]
        assert result[0][1] == "accepted"
    # `far` is in every post: rejected once, a duplicate of that rejection everywhere else.
    assert sorted(result[1][1] for result in results[1:-1]) == ["duplicate"] * 7 + ["rejected"]
    assert len(await stored(app, world.company)) == 2 + 8 + 1
    async with app.state.database.connection() as conn:
        visits = await conn.fetchval(
            "SELECT count(*) FROM visits WHERE company_id = $1", world.company
        )
    assert visits == 1
