"""/api/v1/hazards: the bureau opens hazards, orders them rectified, the unit reports the work
with evidence, the bureau verifies and closes; each step once, in order, or a 409 that says why."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import Walk, business_today, events_keyed, in_days
from inspection_factories import inspection, seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.hazard import HazardFoundV1, HazardOverdueV1
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def walk(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> Walk:
    return await Walk(app, client, tokens, bureau_id=uuid.uuid4()).seed()


async def test_the_bureau_opens_a_hazard_by_hand_for_the_equipments_use_unit(
    app: FastAPI, walk: Walk
) -> None:
    hazard = await walk.open(deadline=in_days(20))

    assert hazard["state"] == "open"
    assert hazard["use_unit_id"] == str(walk.unit_id)
    assert hazard["source"] == "online_patrol"
    assert hazard["version"] == 1
    [found] = await events_keyed(app, hazard["id"])
    assert found.type == "tzsb.hazard.found.v1"
    assert found.data["equipment_code"] == walk.code
    assert found.data["deadline"] == in_days(20)


async def test_a_hazard_without_known_equipment_needs_its_answerable_unit(walk: Walk) -> None:
    answer = await walk.client.post(
        "/api/v1/hazards",
        json={"severity": "general", "description": "未登记设备在用"},
        headers=walk.bureau,
    )
    station = uuid.uuid4()
    of_a_unit = await walk.open(equipment_code=None, unit_id=str(station), severity="general")

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "unit_required"
    assert of_a_unit["unit_id"] == str(station)
    assert of_a_unit["equipment_code"] is None


async def test_only_the_bureau_opens_hazards_and_only_from_its_own_kinds_of_finding(
    walk: Walk,
) -> None:
    by_unit = await walk.client.post(
        "/api/v1/hazards",
        json={"equipment_code": walk.code, "severity": "general", "description": "x"},
        headers=walk.unit,
    )
    as_inspection = await walk.client.post(
        "/api/v1/hazards",
        json={"equipment_code": walk.code, "severity": "general", "description": "x",
              "source": "inspection"},
        headers=walk.bureau,
    )  # fmt: skip

    assert by_unit.status_code == 403
    assert as_inspection.status_code == 422
    assert as_inspection.json()["errors"][0]["code"] == "source_not_manual"


async def test_a_hazard_walks_from_open_to_closed_and_publishes_each_milestone(
    app: FastAPI, walk: Walk
) -> None:
    hazard = await walk.open()
    hazard_id = hazard["id"]

    ordered = await walk.order(hazard_id, deadline_in=15)
    started = await walk.start(hazard_id)
    uploaded = await walk.evidence(hazard_id)
    rectified = await walk.rectified(hazard_id)
    closed = await walk.verify(hazard_id, accepted=True)

    assert ordered.status_code == 201, ordered.text
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "rectifying"
    assert started.json()["deadline"] == in_days(15)  # the order's deadline
    assert uploaded.status_code == 201
    assert rectified.json()["state"] == "rectified"
    assert rectified.json()["rectification_note"] == "已更换钢丝绳"
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] is not None
    events = await events_keyed(app, hazard_id)
    assert [e.type for e in events] == [
        "tzsb.hazard.found.v1",
        "tzsb.hazard.order_issued.v1",
        "tzsb.hazard.rectified.v1",
        "tzsb.hazard.closed.v1",
    ]
    assert events[1].data["order_number"] == ordered.json()["number"]
    assert events[2].data["evidence_sha256"] == [uploaded.json()["sha256"]]
    assert events[2].data["within_deadline"] is True
    assert events[3].data["rectified_within_deadline"] is True


async def test_a_rejected_verification_sends_the_hazard_back_to_rectifying(walk: Walk) -> None:
    hazard = await walk.hazard_in("rectified")

    rejected = await walk.verify(hazard["id"], accepted=False)
    again = await walk.rectified(hazard["id"])

    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rectifying"
    assert rejected.json()["rectified_at"] is None
    assert again.json()["state"] == "rectified"


STEPS = ("issue_order", "start", "rectified", "accept", "reject")
LEGAL = {
    ("open", "issue_order"),
    ("order_issued", "start"),
    ("rectifying", "rectified"),
    ("rectified", "accept"),
    ("rectified", "reject"),
}
REFUSAL = {
    "issue_order": "hazard_not_open",
    "start": "hazard_not_order_issued",
    "rectified": "hazard_not_rectifying",
    "accept": "hazard_not_rectified",
    "reject": "hazard_not_rectified",
}


async def take(walk: Walk, hazard_id: str, step: str) -> httpx.Response:
    if step == "issue_order":
        return await walk.order(hazard_id)
    if step == "start":
        return await walk.start(hazard_id)
    if step == "rectified":
        return await walk.rectified(hazard_id)
    return await walk.verify(hazard_id, accepted=step == "accept")


@pytest.mark.parametrize("state", ["open", "order_issued", "rectifying", "rectified", "closed"])
async def test_every_step_is_taken_from_its_state_only_and_refused_with_a_stable_code(
    walk: Walk, state: str
) -> None:
    for step in STEPS:
        hazard = await walk.hazard_in(state)
        if hazard["state"] == "rectifying" and step == "rectified":
            assert (await walk.evidence(hazard["id"])).status_code in (200, 201)

        answer = await take(walk, hazard["id"], step)

        if (state, step) in LEGAL:
            assert answer.status_code in (200, 201), (state, step, answer.text)
        else:
            assert answer.status_code == 409, (state, step, answer.text)
            problem = answer.json()
            expected = "hazard_closed" if state == "closed" else REFUSAL[step]
            assert problem["code"] == expected, (state, step)
            assert problem["type"] == "urn:tzsb:problem:conflict"
            after = await walk.client.get(f"/api/v1/hazards/{hazard['id']}", headers=walk.bureau)
            assert after.json()["version"] == hazard["version"]  # nothing was written


async def test_rectification_without_evidence_is_refused(walk: Walk) -> None:
    hazard = await walk.hazard_in("rectifying")

    answer = await walk.rectified(hazard["id"])

    assert answer.status_code == 409
    assert answer.json()["code"] == "evidence_required"


async def test_only_the_answerable_unit_reports_and_only_the_bureau_verifies(
    walk: Walk, tokens: TokenFactory
) -> None:
    hazard = await walk.hazard_in("order_issued")
    stranger = tokens.headers(CallerKind.use_unit, organisation_id=uuid.uuid4())
    maintainer = tokens.headers(CallerKind.maintenance_company, organisation_id=walk.unit_id)

    by_stranger = await walk.client.post(
        f"/api/v1/hazards/{hazard['id']}/rectification", json={}, headers=stranger
    )
    by_bureau = await walk.client.post(
        f"/api/v1/hazards/{hazard['id']}/rectification", json={}, headers=walk.bureau
    )
    by_other_kind = await walk.client.post(
        f"/api/v1/hazards/{hazard['id']}/rectification", json={}, headers=maintainer
    )
    verified_by_unit = await walk.client.post(
        f"/api/v1/hazards/{hazard['id']}/verification", json={"accepted": True}, headers=walk.unit
    )

    assert by_stranger.status_code == 404  # someone else's hazard is not even seen
    assert by_bureau.status_code == 403
    assert by_other_kind.status_code == 403
    assert verified_by_unit.status_code == 403


async def test_a_hazard_reads_with_an_etag_and_a_stale_if_match_is_refused(walk: Walk) -> None:
    hazard = await walk.hazard_in("order_issued")
    path = f"/api/v1/hazards/{hazard['id']}"

    read = await walk.client.get(path, headers=walk.unit)
    etag = read.headers["etag"]
    fresh = await walk.client.get(path, headers={**walk.unit, "If-None-Match": etag})
    stale = await walk.client.post(
        f"{path}/rectification", json={}, headers={**walk.unit, "If-Match": '"v1"'}
    )
    current = await walk.client.post(
        f"{path}/rectification", json={}, headers={**walk.unit, "If-Match": read.headers["etag"]}
    )

    assert read.headers["etag"] == f'"v{hazard["version"]}"'
    assert fresh.status_code == 304
    assert stale.status_code == 412
    assert current.status_code == 200
    assert current.headers["etag"] == f'"v{hazard["version"] + 1}"'


async def test_the_list_filters_pages_newest_first_and_shows_a_unit_its_own(
    walk: Walk, tokens: TokenFactory
) -> None:
    first = await walk.open(severity="general")
    second = await walk.open()
    third = await walk.open(source="complaint")
    other_unit = uuid.uuid4()
    foreign = await walk.open(equipment_code=None, unit_id=str(other_unit))

    page1 = await walk.client.get("/api/v1/hazards", params={"limit": 2}, headers=walk.unit)
    page2 = await walk.client.get(
        "/api/v1/hazards",
        params={"limit": 2, "cursor": page1.json()["next_cursor"]},
        headers=walk.unit,
    )
    majors = await walk.client.get(
        "/api/v1/hazards", params={"severity": "major", "unit": str(walk.unit_id)},
        headers=walk.bureau,
    )  # fmt: skip
    complaints = await walk.client.get(
        "/api/v1/hazards", params={"source": "complaint"}, headers=walk.bureau
    )
    by_code = await walk.client.get(
        "/api/v1/hazards", params={"equipment_code": walk.code, "state": "open"},
        headers=walk.bureau,
    )  # fmt: skip
    theirs = await walk.client.get(
        "/api/v1/hazards", headers=tokens.headers(CallerKind.filling_station,
                                                  organisation_id=other_unit)
    )  # fmt: skip
    bad_cursor = await walk.client.get(
        "/api/v1/hazards", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=walk.bureau
    )

    ids = lambda answer: [h["id"] for h in answer.json()["items"]]  # noqa: E731
    assert ids(page1) == [third["id"], second["id"]]
    assert ids(page2) == [first["id"]]
    assert page2.json()["next_cursor"] is None
    assert ids(majors) == [third["id"], second["id"]]
    assert ids(complaints) == [third["id"]]
    assert set(ids(by_code)) == {first["id"], second["id"], third["id"]}
    assert ids(theirs) == [foreign["id"]]
    assert bad_cursor.status_code == 422


async def test_a_hazard_past_its_deadline_is_marked_overdue_once(app: FastAPI, walk: Walk) -> None:
    hazard = await walk.open()
    ordered = await walk.order(hazard["id"], deadline_in=3)
    assert ordered.status_code == 201
    deadline = business_today() + timedelta(days=3)
    scan = "/api/v1/due-scans"

    on_deadline = await walk.client.post(
        scan, json={"as_of": deadline.isoformat()}, headers=walk.bureau
    )
    after = await walk.client.post(
        scan, json={"as_of": (deadline + timedelta(days=1)).isoformat()}, headers=walk.bureau
    )
    later = await walk.client.post(
        scan, json={"as_of": (deadline + timedelta(days=5)).isoformat()}, headers=walk.bureau
    )

    assert {on_deadline.status_code, after.status_code, later.status_code} == {200}
    read = await walk.client.get(f"/api/v1/hazards/{hazard['id']}", headers=walk.bureau)
    assert read.json()["overdue_since"] == (deadline + timedelta(days=1)).isoformat()
    overdue = [e for e in await events_keyed(app, hazard["id"]) if e.type.endswith("overdue.v1")]
    assert len(overdue) == 1
    assert overdue[0].data["deadline"] == deadline.isoformat()
    assert overdue[0].data["state"] == "order_issued"
    assert HazardOverdueV1.model_validate(overdue[0].data).as_of == deadline + timedelta(days=1)


async def test_a_hazard_the_due_workflow_opens_is_published_as_found(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    boiler = snapshot(category="1000", variety="1100", commissioned_on="2025-06-15")
    await seed_equipment(app, boiler, today=date(2026, 1, 1))

    scan = await client.post(
        "/api/v1/due-scans", json={"as_of": "2026-06-16"}, headers=tokens.bureau()
    )
    listed = await client.get(
        "/api/v1/hazards",
        params={"equipment_code": boiler["equipment_code"], "source": "due_workflow"},
        headers=tokens.bureau(),
    )

    assert scan.json()["counts"]["overdue"] == 1
    [hazard] = listed.json()["items"]
    [found] = await events_keyed(app, hazard["id"])
    payload = HazardFoundV1.model_validate(found.data)  # the SQL-built event keeps the contract
    assert found.type == "tzsb.hazard.found.v1"
    assert str(payload.hazard_id) == hazard["id"]
    assert payload.source == "due_workflow"
    assert payload.severity == "major"
    assert payload.equipment_code == boiler["equipment_code"]
    assert str(payload.use_unit_id) == boiler["use_unit_id"]


async def test_hazards_an_inspection_finds_are_published_as_found(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    elevator = snapshot(commissioned_on="2020-01-15")
    await seed_equipment(app, elevator, today=date(2026, 1, 1))
    body = inspection(
        elevator["equipment_code"],
        inspected_on="2026-01-10",
        hazards=[{"description": "层门锁紧装置磨损", "severity": "general",
                  "deadline": "2026-02-10"}],
    )  # fmt: skip

    answer = await client.post(
        "/api/v1/inspections", json=body, headers=tokens.headers(CallerKind.inspection_agency)
    )

    [hazard] = answer.json()["hazards"]
    [found] = await events_keyed(app, hazard["id"])
    assert found.data["source"] == "inspection"
    assert found.data["inspection_id"] == answer.json()["id"]
    assert found.data["deadline"] == "2026-02-10"
