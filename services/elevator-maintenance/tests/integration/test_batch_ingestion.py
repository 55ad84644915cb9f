"""A full batch of 1,000 mixed swipes is answered item by item, and the same batch again is
answered `duplicate` throughout with no second effect."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from elevator_maintenance.swipe_statistics.publishing import fold_and_publish
from maintenance_factories import (
    LAT,
    World,
    certificate_snapshot,
    contract_snapshot,
    elevator_snapshot,
    equipment_code,
    seed,
    swipe,
)


async def count(app: FastAPI, sql: str, *args: Any) -> int:
    async with app.state.database.connection() as conn:
        value: int = await conn.fetchval(sql, *args)
    return value


async def statistics(app: FastAPI, company: uuid.UUID) -> list[dict[str, Any]]:
    """The company's swipe statistics events in the outbox, oldest first."""
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT event::text AS event FROM outbox "
            "WHERE event->>'type' = 'tzsb.elevator.maintenance.swipe_statistics.v1' "
            "AND event->'data'->'statistics'->>'maintenance_company_id' = $1 ORDER BY id",
            str(company),
        )
    return [json.loads(row["event"])["data"]["statistics"] for row in rows]


async def test_a_batch_of_1000_mixed_swipes_is_answered_per_item_and_again_as_duplicates(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    company = world.company
    lifts = [elevator_snapshot() for _ in range(10)]
    idle = elevator_snapshot(status="suspended")
    uncontracted = elevator_snapshot()
    workers = [certificate_snapshot(company) for _ in range(5)]
    expired = certificate_snapshot(company, valid_to="2020-01-01", valid_from="2016-01-01")
    filler = certificate_snapshot(company, item="P")
    lent = certificate_snapshot(uuid.uuid4())
    await seed(
        app,
        elevators=[*lifts, idle, uncontracted],
        contracts=[
            contract_snapshot(company, [e["equipment_code"] for e in [*lifts, idle]]),
            contract_snapshot(uuid.uuid4(), [uncontracted["equipment_code"]]),
        ],
        certificates=[*workers, expired, filler, lent],
    )
    now = datetime.now(UTC)
    # (overrides, expected reasons): each case once per cycle of ten.
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, []),
        ({}, []),
        ({}, []),
        ({"equipment_code": equipment_code()}, ["unknown_equipment", "no_valid_contract"]),
        ({"equipment_code": idle["equipment_code"]}, ["equipment_not_in_use"]),
        ({"equipment_code": uncontracted["equipment_code"]}, ["no_valid_contract"]),
        ({"certificate_number": "TS-NOBODY"}, ["unknown_certificate"]),
        ({"certificate_number": expired["number"]}, ["certificate_expired"]),
        (
            {"certificate_number": filler["number"], "at": (now + timedelta(hours=1)).isoformat()},
            ["certificate_wrong_item", "time_in_future"],
        ),
        (
            {"certificate_number": lent["number"], "lat": LAT + 0.01,
             "at": (now - timedelta(days=40)).isoformat()},
            ["certificate_other_employer", "time_too_old", "outside_geofence"],
        ),
    ]  # fmt: skip
    batch: list[dict[str, Any]] = []
    expected: list[tuple[str, str, list[str]]] = []
    for i in range(1000):
        overrides, reasons = cases[i % len(cases)]
        at = (now - timedelta(minutes=1000 - i)).isoformat()
        # Swipes 2n and 2n+1 are a start and an end of one worker at one elevator.
        item = swipe(
            lifts[(i // 2) % len(lifts)]["equipment_code"],
            workers[(i // 2) % len(workers)]["number"],
            kind="start" if i % 2 == 0 else "end",
            **{"at": at, **overrides},
        )
        batch.append(item)
        expected.append((item["swipe_id"], "rejected" if reasons else "accepted", reasons))

    first = await client.post("/api/v1/swipes", json={"swipes": batch}, headers=world.headers)

    assert first.status_code == 200
    results = first.json()["results"]
    assert [(r["swipe_id"], r["status"], r["reasons"]) for r in results] == expected
    assert await count(app, "SELECT count(*) FROM swipes WHERE company_id = $1", company) == 1000
    rejected = await count(
        app, "SELECT count(*) FROM swipes WHERE company_id = $1 AND status = 'rejected'", company
    )
    assert rejected == 700
    visits_made = await count(app, "SELECT count(*) FROM visits WHERE company_id = $1", company)
    assert visits_made == 100  # swipes 10n and 10n+1 are accepted, a start and its end
    # The day totals are published by the next fold: one event per business day the batch
    # touched, which together count every swipe of it.
    await fold_and_publish(app.state.database, app.state.outbox)
    published = await statistics(app, company)
    assert len(published) == await count(
        app, "SELECT count(*) FROM swipe_daily_statistics WHERE company_id = $1", company
    )
    assert sum(s["accepted"] for s in published) == 300
    assert sum(s["rejected"] for s in published) == 700

    again = await client.post("/api/v1/swipes", json={"swipes": batch}, headers=world.headers)

    assert again.status_code == 200
    assert [(r["swipe_id"], r["status"], r["first_status"], r["reasons"])
            for r in again.json()["results"]] == [
        (swipe_id, "duplicate", status, reasons) for swipe_id, status, reasons in expected
    ]  # fmt: skip
    assert await count(app, "SELECT count(*) FROM swipes WHERE company_id = $1", company) == 1000
    assert (
        await count(app, "SELECT count(*) FROM visits WHERE company_id = $1", company)
        == visits_made
    )
    assert await statistics(app, company) == published
