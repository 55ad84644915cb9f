"""POST /api/v1/cylinders: a station registers its own cylinders, the bureau anyone's; one or
a batch, answered per cylinder; a station reads only its own."""

from __future__ import annotations

import uuid

import httpx

from cylinder_factories import cylinder
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def station_headers(tokens: TokenFactory, station_id: uuid.UUID) -> dict[str, str]:
    return tokens.headers(CallerKind.filling_station, organisation_id=station_id)


async def test_a_station_registers_its_own_cylinder_and_reads_it(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    station_id = uuid.uuid4()
    body = cylinder(station_id, next_inspection_on=None, last_inspected_on="2024-05-10")

    answer = await client.post(
        "/api/v1/cylinders", json=body, headers=station_headers(tokens, station_id)
    )
    read = await client.get(
        f"/api/v1/cylinders/{body['cylinder_code']}", headers=station_headers(tokens, station_id)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "results": [{"cylinder_code": body["cylinder_code"], "status": "registered",
                     "reasons": [], "errors": None}]
    }  # fmt: skip
    assert read.status_code == 200
    assert read.json()["next_inspection_on"] == "2028-05-10"  # LPG steel cylinders: 4 years
    assert read.json()["registered_by"] == str(station_id)


async def test_a_batch_is_answered_per_cylinder_and_a_retry_is_a_duplicate(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    station_id = uuid.uuid4()
    headers = station_headers(tokens, station_id)
    hydrogen = cylinder(station_id, medium="H2", permitted_fill_kg=None, nominal_pressure_mpa=35)
    cng = cylinder(station_id, medium="CNG", permitted_fill_kg=None, next_inspection_on=None,
                   last_inspected_on=None, manufactured_on="2025-06-30")  # fmt: skip
    unknown_medium = cylinder(station_id, medium="XE")
    someone_elses = cylinder(uuid.uuid4())
    no_permitted_fill = cylinder(station_id, permitted_fill_kg=None)
    malformed = {**cylinder(station_id), "water_volume_l": "35"}

    batch = [hydrogen, cng, unknown_medium, someone_elses, no_permitted_fill, malformed]
    first = await client.post("/api/v1/cylinders", json={"cylinders": batch}, headers=headers)
    again = await client.post(
        "/api/v1/cylinders", json={"cylinders": [hydrogen, cng]}, headers=headers
    )
    cng_read = await client.get(f"/api/v1/cylinders/{cng['cylinder_code']}", headers=headers)

    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [(r["cylinder_code"], r["status"], r["reasons"]) for r in results] == [
        (hydrogen["cylinder_code"], "registered", []),
        (cng["cylinder_code"], "registered", []),
        (unknown_medium["cylinder_code"], "refused", ["unknown_medium"]),
        (someone_elses["cylinder_code"], "refused", ["not_own_cylinder"]),
        (no_permitted_fill["cylinder_code"], "refused", ["permitted_fill_required"]),
        (malformed["cylinder_code"], "refused", ["invalid"]),
    ]
    assert [e["field"] for e in results[5]["errors"]] == ["cylinders.5.water_volume_l"]
    assert [e["field"] for e in results[3]["errors"]] == ["cylinders.3.owner_id"]
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert cng_read.json()["next_inspection_on"] == "2028-06-30"  # CNG vehicle cylinders: 3


async def test_a_code_registered_by_another_is_taken(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    station_id = uuid.uuid4()
    body = cylinder(station_id)
    await client.post("/api/v1/cylinders", json=body, headers=station_headers(tokens, station_id))

    by_bureau = await client.post("/api/v1/cylinders", json=body, headers=tokens.bureau())

    assert by_bureau.json()["results"][0]["status"] == "refused"
    assert by_bureau.json()["results"][0]["reasons"] == ["cylinder_code_taken"]


async def test_the_bureau_registers_any_owners_cylinder_and_reads_every_one(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    hospital = uuid.uuid4()
    body = cylinder(hospital, medium="O2", permitted_fill_kg=None)

    answer = await client.post("/api/v1/cylinders", json=body, headers=tokens.bureau())
    read = await client.get(f"/api/v1/cylinders/{body['cylinder_code']}", headers=tokens.bureau())

    assert answer.json()["results"][0]["status"] == "registered"
    assert read.json()["owner_id"] == str(hospital)
    assert read.json()["next_inspection_on"] == body["next_inspection_on"]


async def test_a_station_never_reads_another_stations_cylinder(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    body = cylinder(owner)
    await client.post("/api/v1/cylinders", json=body, headers=station_headers(tokens, owner))

    read = await client.get(
        f"/api/v1/cylinders/{body['cylinder_code']}", headers=station_headers(tokens, other)
    )
    use_unit = await client.get(
        f"/api/v1/cylinders/{body['cylinder_code']}",
        headers=tokens.headers(CallerKind.use_unit),
    )

    assert read.status_code == 404
    assert use_unit.status_code == 403


async def test_more_than_a_thousand_cylinders_is_413_and_other_callers_403(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    station_id = uuid.uuid4()
    too_many = [cylinder(station_id) for _ in range(1001)]

    large = await client.post(
        "/api/v1/cylinders",
        json={"cylinders": too_many},
        headers=station_headers(tokens, station_id),
    )
    agency = await client.post(
        "/api/v1/cylinders",
        json=cylinder(station_id),
        headers=tokens.headers(CallerKind.inspection_agency),
    )

    assert large.status_code == 413
    assert large.json()["max_items"] == 1000
    assert agency.status_code == 403
