"""The remote-monitoring feed: events stored once and counted per elevator; a trapped-passenger
alarm opens a rescue and becomes a hazard signal; a company posts only for its own elevators."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from maintenance_factories import contract_snapshot, elevator_snapshot, seed
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def monitoring_event(elevator: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "equipment_code": elevator,
        "kind": "fault",
        "fault_code": "E35",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }
    body.update(overrides)
    return body


async def outbox_events(app: FastAPI, topic: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT event::text AS event FROM outbox WHERE topic LIKE '%' || $1 ORDER BY id",
            topic,
        )
    return [json.loads(row["event"]) for row in rows]


async def test_faults_are_counted_per_elevator_and_a_retry_is_one_event(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = elevator_snapshot()
    code = lift["equipment_code"]
    await seed(app, elevators=[lift], contracts=[contract_snapshot(company, [code])])
    me = tokens.headers(CallerKind.maintenance_company, organisation_id=company)
    first = monitoring_event(code)

    answers = [
        await client.post("/api/v1/monitoring-events", json=body, headers=me)
        for body in (
            first,
            first,
            monitoring_event(code),
            monitoring_event(code, fault_code="E12"),
        )
    ]

    assert [a.status_code for a in answers] == [201, 200, 201, 201]
    assert answers[1].json()["status"] == "duplicate"
    assert answers[1].json()["id"] == answers[0].json()["id"]
    summary = await client.get(f"/api/v1/elevators/{code}/monitoring", headers=me)
    assert summary.status_code == 200, summary.text
    assert summary.json()["faults"] == 3
    assert summary.json()["trapped_passenger_alarms"] == 0
    assert summary.json()["by_fault_code"] == [
        {"fault_code": "E35", "count": 2},
        {"fault_code": "E12", "count": 1},
    ]
    assert await outbox_events(app, "tzsb.hazard") == []


async def test_a_trapped_passenger_alarm_opens_a_rescue_and_raises_a_hazard_signal(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = elevator_snapshot()
    code = lift["equipment_code"]
    await seed(app, elevators=[lift], contracts=[contract_snapshot(company, [code])])
    platform = tokens.headers(CallerKind.government_system)

    alarm = await client.post(
        "/api/v1/monitoring-events",
        json=monitoring_event(code, kind="trapped_passenger", fault_code=None),
        headers=platform,
    )

    assert alarm.status_code == 201, alarm.text
    incident_id = alarm.json()["incident_id"]
    assert incident_id is not None
    me = tokens.headers(CallerKind.maintenance_company, organisation_id=company)
    (incident,) = (
        await client.get("/api/v1/rescues", params={"status": "open"}, headers=me)
    ).json()["items"]
    assert incident["id"] == incident_id
    assert incident["source"] == "monitoring_alarm"
    (signal,) = await outbox_events(app, "tzsb.hazard")
    assert signal["type"] == "tzsb.hazard.signal.v1"
    assert signal["data"]["kind"] == "trapped_passenger_alarm"
    assert signal["data"]["equipment_code"] == code
    assert signal["data"]["unit_id"] == str(company)
    assert signal["data"]["evidence"]["incident_id"] == incident_id
    (dispatched,) = await outbox_events(app, "tzsb.elevator.rescue")
    assert dispatched["data"]["source"] == "monitoring_alarm"
    summary = (await client.get(f"/api/v1/elevators/{code}/monitoring", headers=me)).json()
    assert summary["trapped_passenger_alarms"] == 1
    assert summary["open_incident_id"] == incident_id


async def test_a_company_posts_and_reads_only_for_elevators_it_maintains(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lift = elevator_snapshot()
    code = lift["equipment_code"]
    await seed(app, elevators=[lift], contracts=[contract_snapshot(uuid.uuid4(), [code])])
    stranger = tokens.headers(CallerKind.maintenance_company, organisation_id=uuid.uuid4())

    posted = await client.post(
        "/api/v1/monitoring-events", json=monitoring_event(code), headers=stranger
    )
    read = await client.get(f"/api/v1/elevators/{code}/monitoring", headers=stranger)

    assert posted.status_code == 403
    assert posted.json()["code"] == "no_valid_contract"
    assert read.status_code == 404
    unknown = await client.post(
        "/api/v1/monitoring-events",
        json=monitoring_event("311099999999999999"),
        headers=tokens.bureau(),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "unknown_equipment"
    no_code = await client.post(
        "/api/v1/monitoring-events",
        json=monitoring_event(code, fault_code=None),
        headers=tokens.bureau(),
    )
    assert no_code.json()["errors"][0]["field"] == "fault_code"
    use_unit = await client.post(
        "/api/v1/monitoring-events",
        json=monitoring_event(code),
        headers=tokens.headers(CallerKind.use_unit),
    )
    assert use_unit.status_code == 403
