"""Overdue maintenance: an elevator in use past its allowed interval since its last visit is
signalled once per overdue spell by the pass for a date; a visit ends the spell."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from maintenance_factories import World, contract_snapshot, elevator_snapshot, seed, swipe
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.elevator import MaintenanceOverdueV1
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.testing import TokenFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


async def visit_on(
    client: httpx.AsyncClient, world: World, day: date, code: str | None = None
) -> None:
    assert day < today()  # 09:00 today may still be ahead
    start = datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)
    answer = await client.post(
        "/api/v1/swipes",
        json={
            "swipes": [
                swipe(
                    code or world.elevator, world.certificate, kind="start", at=start.isoformat()
                ),
                swipe(
                    code or world.elevator,
                    world.certificate,
                    kind="end",
                    at=(start + timedelta(minutes=45)).isoformat(),
                ),
            ]
        },
        headers=world.headers,
    )
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "accepted"], answer.text


async def scan(client: httpx.AsyncClient, tokens: TokenFactory, as_of: date) -> int:
    answer = await client.post(
        "/api/v1/overdue-scans", json={"as_of": as_of.isoformat()}, headers=tokens.bureau()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["as_of"] == as_of.isoformat()
    overdue: int = answer.json()["counts"]["overdue"]
    return overdue


async def published(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT topic, event::text AS event FROM outbox WHERE event->>'type' = $1 ORDER BY id",
            event_type,
        )
    return [{"topic": row["topic"], **json.loads(row["event"])} for row in rows]


async def test_an_elevator_is_signalled_once_when_its_interval_passes(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, world: World
) -> None:
    last = today() - timedelta(days=3)
    await visit_on(client, world, last)

    assert await scan(client, tokens, today()) == 0
    assert await scan(client, tokens, last + timedelta(days=15)) == 0  # the last day allowed
    assert await scan(client, tokens, last + timedelta(days=16)) == 1
    assert await scan(client, tokens, last + timedelta(days=16)) == 0  # a re-run
    assert await scan(client, tokens, last + timedelta(days=25)) == 0  # the same spell

    (overdue,) = await published(app, MaintenanceOverdueV1.event_type)
    assert overdue["topic"].endswith("tzsb.elevator.maintenance")
    data = MaintenanceOverdueV1.model_validate(overdue["data"])
    assert (data.equipment_code, data.last_visit_on, data.interval_days) == (
        world.elevator,
        last,
        15,
    )
    assert data.due_by == last + timedelta(days=15)
    assert data.maintenance_company_id == world.company
    (signal,) = await published(app, HazardSignalV1.event_type)
    assert signal["topic"].endswith("tzsb.hazard")
    assert signal["subject"] == world.elevator
    hazard = HazardSignalV1.model_validate(signal["data"])
    assert hazard.kind == "maintenance_overdue"
    assert hazard.unit_id == world.company
    assert hazard.equipment_code == world.elevator
    assert hazard.signal_id == uuid.UUID(overdue["id"])
    assert hazard.evidence["due_by"] == (last + timedelta(days=15)).isoformat()


async def test_a_visit_ends_the_spell_and_the_next_spell_is_signalled_again(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, world: World
) -> None:
    first = today() - timedelta(days=20)
    await visit_on(client, world, first)
    assert await scan(client, tokens, first + timedelta(days=16)) == 1

    second = today() - timedelta(days=1)
    await visit_on(client, world, second)

    assert await scan(client, tokens, today() + timedelta(days=1)) == 0
    assert await scan(client, tokens, second + timedelta(days=15)) == 0
    assert await scan(client, tokens, second + timedelta(days=16)) == 1
    dues = [e["data"]["due_by"] for e in await published(app, MaintenanceOverdueV1.event_type)]
    assert dues == [str(first + timedelta(days=15)), str(second + timedelta(days=15))]
    assert len(await published(app, HazardSignalV1.event_type)) == 2


async def test_an_on_demand_contract_allows_its_own_interval(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, world: World
) -> None:
    lift = elevator_snapshot()
    code = lift["equipment_code"]
    await seed(
        app,
        elevators=[lift],
        contracts=[contract_snapshot(world.company, [code], maintenance_interval_days=30)],
    )
    last = today() - timedelta(days=2)
    await visit_on(client, world, last, code)

    assert await scan(client, tokens, last + timedelta(days=16)) == 0
    assert await scan(client, tokens, last + timedelta(days=31)) == 1
    (overdue,) = await published(app, MaintenanceOverdueV1.event_type)
    assert (overdue["subject"], overdue["data"]["interval_days"]) == (code, 30)


async def test_suspended_and_never_visited_elevators_are_not_signalled(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, world: World
) -> None:
    last = today() - timedelta(days=2)
    await visit_on(client, world, last)
    never = elevator_snapshot()
    await seed(
        app,
        elevators=[never],
        contracts=[contract_snapshot(world.company, [never["equipment_code"]])],
    )
    async with app.state.database.transaction() as conn:
        await conn.execute(
            "UPDATE elevators SET status = 'suspended' WHERE equipment_code = $1", world.elevator
        )

    assert await scan(client, tokens, last + timedelta(days=40)) == 0


@pytest.mark.parametrize("kind", [CallerKind.maintenance_company, CallerKind.use_unit])
async def test_only_the_bureau_runs_a_pass(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    answer = await client.post(
        "/api/v1/overdue-scans", json={"as_of": "2026-01-01"}, headers=tokens.headers(kind)
    )
    assert answer.status_code == 403


async def test_a_pass_needs_a_real_date(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for body in ({}, {"as_of": "2026-02-30"}, {"as_of": 20260101}):
        answer = await client.post("/api/v1/overdue-scans", json=body, headers=tokens.bureau())
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "as_of"
