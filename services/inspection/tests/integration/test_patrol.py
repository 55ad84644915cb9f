"""GET /api/v1/patrol and /api/v1/patrol/{question}: the online patrol's five questions over a
small hand-counted fleet.

The fleet, on 2026-11-25 (first due dates from the rules: elevators a year after commissioning,
the grade-3 vessel within 3 years):

| piece | in use | inspected | due | contract on the day | reg. | answers |
| --- | --- | --- | --- | --- | --- | --- |
| e1 elevator, 2020 | yes | never | 2021-01-15 | none | yes | past due, never, no contract |
| e2 elevator, 2025 | yes | never | 2026-03-31 | valid | yes | past due, never |
| e3 elevator, 2026 | yes | never | 2027-06-01 | expired 2026-10-31 | yes | never, no contract |
| e4 elevator, 2020 | yes | pass 2026-01-10 | 2027-01-15 | ended 2026-11-01 | yes | no contract |
| e5 elevator, 2020 | yes | pass 2026-01-10 | 2027-01-15 | valid | no | unregistered |
| v1 vessel | yes | fail 2026-05-10 | 2027-02-28 | — | yes | failed_inspection |
| v2 vessel | suspended | never | past | — | yes | nothing (not in use) |

Signs of use: a complaint names an unknown code x, a complaint names e1 (known), a refused-fill
signal names a cylinder code (not registrable equipment), an agency posts a report on an
unknown code z. Unregistered in use: x, z and e5.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from inspection_factories import (
    contract,
    equipment_code,
    hazard_signal,
    inspection,
    rescue_dispatched,
    seed_contracts,
    seed_equipment,
    seed_rescues,
    seed_signals,
    snapshot,
)
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

TODAY = date(2026, 11, 25)
AGENCY = uuid.uuid4()
UNIT_1 = uuid.uuid4()
UNIT_2 = uuid.uuid4()
SIGNAL_UNIT = uuid.uuid4()


def elevator(commissioned_on: str, **overrides: Any) -> dict[str, Any]:
    return snapshot(**{"commissioned_on": commissioned_on, "use_unit_id": str(UNIT_2), **overrides})


def vessel(**overrides: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "category": "2000",
        "variety": "2150",
        "commissioned_on": "2024-02-29",
        "attributes": {"safety_grade": 3},
        "park": "秦川园区",
        "use_unit_id": str(UNIT_2),
    }
    return snapshot(**{**defaults, **overrides})


@pytest.fixture
async def fleet(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, str]:
    pieces = {
        "e1": elevator("2020-01-15", use_unit_id=str(UNIT_1)),
        "e2": elevator("2025-03-31"),
        "e3": elevator("2026-06-01"),
        "e4": elevator("2020-01-15"),
        "e5": elevator("2020-01-15", registration_number=None),
        "v1": vessel(),
        "v2": vessel(status="suspended", commissioned_on="2020-01-01"),
    }
    await seed_equipment(app, *pieces.values(), today=TODAY)
    codes = {name: piece["equipment_code"] for name, piece in pieces.items()}
    await seed_contracts(
        app,
        contract(codes["e2"], codes["e5"]),
        contract(codes["e3"], valid_from="2025-11-01", valid_to="2026-10-31",
                 in_force_until="2026-10-31"),
        contract(codes["e4"], status="terminated", terminated_on="2026-11-01",
                 termination_reason="合同解除", in_force_until="2026-11-01"),
    )  # fmt: skip
    agency = tokens.headers(CallerKind.inspection_agency, organisation_id=AGENCY)
    for name, inspected_on, conclusion in (
        ("e4", "2026-01-10", "pass"),
        ("e5", "2026-01-10", "pass"),
        ("v1", "2026-05-10", "fail"),
    ):
        body = inspection(codes[name], inspected_on=inspected_on, conclusion=conclusion)
        answer = await client.post("/api/v1/inspections", json=body, headers=agency)
        assert answer.status_code == 201, answer.text
    codes["x"] = equipment_code()
    codes["z"] = equipment_code()
    await seed_signals(
        app,
        hazard_signal(equipment_code=codes["x"], unit_id=str(SIGNAL_UNIT)),
        hazard_signal(equipment_code=codes["x"], observed_at="2026-11-21T08:00:00+08:00"),
        hazard_signal(equipment_code=codes["e1"]),
        hazard_signal(kind="refused_fill_filled", equipment_code="CYL-0001",
                      source_service="cylinder-trace"),
    )  # fmt: skip
    refused = await client.post("/api/v1/inspections", json=inspection(codes["z"]), headers=agency)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unknown_equipment"
    return codes


async def test_the_patrol_counts_each_question_over_equipment_in_use(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    answer = await client.get(
        "/api/v1/patrol", params={"as_of": TODAY.isoformat()}, headers=tokens.bureau()
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "as_of": "2026-11-25",
        "past_due": 2,
        "never_inspected": 3,
        "no_maintenance_contract": 3,
        "failed_inspection": 1,
        "unregistered_in_use": 3,
    }


async def test_a_contract_counts_on_the_days_it_is_in_force(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    # On 2026-10-31 e3's contract was still in force and e4's not yet ended; e1 had none.
    answer = await client.get(
        "/api/v1/patrol", params={"as_of": "2026-10-31"}, headers=tokens.bureau()
    )

    assert answer.json()["no_maintenance_contract"] == 1
    assert answer.json()["past_due"] == 2


async def test_each_question_lists_the_equipment_behind_its_count(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    expected = {
        "past_due": {"e1", "e2"},
        "never_inspected": {"e1", "e2", "e3"},
        "no_maintenance_contract": {"e1", "e3", "e4"},
        "failed_inspection": {"v1"},
        "unregistered_in_use": {"x", "z", "e5"},
    }
    names = {code: name for name, code in fleet.items()}
    for question, pieces in expected.items():
        answer = await client.get(
            f"/api/v1/patrol/{question}",
            params={"as_of": TODAY.isoformat()},
            headers=tokens.bureau(),
        )
        assert answer.status_code == 200, answer.text
        codes = [item["equipment_code"] for item in answer.json()["items"]]
        assert codes == sorted(codes)
        assert {names[c] for c in codes} == pieces, question


async def test_a_list_is_paged_by_cursor_and_filtered_by_park_and_unit(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    bureau = tokens.bureau()
    first = await client.get("/api/v1/patrol/never_inspected", params={"limit": 2}, headers=bureau)
    second = await client.get(
        "/api/v1/patrol/never_inspected",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=bureau,
    )
    of_unit = await client.get(
        "/api/v1/patrol/past_due", params={"use_unit_id": str(UNIT_1)}, headers=bureau
    )
    in_park = await client.get(
        "/api/v1/patrol/failed_inspection", params={"park": "中川园区"}, headers=bureau
    )
    counted_in_park = await client.get(
        "/api/v1/patrol", params={"park": "秦川园区", "as_of": "2026-11-25"}, headers=bureau
    )

    paged = [i["equipment_code"] for i in first.json()["items"] + second.json()["items"]]
    assert len(first.json()["items"]) == 2
    assert second.json()["next_cursor"] is None
    assert sorted(paged) == sorted([fleet["e1"], fleet["e2"], fleet["e3"]])
    assert [i["equipment_code"] for i in of_unit.json()["items"]] == [fleet["e1"]]
    assert in_park.json()["items"] == []
    assert counted_in_park.json()["failed_inspection"] == 1
    assert counted_in_park.json()["never_inspected"] == 0


async def test_unregistered_codes_show_where_they_were_seen(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    answer = await client.get("/api/v1/patrol/unregistered_in_use", headers=tokens.bureau())
    of_signal_unit = await client.get(
        "/api/v1/patrol/unregistered_in_use",
        params={"use_unit_id": str(SIGNAL_UNIT)},
        headers=tokens.bureau(),
    )

    items = {i["equipment_code"]: i for i in answer.json()["items"]}
    assert items[fleet["x"]]["known_to_registry"] is False
    assert items[fleet["x"]]["seen_in"] == ["hazard_signal"]
    assert items[fleet["x"]]["use_unit_id"] == str(SIGNAL_UNIT)
    assert items[fleet["z"]]["seen_in"] == ["inspection_post"]
    assert items[fleet["e5"]]["known_to_registry"] is True
    assert items[fleet["e5"]]["registration_number"] is None
    assert [i["equipment_code"] for i in of_signal_unit.json()["items"]] == [fleet["x"]]


async def test_only_supervisors_ask_the_patrol(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    unit = await client.get("/api/v1/patrol", headers=tokens.headers(CallerKind.use_unit))
    agency = await client.get(
        "/api/v1/patrol/past_due", headers=tokens.headers(CallerKind.inspection_agency)
    )
    government = await client.get(
        "/api/v1/patrol", headers=tokens.headers(CallerKind.government_system)
    )
    anonymous = await client.get("/api/v1/patrol")
    unknown_question = await client.get("/api/v1/patrol/everything", headers=tokens.bureau())
    bad_cursor = await client.get(
        "/api/v1/patrol/past_due", params={"cursor": "!!"}, headers=tokens.bureau()
    )

    assert (unit.status_code, agency.status_code) == (403, 403)
    assert government.status_code == 200
    assert anonymous.status_code == 401
    assert unknown_question.status_code == 422
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["code"] == "cursor_invalid"


async def test_the_bureau_opens_hazards_on_listed_codes_each_once_and_published(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    path = "/api/v1/patrol/no_maintenance_contract/hazards"
    body = {
        "equipment_codes": [fleet["e1"], fleet["e3"], fleet["e2"]],
        "as_of": TODAY.isoformat(),
        "deadline": "2099-12-31",
    }

    first = await client.post(path, json=body, headers=tokens.bureau())
    again = await client.post(path, json=body, headers=tokens.bureau())
    by_unit = await client.post(path, json=body, headers=tokens.headers(CallerKind.use_unit))

    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["opened"], answer["already_open"]) == (2, 0)
    outcomes = [(i["equipment_code"], i["outcome"]) for i in answer["items"]]
    assert outcomes == [
        (fleet["e1"], "opened"),
        (fleet["e3"], "opened"),
        (fleet["e2"], "not_on_list"),  # e2 holds a valid contract
    ]
    assert (again.json()["opened"], again.json()["already_open"]) == (0, 2)
    assert [i["hazard_id"] for i in again.json()["items"][:2]] == [
        i["hazard_id"] for i in answer["items"][:2]
    ]
    assert by_unit.status_code == 403
    e1_hazard = answer["items"][0]["hazard_id"]
    read = await client.get(f"/api/v1/hazards/{e1_hazard}", headers=tokens.bureau())
    assert read.json()["source"] == "online_patrol"
    assert read.json()["patrol_question"] == "no_maintenance_contract"
    assert read.json()["use_unit_id"] == str(UNIT_1)
    assert read.json()["severity"] == "general"
    assert read.json()["deadline"] == "2099-12-31"
    async with app.state.database.connection() as conn:
        found = await conn.fetch(
            "SELECT event->>'type' AS type FROM outbox WHERE key = ANY($1::text[])",
            [i["hazard_id"] for i in answer["items"][:2]],
        )
    assert [r["type"] for r in found] == ["tzsb.hazard.found.v1"] * 2


async def test_all_of_a_question_is_opened_and_codes_without_a_unit_are_named(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    answer = await client.post(
        "/api/v1/patrol/unregistered_in_use/hazards",
        json={"all": True, "as_of": TODAY.isoformat()},
        headers=tokens.bureau(),
    )

    assert answer.status_code == 200, answer.text
    outcomes = {i["equipment_code"]: i["outcome"] for i in answer.json()["items"]}
    assert outcomes == {
        fleet["x"]: "opened",  # the unit a complaint named answers for it
        fleet["e5"]: "opened",
        fleet["z"]: "no_answerable_unit",  # seen only in an agency's refused report
    }
    by_code = {i["equipment_code"]: i["hazard_id"] for i in answer.json()["items"]}
    x = (await client.get(f"/api/v1/hazards/{by_code[fleet['x']]}", headers=tokens.bureau())).json()
    assert (x["use_unit_id"], x["unit_id"], x["severity"]) == (None, str(SIGNAL_UNIT), "major")


async def test_a_past_due_hazard_is_not_opened_beside_the_due_workflows_own(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    scan = await client.post(
        "/api/v1/due-scans", json={"as_of": TODAY.isoformat()}, headers=tokens.bureau()
    )
    assert scan.status_code == 200, scan.text

    answer = await client.post(
        "/api/v1/patrol/past_due/hazards",
        json={"equipment_codes": [fleet["e1"], fleet["e2"]], "as_of": TODAY.isoformat()},
        headers=tokens.bureau(),
    )

    assert [i["outcome"] for i in answer.json()["items"]] == ["already_open", "already_open"]
    hazard = (
        await client.get(
            f"/api/v1/hazards/{answer.json()['items'][0]['hazard_id']}", headers=tokens.bureau()
        )
    ).json()
    assert hazard["source"] == "due_workflow"


async def test_a_patrol_hazard_request_names_its_mistakes(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    path = "/api/v1/patrol/past_due/hazards"
    neither = await client.post(path, json={}, headers=tokens.bureau())
    both = await client.post(
        path, json={"all": True, "equipment_codes": [equipment_code()]}, headers=tokens.bureau()
    )
    past = await client.post(
        path, json={"all": True, "deadline": "2020-01-01"}, headers=tokens.bureau()
    )
    bad_code = await client.post(
        path, json={"equipment_codes": ["not-a-code"]}, headers=tokens.bureau()
    )
    no_question = await client.post(
        "/api/v1/patrol/everything/hazards", json={"all": True}, headers=tokens.bureau()
    )

    assert (neither.status_code, neither.json()["errors"][0]["code"]) == (422, "codes_or_all")
    assert both.json()["errors"][0]["code"] == "codes_or_all"
    assert past.json()["errors"][0]["field"] == "deadline"
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["field"].startswith("equipment_codes")
    assert no_question.status_code == 422


async def test_rescues_and_monitoring_alarms_are_signs_of_use(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    called, alarmed = equipment_code(), equipment_code()
    await seed_rescues(
        app,
        rescue_dispatched(called),
        rescue_dispatched(alarmed, source="monitoring_alarm"),
        rescue_dispatched(alarmed, source="monitoring_alarm",
                          reported_at="2026-11-23T10:00:00+08:00"),
        rescue_dispatched(fleet["e4"]),  # registered: not a finding
    )  # fmt: skip

    counts = await client.get(
        "/api/v1/patrol", params={"as_of": TODAY.isoformat()}, headers=tokens.bureau()
    )
    listed = await client.get(
        "/api/v1/patrol/unregistered_in_use", params={"limit": 100}, headers=tokens.bureau()
    )

    assert counts.json()["unregistered_in_use"] == 5  # x, z and e5, and the two rescued
    seen = {i["equipment_code"]: i["seen_in"] for i in listed.json()["items"]}
    assert seen[called] == ["rescue"]
    assert seen[alarmed] == ["monitoring_alarm"]
    assert fleet["e4"] not in seen
    async with app.state.database.connection() as conn:
        times = await conn.fetchval(
            "SELECT times_seen FROM unregistered_sightings WHERE equipment_code = $1", alarmed
        )
    assert times == 2


async def test_once_its_hazard_is_closed_the_patrol_may_open_a_new_one(
    client: httpx.AsyncClient, tokens: TokenFactory, fleet: dict[str, str]
) -> None:
    path = "/api/v1/patrol/no_maintenance_contract/hazards"
    body = {"equipment_codes": [fleet["e1"]], "as_of": TODAY.isoformat()}
    bureau = tokens.bureau()
    unit = tokens.headers(CallerKind.use_unit, organisation_id=UNIT_1)
    [first] = (await client.post(path, json=body, headers=bureau)).json()["items"]
    hazard = f"/api/v1/hazards/{first['hazard_id']}"
    steps = [
        await client.post(
            "/api/v1/orders",
            json={"hazard_ids": [first["hazard_id"]], "deadline": "2099-01-31"},
            headers=bureau,
        ),
        await client.post(f"{hazard}/rectification", json={}, headers=unit),
        await client.post(
            f"{hazard}/evidence",
            params={"filename": "维保合同.pdf"},
            content=b"%PDF-1.4 contract signed",
            headers={**unit, "Content-Type": "application/pdf"},
        ),
        await client.post(f"{hazard}/rectified", json={"note": "已签订维保合同"}, headers=unit),
        await client.post(f"{hazard}/verification", json={"accepted": True}, headers=bureau),
    ]
    assert [s.status_code for s in steps] == [201, 200, 201, 200, 200], steps[-1].text

    [second] = (await client.post(path, json=body, headers=bureau)).json()["items"]

    assert second["outcome"] == "opened"
    assert second["hazard_id"] != first["hazard_id"]
