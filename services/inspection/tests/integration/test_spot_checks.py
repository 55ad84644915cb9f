"""/api/v1/spot-checks: the bureau's inspectors, a draw made from a seed and read back drawn
again from its stored seed and lists, and results recorded and published per unit."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from inspection.risk_grades.rules import RiskGrade
from inspection.spot_checks.rules import Candidate, draw
from inspection_factories import seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.events import CloudEvent
from tzsb_common.testing import TokenFactory

TODAY = date(2026, 11, 25)
SEED = 7_000_001


async def major_hazards(app: FastAPI, code: str, unit: str, count: int) -> None:
    async with app.state.database.connection() as conn:
        for _ in range(count):
            await conn.execute(
                "INSERT INTO hazards (equipment_code, use_unit_id, source, severity, "
                "description, created_at) VALUES ($1, $2, 'inspection', 'major', '测试', $3)",
                code, uuid.UUID(unit), datetime(2026, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
            )  # fmt: skip


@pytest.fixture
async def units(app: FastAPI) -> list[str]:
    """Eight units, one piece of equipment each; two graded D, two C, the rest A."""
    pieces = [snapshot(park="中川园区" if n < 6 else "西岔园区") for n in range(8)]
    await seed_equipment(app, *pieces, today=TODAY)
    for piece, count in zip(pieces, (3, 3, 2, 2), strict=False):
        await major_hazards(app, piece["equipment_code"], piece["use_unit_id"], count)
    return [p["use_unit_id"] for p in pieces]


@pytest.fixture
async def inspectors(client: httpx.AsyncClient, tokens: TokenFactory) -> list[str]:
    ids = []
    for n in range(4):
        answer = await client.post(
            "/api/v1/spot-checks/inspectors",
            json={"name": f"检查员{n}", "certificate_number": f"TS-{uuid.uuid4().hex[:8]}"},
            headers=tokens.bureau(),
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


async def make_draw(client: httpx.AsyncClient, tokens: TokenFactory, **body: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/spot-checks/draws",
        json={"unit_count": 3, "inspector_count": 2, "as_of": TODAY.isoformat(), **body},
        headers=tokens.bureau(),
    )


async def test_a_draw_is_drawn_again_from_its_stored_seed_and_lists(
    client: httpx.AsyncClient, tokens: TokenFactory, units: list[str], inspectors: list[str]
) -> None:
    made = await make_draw(client, tokens, seed=SEED)
    assert made.status_code == 201, made.text
    read = await client.get(
        f"/api/v1/spot-checks/draws/{made.json()['id']}",
        headers=tokens.headers(CallerKind.government_system),
    )

    record = read.json()
    assert read.status_code == 200
    assert record["seed"] == SEED
    assert record["reproduced"] is True
    assert record["units"] == made.json()["units"]
    grades = {c["use_unit_id"]: c["grade"] for c in record["candidates"]}
    assert sorted(grades) == sorted(units)
    assert sorted(grades.values()) == ["A", "A", "A", "A", "C", "C", "D", "D"]
    assert [c["weight"] for c in record["candidates"] if c["grade"] == "D"] == [8, 8]
    assert sorted(record["inspector_pool"]) == sorted(inspectors)
    again = draw(
        seed=record["seed"],
        candidates=[
            Candidate(uuid.UUID(c["use_unit_id"]), RiskGrade(c["grade"]), c["weight"])
            for c in record["candidates"]
        ],
        inspector_pool=[uuid.UUID(i) for i in record["inspector_pool"]],
        unit_count=3,
        inspector_count=2,
    )
    assert [str(u.use_unit_id) for u in again.units] == [u["use_unit_id"] for u in record["units"]]
    assert [str(i) for i in again.inspector_ids] == [
        i["inspector_id"] for i in record["inspectors"]
    ]
    assert [u["position"] for u in record["units"]] == [1, 2, 3]


async def test_the_same_seed_over_the_same_candidates_draws_the_same(
    client: httpx.AsyncClient, tokens: TokenFactory, units: list[str], inspectors: list[str]
) -> None:
    first = await make_draw(client, tokens, seed=SEED)
    second = await make_draw(client, tokens, seed=SEED)
    unseeded = await make_draw(client, tokens)

    assert first.json()["id"] != second.json()["id"]
    picks = [u["use_unit_id"] for u in first.json()["units"]]
    assert picks == [u["use_unit_id"] for u in second.json()["units"]]
    assert first.json()["inspectors"] == second.json()["inspectors"]
    assert isinstance(unseeded.json()["seed"], int)
    assert unseeded.json()["reproduced"] is True


async def test_a_draw_in_a_park_chooses_only_units_with_equipment_in_use_there(
    client: httpx.AsyncClient, tokens: TokenFactory, units: list[str], inspectors: list[str]
) -> None:
    made = await make_draw(client, tokens, park="西岔园区", unit_count=2, seed=1)
    too_many = await make_draw(client, tokens, park="西岔园区", unit_count=3, inspector_count=5)

    assert sorted(c["use_unit_id"] for c in made.json()["candidates"]) == sorted(units[6:])
    assert too_many.status_code == 422
    assert {e["code"] for e in too_many.json()["errors"]} == {
        "too_few_candidates",
        "too_few_inspectors",
    }


async def test_an_inactive_inspector_is_not_drawn(
    client: httpx.AsyncClient, tokens: TokenFactory, units: list[str], inspectors: list[str]
) -> None:
    changed = await client.patch(
        f"/api/v1/spot-checks/inspectors/{inspectors[0]}",
        json={"active": False},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    stale = await client.patch(
        f"/api/v1/spot-checks/inspectors/{inspectors[0]}",
        json={"active": True},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    made = await make_draw(client, tokens, inspector_count=3)
    listed = await client.get(
        "/api/v1/spot-checks/inspectors", params={"active": "false"}, headers=tokens.bureau()
    )

    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert stale.status_code == 412
    assert sorted(made.json()["inspector_pool"]) == sorted(inspectors[1:])
    assert [i["id"] for i in listed.json()["items"]] == [inspectors[0]]


async def test_a_result_is_recorded_once_per_drawn_unit_and_published(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    units: list[str],
    inspectors: list[str],
) -> None:
    made = (await make_draw(client, tokens, seed=SEED)).json()
    drawn_unit = made["units"][0]["use_unit_id"]
    not_drawn = next(u for u in units if u not in {d["use_unit_id"] for d in made["units"]})
    path = f"/api/v1/spot-checks/draws/{made['id']}/results"
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    result = {
        "use_unit_id": drawn_unit,
        "conclusion": "hazards_found",
        "checked_on": today,
        "equipment_checked": 4,
        "hazards_found": 1,
        "findings": "电梯安全管理制度未上墙",
    }

    recorded = await client.post(path, json=result, headers=tokens.bureau())
    retried = await client.post(path, json=result, headers=tokens.bureau())
    changed = await client.post(path, json={**result, "hazards_found": 2}, headers=tokens.bureau())
    stranger = await client.post(
        path, json={**result, "use_unit_id": not_drawn}, headers=tokens.bureau()
    )
    by_unit = await client.post(path, json=result, headers=tokens.headers(CallerKind.use_unit))
    read = await client.get(f"/api/v1/spot-checks/draws/{made['id']}", headers=tokens.bureau())

    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["result"]["hazards_found"] == 1
    assert retried.status_code == 200
    assert changed.status_code == 409
    assert changed.json()["code"] == "result_already_recorded"
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["code"] == "unit_not_drawn"
    assert by_unit.status_code == 403
    assert read.json()["units"][0]["result"]["findings"] == "电梯安全管理制度未上墙"
    async with app.state.database.connection() as conn:
        rows = await conn.fetch("SELECT event FROM outbox WHERE key = $1 ORDER BY id", made["id"])
    events = [CloudEvent.model_validate(row["event"]) for row in rows]
    assert [e.type for e in events] == [
        "tzsb.inspection.spot_check.drawn.v1",
        "tzsb.inspection.spot_check.result.v1",
    ]
    assert events[0].data["seed"] == SEED
    assert events[1].data["use_unit_id"] == drawn_unit


async def test_an_unknown_draw_is_not_found_and_a_duplicate_inspector_conflicts(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    missing = await client.get(f"/api/v1/spot-checks/draws/{uuid.uuid4()}", headers=tokens.bureau())
    body = {"name": "检查员", "certificate_number": "TS-SAME"}
    await client.post("/api/v1/spot-checks/inspectors", json=body, headers=tokens.bureau())
    again = await client.post("/api/v1/spot-checks/inspectors", json=body, headers=tokens.bureau())
    bad_seed = await client.post(
        "/api/v1/spot-checks/draws",
        json={"unit_count": 1, "inspector_count": 1, "seed": -1},
        headers=tokens.bureau(),
    )

    assert missing.status_code == 404
    assert again.status_code == 409
    assert bad_seed.status_code == 422


async def test_a_result_opens_each_hazard_it_lists_once_against_the_unit_or_its_equipment(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    units: list[str],
    inspectors: list[str],
) -> None:
    made = (await make_draw(client, tokens, seed=SEED)).json()
    drawn_unit = made["units"][0]["use_unit_id"]
    other_unit = made["units"][1]["use_unit_id"]
    async with app.state.database.connection() as conn:
        codes = await conn.fetch("SELECT equipment_code, use_unit_id FROM equipment")
    own = next(r["equipment_code"] for r in codes if str(r["use_unit_id"]) == drawn_unit)
    foreign = next(r["equipment_code"] for r in codes if str(r["use_unit_id"]) == other_unit)
    unregistered = "31102026" + uuid.uuid4().int.__str__()[:10]
    path = f"/api/v1/spot-checks/draws/{made['id']}/results"
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    hazards = [
        {"equipment_code": own, "severity": "major", "description": "制动器闸瓦磨损超标"},
        {"equipment_code": unregistered, "severity": "major", "description": "电梯未办理使用登记"},
        {"severity": "general", "description": "安全管理人员未持证", "deadline": str(today)},
    ]
    result = {
        "use_unit_id": drawn_unit,
        "conclusion": "hazards_found",
        "checked_on": today.isoformat(),
        "equipment_checked": 3,
        "hazards_found": 3,
        "findings": "发现三处问题",
        "hazards": hazards,
    }

    miscounted = await client.post(
        path, json={**result, "hazards_found": 2}, headers=tokens.bureau()
    )
    someone_elses = await client.post(
        path,
        json={**result, "hazards": [{**hazards[0], "equipment_code": foreign}, *hazards[1:]]},
        headers=tokens.bureau(),
    )
    recorded = await client.post(path, json=result, headers=tokens.bureau())
    retried = await client.post(path, json=result, headers=tokens.bureau())

    assert miscounted.status_code == 422
    assert miscounted.json()["errors"][0]["code"] == "hazard_count_mismatch"
    assert someone_elses.status_code == 422
    assert someone_elses.json()["errors"][0] == {
        **someone_elses.json()["errors"][0],
        "field": "hazards.0.equipment_code",
        "code": "equipment_not_of_unit",
    }
    assert recorded.status_code == 201, recorded.text
    hazard_ids = recorded.json()["result"]["hazard_ids"]
    assert len(hazard_ids) == 3
    assert retried.status_code == 200
    assert retried.json()["result"]["hazard_ids"] == hazard_ids
    opened = [
        (await client.get(f"/api/v1/hazards/{h}", headers=tokens.bureau())).json()
        for h in hazard_ids
    ]
    assert [h["source"] for h in opened] == ["spot_check"] * 3
    assert [h["spot_check_draw_id"] for h in opened] == [made["id"]] * 3
    assert [(h["equipment_code"], h["use_unit_id"], h["unit_id"]) for h in opened] == [
        (own, drawn_unit, None),
        (unregistered, drawn_unit, None),
        (None, drawn_unit, None),
    ]
    unit_reads = await client.get(
        "/api/v1/hazards",
        params={"source": "spot_check"},
        headers=tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(drawn_unit)),
    )
    assert {h["id"] for h in unit_reads.json()["items"]} >= set(hazard_ids)
    assert opened[2]["deadline"] == today.isoformat()
    async with app.state.database.connection() as conn:
        found = await conn.fetch(
            "SELECT key FROM outbox WHERE event->>'type' = 'tzsb.hazard.found.v1' "
            "AND key = ANY($1::text[])",
            hazard_ids,
        )
    assert sorted(r["key"] for r in found) == sorted(hazard_ids)


async def test_hazards_only_counted_open_one_hazard_of_the_unit_with_the_findings(
    client: httpx.AsyncClient, tokens: TokenFactory, units: list[str], inspectors: list[str]
) -> None:
    made = (await make_draw(client, tokens, seed=SEED)).json()
    drawn_unit = made["units"][0]["use_unit_id"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    path = f"/api/v1/spot-checks/draws/{made['id']}/results"
    base = {
        "use_unit_id": drawn_unit,
        "checked_on": today,
        "equipment_checked": 2,
        "findings": "应急预案未演练",
    }

    compliant_with_list = await client.post(
        path,
        json={
            **base,
            "conclusion": "compliant",
            "hazards_found": 0,
            "hazards": [{"severity": "general", "description": "x"}],
        },
        headers=tokens.bureau(),
    )
    counted = await client.post(
        path, json={**base, "conclusion": "hazards_found", "hazards_found": 2},
        headers=tokens.bureau(),
    )  # fmt: skip

    assert compliant_with_list.status_code == 422
    assert compliant_with_list.json()["errors"][0]["code"] == "hazards_without_findings"
    assert counted.status_code == 201, counted.text
    [hazard_id] = counted.json()["result"]["hazard_ids"]
    hazard = (await client.get(f"/api/v1/hazards/{hazard_id}", headers=tokens.bureau())).json()
    assert (hazard["use_unit_id"], hazard["severity"]) == (drawn_unit, "general")
    assert "应急预案未演练" in hazard["description"]
