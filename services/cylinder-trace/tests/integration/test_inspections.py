"""POST /api/v1/cylinder-inspections: an agency records a cylinder's periodic inspection; the
cylinder's next date, life and status follow, with an event; a failed one scraps it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cylinder_factories import FILL_DAY, a_station, cylinder, fill, register, years_from
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def agency_headers(tokens: TokenFactory, agency_id: uuid.UUID) -> dict[str, str]:
    return tokens.headers(CallerKind.inspection_agency, organisation_id=agency_id)


def inspection(cylinder_code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cylinder_code": cylinder_code,
        "report_number": f"QPJ-{uuid.uuid4().hex[:8]}",
        "inspected_on": FILL_DAY.isoformat(),
        "result": "pass",
    }
    body.update(overrides)
    return body


async def inspection_events(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT key, event FROM outbox WHERE topic = $1 ORDER BY id",
            app.state.settings.topic("tzsb.cylinder.inspection"),
        )
    return [dict(row) for row in rows]


async def test_a_passing_inspection_sets_the_next_date_from_the_medium_and_a_retry_is_one(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    hydrogen = cylinder(lanzhou.id, medium="H2", permitted_fill_kg=None, design_life_years=15)
    await register(client, lanzhou.headers, hydrogen)
    code = hydrogen["cylinder_code"]
    agency = agency_headers(tokens, uuid.uuid4())
    body = inspection(code, remarks="外观、水压试验合格")

    first = await client.post("/api/v1/cylinder-inspections", json=body, headers=agency)
    retry = await client.post("/api/v1/cylinder-inspections", json=body, headers=agency)
    read = await client.get(f"/api/v1/cylinders/{code}", headers=lanzhou.headers)

    assert first.status_code == 201, first.text
    recorded = first.json()
    assert recorded["next_inspection_on"] == years_from(FILL_DAY, 3).isoformat()  # H2: 3 years
    assert (recorded["cylinder_status"], recorded["scrap_reason"]) == ("in_use", None)
    assert recorded["life_extended"] is False
    assert retry.status_code == 200
    assert retry.json() == recorded
    assert read.json()["last_inspected_on"] == FILL_DAY.isoformat()
    assert read.json()["next_inspection_on"] == recorded["next_inspection_on"]
    events = await inspection_events(app)
    assert len(events) == 1  # the retry wrote none
    assert events[0]["key"] == code
    assert events[0]["event"]["type"] == "tzsb.cylinder.inspection.recorded.v1"
    assert events[0]["event"]["data"]["inspection"]["report_number"] == body["report_number"]


async def test_a_cng_vehicle_cylinder_is_next_due_in_three_years_unless_a_date_is_given(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    cng = cylinder(lanzhou.id, medium="CNG", permitted_fill_kg=None, design_life_years=15)
    other = cylinder(lanzhou.id, medium="CNG", permitted_fill_kg=None, design_life_years=15)
    await register(client, lanzhou.headers, cng, other)
    agency = agency_headers(tokens, uuid.uuid4())
    given = years_from(FILL_DAY, 1).isoformat()

    computed = await client.post(
        "/api/v1/cylinder-inspections", json=inspection(cng["cylinder_code"]), headers=agency
    )
    chosen = await client.post(
        "/api/v1/cylinder-inspections",
        json=inspection(other["cylinder_code"], next_inspection_on=given),
        headers=agency,
    )

    assert computed.json()["next_inspection_on"] == years_from(FILL_DAY, 3).isoformat()
    assert chosen.json()["next_inspection_on"] == given


async def test_a_failed_inspection_scraps_the_cylinder_and_its_next_fill_is_refused(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    lpg = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, lpg)
    code = lpg["cylinder_code"]
    agency = agency_headers(tokens, uuid.uuid4())
    day_before = (FILL_DAY - timedelta(days=1)).isoformat()

    failed = await client.post(
        "/api/v1/cylinder-inspections",
        json=inspection(code, result="fail", inspected_on=day_before),
        headers=agency,
    )
    again = await client.post("/api/v1/cylinder-inspections", json=inspection(code), headers=agency)
    filled = await client.post(
        "/api/v1/fills", json=fill(code, lanzhou.filler, filled_mass_kg=0.0),
        headers=lanzhou.headers,
    )  # fmt: skip
    read = await client.get(f"/api/v1/cylinders/{code}", headers=lanzhou.headers)

    assert failed.status_code == 201, failed.text
    assert (failed.json()["cylinder_status"], failed.json()["scrap_reason"]) == (
        "scrapped", "inspection_failed"
    )  # fmt: skip
    assert failed.json()["next_inspection_on"] is None
    assert read.json()["status"] == "scrapped"
    assert again.status_code == 422
    assert [(e["field"], e["code"]) for e in again.json()["errors"]] == [
        ("cylinder_code", "cylinder_scrapped")
    ]
    assert filled.json()["results"][0]["reasons"] == ["cylinder_scrapped"]
    events = await inspection_events(app)
    assert events[0]["event"]["data"]["inspection"]["cylinder_status"] == "scrapped"


async def test_an_lpg_cylinder_at_the_end_of_its_design_life_is_extended_once_by_four_years(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    made = years_from(FILL_DAY, -8) + timedelta(days=30)  # eight years old next month
    lpg = cylinder(lanzhou.id, manufactured_on=made.isoformat(),
                   last_inspected_on=years_from(made, 4).isoformat(),
                   next_inspection_on=years_from(made, 8).isoformat())  # fmt: skip
    await register(client, lanzhou.headers, lpg)
    code = lpg["cylinder_code"]

    answer = await client.post(
        "/api/v1/cylinder-inspections", json=inspection(code),
        headers=agency_headers(tokens, uuid.uuid4()),
    )  # fmt: skip
    async with app.state.database.connection() as conn:
        row = await conn.fetchrow(
            "SELECT life_extension_years, next_inspection_on FROM cylinders "
            "WHERE cylinder_code = $1",
            code,
        )

    assert answer.status_code == 201, answer.text
    assert answer.json()["life_extended"] is True
    assert answer.json()["service_life_ends_on"] == years_from(made, 12).isoformat()
    assert row["life_extension_years"] == 4
    assert row["next_inspection_on"] == years_from(FILL_DAY, 4)


async def test_inspections_that_cannot_be_recorded_are_422_and_only_agencies_record(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    lpg = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, lpg)
    agency = agency_headers(tokens, uuid.uuid4())
    recorded = inspection(lpg["cylinder_code"])
    await client.post("/api/v1/cylinder-inspections", json=recorded, headers=agency)

    unknown = await client.post(
        "/api/v1/cylinder-inspections", json=inspection("GS-NONE"), headers=agency
    )
    future = await client.post(
        "/api/v1/cylinder-inspections",
        json=inspection(lpg["cylinder_code"], inspected_on=years_from(FILL_DAY, 1).isoformat()),
        headers=agency,
    )
    taken = await client.post(
        "/api/v1/cylinder-inspections",
        json=inspection("GS-OTHER", report_number=recorded["report_number"]),
        headers=agency,
    )
    bad_result = await client.post(
        "/api/v1/cylinder-inspections",
        json=inspection(lpg["cylinder_code"], result="ok"),
        headers=agency,
    )
    by_station = await client.post(
        "/api/v1/cylinder-inspections", json=inspection(lpg["cylinder_code"]),
        headers=lanzhou.headers,
    )  # fmt: skip

    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [
        ("cylinder_code", "unknown_cylinder")
    ]
    assert [(e["field"], e["code"]) for e in future.json()["errors"]] == [
        ("inspected_on", "date_in_future")
    ]
    assert [(e["field"], e["code"]) for e in taken.json()["errors"]] == [
        ("report_number", "report_number_taken")
    ]
    assert bad_result.status_code == 422
    assert [e["field"] for e in bad_result.json()["errors"]] == ["result"]
    assert by_station.status_code == 403


async def test_a_report_posted_twice_at_once_is_recorded_once(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    lanzhou = await a_station(app, tokens)
    lpg = cylinder(lanzhou.id)
    await register(client, lanzhou.headers, lpg)
    agency = agency_headers(tokens, uuid.uuid4())
    body = inspection(lpg["cylinder_code"], result="fail")

    answers = await asyncio.gather(
        client.post("/api/v1/cylinder-inspections", json=body, headers=agency),
        client.post("/api/v1/cylinder-inspections", json=body, headers=agency),
    )

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json() == answers[1].json()
    assert len(await inspection_events(app)) == 1
