"""GET /api/v1/cylinders/{code}/trace: a cylinder's registration, inspections, fills at two
stations, refusals and scrapping read in time order; a station reads only its own cylinders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from cylinder_factories import FILL_DAY, a_station, at, cylinder, fill, register, years_from
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def entry(item: dict[str, Any]) -> tuple[str, str | None]:
    label = item.get("fill_id") or item.get("result") or item.get("reason")
    return item["kind"], label


async def test_a_cylinders_trace_across_two_stations_and_its_inspections_reads_in_order(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    owner = await a_station(app, tokens)
    other = await a_station(app, tokens)
    oxygen = cylinder(owner.id, medium="O2", permitted_fill_kg=None, design_life_years=15,
                      next_inspection_on=years_from(FILL_DAY, 2).isoformat())  # fmt: skip
    await register(client, owner.headers, oxygen)
    code = oxygen["cylinder_code"]
    agency = tokens.headers(CallerKind.inspection_agency, organisation_id=uuid.uuid4())
    days = {n: FILL_DAY + timedelta(days=n) for n in (-2, -1, 0, 2)}

    def oxygen_fill(station_filler: str, fill_id: str, day: int, time: str, **values: Any) -> Any:
        values = {"final_pressure_mpa": 15.0, **values}
        return fill(code, station_filler, fill_id=fill_id, medium="O2", filled_mass_kg=None,
                    started_at=at(days[day], time),
                    ended_at=at(days[day], time.replace(":00", ":20")), **values)  # fmt: skip

    failed_valve = {**fill(code, owner.filler)["prefill_checks"], "valve": False}
    await client.post("/api/v1/fills", headers=owner.headers, json={"fills": [
        oxygen_fill(owner.filler, "A-2", -2, "10:00", prefill_checks=failed_valve,
                    final_pressure_mpa=0.0),
        oxygen_fill(owner.filler, "A-1", -2, "09:00"),
    ]})  # fmt: skip
    passed = await client.post("/api/v1/cylinder-inspections", headers=agency, json={
        "cylinder_code": code, "report_number": "QP-1", "result": "pass",
        "inspected_on": days[-1].isoformat()})  # fmt: skip
    await client.post("/api/v1/fills", headers=other.headers,
                      json=oxygen_fill(other.filler, "B-1", 0, "09:00"))  # fmt: skip
    failed = await client.post("/api/v1/cylinder-inspections", headers=agency, json={
        "cylinder_code": code, "report_number": "QP-2", "result": "fail",
        "inspected_on": days[2].isoformat()})  # fmt: skip
    await client.post("/api/v1/fills", headers=other.headers,
                      json=oxygen_fill(other.filler, "B-2", 2, "11:00"))  # fmt: skip

    bureau = await client.get(f"/api/v1/cylinders/{code}/trace", headers=tokens.bureau())
    own = await client.get(f"/api/v1/cylinders/{code}/trace", headers=owner.headers)
    filler_only = await client.get(f"/api/v1/cylinders/{code}/trace", headers=other.headers)
    unknown = await client.get("/api/v1/cylinders/GS-NONE/trace", headers=tokens.bureau())

    assert (passed.status_code, failed.status_code) == (201, 201)
    assert bureau.status_code == 200, bureau.text
    trace = bureau.json()
    assert (trace["cylinder_code"], trace["status"]) == (code, "scrapped")
    assert [entry(e) for e in trace["entries"]] == [
        ("registration", None),
        ("fill", "A-1"),
        ("refusal", "A-2"),
        ("inspection", "pass"),
        ("fill", "B-1"),
        ("inspection", "fail"),
        ("scrapping", "inspection_failed"),
        ("refusal", "B-2"),
    ]
    entries = trace["entries"]
    assert entries[0]["owner_id"] == str(owner.id)
    assert (entries[1]["station_id"], entries[1]["filler_certificate"]) == (
        str(owner.id), owner.filler
    )  # fmt: skip
    assert entries[1]["final_pressure_mpa"] == 15.0
    assert entries[2]["reasons"] == ["prefill_check_failed"]
    assert entries[4]["station_id"] == str(other.id)
    assert entries[4]["medium"] == "O2"
    assert entries[6]["inspection_id"] == failed.json()["inspection_id"]
    assert entries[7]["reasons"] == ["cylinder_scrapped"]
    assert own.status_code == 200
    assert [entry(e) for e in own.json()["entries"]] == [
        ("registration", None),
        ("fill", "A-1"),
        ("refusal", "A-2"),
        ("inspection", "pass"),
        ("inspection", "fail"),
        ("scrapping", "inspection_failed"),
    ]  # the other station's fills are its own business
    assert filler_only.status_code == 404
    assert unknown.status_code == 404


async def test_a_cylinder_registered_as_scrapped_shows_its_scrapping(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    owner = await a_station(app, tokens)
    scrapped = cylinder(owner.id, status="scrapped")
    await register(client, owner.headers, scrapped)

    answer = await client.get(
        f"/api/v1/cylinders/{scrapped['cylinder_code']}/trace", headers=owner.headers
    )

    assert [entry(e) for e in answer.json()["entries"]] == [
        ("registration", None),
        ("scrapping", "registered_scrapped"),
    ]
