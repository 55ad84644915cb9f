"""Emergency rescue (96333): an incident dispatched to the contract holder, driven through
acknowledgement, arrival and release with the clock moved; a late one escalated at 20 minutes
and breached at 30, each once; a company sees only its own incidents and never the caller."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from maintenance_factories import LAT, LON, contract_snapshot, elevator_snapshot, seed
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.contracts.rescue import RescueAcknowledgementOverdueV1, RescueEscalatedV1
from tzsb_common.testing import TokenFactory

PHONE = "13912345678"


def rescue_code() -> str:
    return f"{random.randrange(10**6):06d}"


async def outbox_events(app: FastAPI, topic: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT event::text AS event FROM outbox WHERE topic LIKE '%' || $1 ORDER BY id",
            topic,
        )
    return [json.loads(row["event"]) for row in rows]


async def elevator_of(app: FastAPI, company: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    lift = elevator_snapshot(**{"rescue_code": rescue_code(), **overrides})
    await seed(
        app, elevators=[lift], contracts=[contract_snapshot(company, [lift["equipment_code"]])]
    )
    return lift


async def report(client: httpx.AsyncClient, tokens: TokenFactory, **body: Any) -> httpx.Response:
    body.setdefault("reported_at", datetime.now(UTC).isoformat())
    return await client.post("/api/v1/rescues", json=body, headers=tokens.bureau())


async def scan(client: httpx.AsyncClient, tokens: TokenFactory, at: datetime) -> dict[str, int]:
    answer = await client.post(
        "/api/v1/rescue-clock-scans", json={"as_of": at.isoformat()}, headers=tokens.bureau()
    )
    assert answer.status_code == 200, answer.text
    counts: dict[str, int] = answer.json()["counts"]
    return counts


async def test_an_incident_goes_from_dispatch_to_release_with_the_clock_moved(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = await elevator_of(app, company)
    company_headers = tokens.headers(CallerKind.maintenance_company, organisation_id=company)

    created = await report(
        client, tokens, rescue_code=lift["rescue_code"], trapped_people=2, caller_phone=PHONE
    )

    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["equipment_code"] == lift["equipment_code"]
    assert incident["maintenance_company_id"] == str(company)
    assert incident["status"] == "dispatched"
    assert incident["caller_phone"] == PHONE
    assert incident["urban"] is False
    dispatched = datetime.fromisoformat(incident["dispatched_at"])
    assert datetime.fromisoformat(incident["acknowledge_due_at"]) == dispatched + timedelta(
        minutes=3
    )
    assert datetime.fromisoformat(incident["arrival_due_at"]) == dispatched + timedelta(minutes=60)
    (open_one,) = (
        await client.get("/api/v1/rescues", params={"status": "open"}, headers=company_headers)
    ).json()["items"]
    assert open_one["id"] == incident["id"]
    assert "caller_phone" not in open_one

    acknowledged = await client.post(
        f"/api/v1/rescues/{incident['id']}/acknowledge", json={}, headers=company_headers
    )
    assert acknowledged.status_code == 200, acknowledged.text
    # Two minutes later nothing is due: acknowledged, and neither escalation nor breach yet.
    assert await scan(client, tokens, dispatched + timedelta(minutes=2)) == {
        "acknowledgement_overdue": 0,
        "escalated": 0,
        "breached": 0,
    }
    arrived = await client.post(
        f"/api/v1/rescues/{incident['id']}/arrive",
        json={"lat": LAT + 0.0005, "lon": LON},
        headers=company_headers,
    )
    assert arrived.status_code == 200, arrived.text
    assert 50 < arrived.json()["arrival_distance_m"] < 60
    released = await client.post(
        f"/api/v1/rescues/{incident['id']}/release",
        json={"people_freed": 2, "fault_cause": "door_lock"},
        headers=company_headers,
    )
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    # An hour and more later the clocks find nothing: the company arrived in time.
    assert await scan(client, tokens, dispatched + timedelta(minutes=90)) == {
        "acknowledgement_overdue": 0,
        "escalated": 0,
        "breached": 0,
    }
    assert (
        await client.get("/api/v1/rescues", params={"status": "open"}, headers=company_headers)
    ).json()["items"] == []

    events = await outbox_events(app, "tzsb.elevator.rescue")
    assert [e["type"].split(".")[3] for e in events] == [
        "dispatched",
        "acknowledged",
        "arrived",
        "released",
    ]
    assert {e["subject"] for e in events} == {lift["equipment_code"]}
    assert all(PHONE not in json.dumps(e) for e in events)
    assert events[1]["data"]["within_limit"] is True
    assert events[3]["data"]["people_freed"] == 2
    assert events[3]["data"]["fault_cause"] == "door_lock"
    assert await outbox_events(app, "tzsb.hazard") == []


async def test_a_late_company_is_escalated_at_20_minutes_and_breached_at_30_each_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = await elevator_of(app, company)
    urban = await client.put(
        "/api/v1/rescue-regions",
        json={**lift["region"], "urban": True},
        headers=tokens.bureau(),
    )
    assert urban.status_code == 200, urban.text
    incident = (await report(client, tokens, equipment_code=lift["equipment_code"])).json()
    dispatched = datetime.fromisoformat(incident["dispatched_at"])
    assert incident["urban"] is True

    def at(**delta: float) -> datetime:
        return dispatched + timedelta(**delta)

    assert await scan(client, tokens, at(minutes=2, seconds=59)) == {
        "acknowledgement_overdue": 0,
        "escalated": 0,
        "breached": 0,
    }
    assert await scan(client, tokens, at(minutes=3)) == {
        "acknowledgement_overdue": 1,
        "escalated": 0,
        "breached": 0,
    }
    assert (await scan(client, tokens, at(minutes=19)))["escalated"] == 0
    assert (await scan(client, tokens, at(minutes=20)))["escalated"] == 1
    assert (await scan(client, tokens, at(minutes=21)))["escalated"] == 0
    assert (await scan(client, tokens, at(minutes=29)))["breached"] == 0
    assert (await scan(client, tokens, at(minutes=30)))["breached"] == 1
    assert await scan(client, tokens, at(minutes=45)) == {
        "acknowledgement_overdue": 0,
        "escalated": 0,
        "breached": 0,
    }

    rescue_events = await outbox_events(app, "tzsb.elevator.rescue")
    assert [e["type"] for e in rescue_events] == [
        "tzsb.elevator.rescue.dispatched.v1",
        "tzsb.elevator.rescue.acknowledgement_overdue.v1",
        "tzsb.elevator.rescue.escalated.v1",
    ]
    # The events the clocks build in SQL are valid payloads of their contracts.
    RescueAcknowledgementOverdueV1.model_validate(rescue_events[1]["data"])
    RescueEscalatedV1.model_validate(rescue_events[2]["data"])
    escalated = rescue_events[2]
    assert escalated["subject"] == lift["equipment_code"]
    assert escalated["data"]["reason"] == "not_arrived"
    assert escalated["data"]["backup_team"]
    assert datetime.fromisoformat(escalated["data"]["escalate_at"]) == at(minutes=20)
    (signal,) = await outbox_events(app, "tzsb.hazard")
    assert signal["type"] == "tzsb.hazard.signal.v1"
    assert signal["subject"] == lift["equipment_code"]
    HazardSignalV1.model_validate(signal["data"])
    assert signal["data"]["kind"] == "rescue_breach"
    assert signal["data"]["unit_id"] == str(company)
    assert signal["data"]["evidence"]["incident_id"] == incident["id"]
    assert datetime.fromisoformat(signal["data"]["observed_at"]) == at(minutes=30)
    read = (await client.get(f"/api/v1/rescues/{incident['id']}", headers=tokens.bureau())).json()
    assert datetime.fromisoformat(read["escalated_at"]) == at(minutes=20)
    assert datetime.fromisoformat(read["breached_at"]) == at(minutes=30)


async def test_a_company_sees_only_its_own_incidents_and_never_the_callers_phone(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    my_lift = await elevator_of(app, mine)
    their_lift = await elevator_of(app, theirs)
    my_incident = (
        await report(client, tokens, equipment_code=my_lift["equipment_code"], caller_phone=PHONE)
    ).json()
    their_incident = (
        await report(
            client, tokens, equipment_code=their_lift["equipment_code"], caller_phone=PHONE
        )
    ).json()
    me = tokens.headers(CallerKind.maintenance_company, organisation_id=mine)

    listed = await client.get("/api/v1/rescues", headers=me)
    assert [i["id"] for i in listed.json()["items"]] == [my_incident["id"]]
    assert PHONE not in listed.text
    one = await client.get(f"/api/v1/rescues/{my_incident['id']}", headers=me)
    assert one.status_code == 200
    assert PHONE not in one.text
    assert (
        await client.get(f"/api/v1/rescues/{their_incident['id']}", headers=me)
    ).status_code == 404
    for step, body in (
        ("acknowledge", {}),
        ("arrive", {"lat": LAT, "lon": LON}),
        ("release", {"people_freed": 1, "fault_cause": "other"}),
    ):
        answer = await client.post(
            f"/api/v1/rescues/{their_incident['id']}/{step}", json=body, headers=me
        )
        assert answer.status_code == 404, step
    government = await client.get(
        "/api/v1/rescues", headers=tokens.headers(CallerKind.government_system)
    )
    assert len(government.json()["items"]) == 2
    assert PHONE not in government.text
    bureau = await client.get("/api/v1/rescues", headers=tokens.bureau())
    assert {i["caller_phone"] for i in bureau.json()["items"]} == {PHONE}
    theirs_only = await client.get(
        "/api/v1/rescues", params={"company_id": str(theirs)}, headers=tokens.bureau()
    )
    assert [i["id"] for i in theirs_only.json()["items"]] == [their_incident["id"]]
    peeking = await client.get("/api/v1/rescues", params={"company_id": str(theirs)}, headers=me)
    assert peeking.status_code == 403
    assert (
        await client.post(
            "/api/v1/rescues",
            json={
                "equipment_code": my_lift["equipment_code"],
                "reported_at": "2026-01-01T00:00:00Z",
            },
            headers=me,
        )
    ).status_code == 403


async def test_steps_out_of_order_are_conflicts_and_bad_fields_are_named(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = await elevator_of(app, company)
    me = tokens.headers(CallerKind.maintenance_company, organisation_id=company)
    incident = (await report(client, tokens, equipment_code=lift["equipment_code"])).json()
    path = f"/api/v1/rescues/{incident['id']}"

    early = await client.post(f"{path}/arrive", json={"lat": LAT, "lon": LON}, headers=me)
    assert early.status_code == 409
    assert early.json()["code"] == "not_acknowledged"
    assert (await client.post(f"{path}/acknowledge", json={}, headers=me)).status_code == 200
    again = await client.post(f"{path}/acknowledge", json={}, headers=me)
    assert again.status_code == 409
    assert again.json()["code"] == "already_acknowledged"
    far = await client.post(f"{path}/arrive", json={"lat": LAT + 0.01, "lon": LON}, headers=me)
    assert far.status_code == 422
    assert far.json()["errors"][0]["code"] == "outside_geofence"
    future = await client.post(
        f"{path}/arrive",
        json={"lat": LAT, "lon": LON, "at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
        headers=me,
    )
    assert future.json()["errors"][0]["code"] == "time_in_future"
    assert (
        await client.post(f"{path}/arrive", json={"lat": LAT, "lon": LON}, headers=me)
    ).status_code == 200
    unknown_cause = await client.post(
        f"{path}/release", json={"people_freed": 1, "fault_cause": "gremlins"}, headers=me
    )
    assert unknown_cause.status_code == 422
    assert unknown_cause.json()["errors"][0]["code"] == "unknown_fault_cause"
    assert (
        await client.post(
            f"{path}/release", json={"people_freed": 1, "fault_cause": "brake"}, headers=me
        )
    ).status_code == 200
    late = await client.post(
        f"{path}/release", json={"people_freed": 1, "fault_cause": "brake"}, headers=me
    )
    assert late.status_code == 409
    assert late.json()["code"] == "already_released"


async def test_a_second_report_joins_the_open_incident_and_unknown_codes_are_refused(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = await elevator_of(app, company)
    first = await report(client, tokens, equipment_code=lift["equipment_code"])
    second = await report(client, tokens, rescue_code=lift["rescue_code"])
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert len(await outbox_events(app, "tzsb.elevator.rescue")) == 1

    unknown = await report(client, tokens, rescue_code="999999999")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "unknown_rescue_code"
    neither = await report(client, tokens)
    assert neither.json()["errors"][0]["code"] == "equipment_or_rescue_code_required"


async def test_without_a_contract_holder_the_backup_team_is_sent_at_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lift = elevator_snapshot(rescue_code=rescue_code())
    await seed(app, elevators=[lift])

    incident = (await report(client, tokens, equipment_code=lift["equipment_code"])).json()

    assert incident["maintenance_company_id"] is None
    assert incident["escalated_at"] is not None
    events = await outbox_events(app, "tzsb.elevator.rescue")
    assert [e["type"].split(".")[3] for e in events] == ["dispatched", "escalated"]
    assert events[1]["data"]["reason"] == "no_valid_contract"
    dispatched = datetime.fromisoformat(incident["dispatched_at"])
    assert await scan(client, tokens, dispatched + timedelta(hours=2)) == {
        "acknowledgement_overdue": 0,
        "escalated": 0,
        "breached": 0,
    }


async def test_a_rescue_code_must_match_the_elevators_unless_it_has_none_yet(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    coded = await elevator_of(app, company)
    uncoded = await elevator_of(app, company, rescue_code=None)

    disagreeing = await report(
        client, tokens, equipment_code=coded["equipment_code"], rescue_code="000000000"
    )
    accepted = await report(
        client, tokens, equipment_code=uncoded["equipment_code"], rescue_code="123456"
    )

    assert disagreeing.status_code == 422
    assert disagreeing.json()["errors"][0]["code"] == "codes_disagree"
    assert accepted.status_code == 201
    assert accepted.json()["equipment_code"] == uncoded["equipment_code"]


async def test_concurrent_reports_make_one_incident_and_concurrent_passes_escalate_it_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    lift = await elevator_of(app, company)

    answers = await asyncio.gather(
        *(report(client, tokens, equipment_code=lift["equipment_code"]) for _ in range(5))
    )

    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    dispatched = datetime.fromisoformat(answers[0].json()["dispatched_at"])
    passes = await asyncio.gather(
        *(scan(client, tokens, dispatched + timedelta(minutes=25)) for _ in range(4))
    )
    assert sum(p["escalated"] for p in passes) == 1
    assert [e["type"].split(".")[3] for e in await outbox_events(app, "tzsb.elevator.rescue")] == [
        "dispatched",
        "acknowledgement_overdue",
        "escalated",
    ]
