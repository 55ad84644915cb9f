"""Maintenance contracts (维保合同) through HTTP: one company per elevator at a time."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

import licensing_factories as make
from tzsb_common.testing import TokenFactory


@dataclass
class Register:
    company: str
    other_company: str
    use_unit: str
    elevators: list[str]
    crane: str


@pytest.fixture
async def register(client: httpx.AsyncClient, tokens: TokenFactory) -> Register:
    use_unit = await make.organisation(client, tokens, "use_unit")
    return Register(
        company=await make.organisation(client, tokens, "maintenance_company"),
        other_company=await make.organisation(client, tokens, "maintenance_company"),
        use_unit=use_unit,
        elevators=[await make.elevator(client, tokens, use_unit) for _ in range(3)],
        crane=await make.elevator(
            client,
            tokens,
            use_unit,
            equipment_code=make.equipment_code("4110"),
            category="4000",
            variety="4110",
            attributes={"rated_lifting_capacity_t": 10},
        ),
    )


async def _create(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, object]
) -> dict[str, object]:
    answer = await client.post("/api/v1/contracts", json=body, headers=tokens.bureau())
    assert answer.status_code == 201, answer.text
    record: dict[str, object] = answer.json()
    return record


async def _holder_on(
    client: httpx.AsyncClient, tokens: TokenFactory, code: str, day: str
) -> list[str]:
    answer = await client.get(
        "/api/v1/contracts", params={"equipment_code": code, "on": day}, headers=tokens.bureau()
    )
    assert answer.status_code == 200, answer.text
    return [item["maintenance_company_id"] for item in answer.json()["items"]]


async def test_a_contract_reads_back_and_answers_who_maintains_an_elevator_on_a_day(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    codes = register.elevators[:2]
    created = await client.post(
        "/api/v1/contracts",
        json=make.contract(register.company, codes, maintenance_interval_days=30),
        headers=tokens.bureau(),
    )
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"v1"'
    record = created.json()
    assert record["equipment_codes"] == sorted(codes)
    assert record["maintenance_interval_days"] == 30
    assert record["in_force_until"] == "2026-12-31"
    read = await client.get(f"/api/v1/contracts/{record['id']}", headers=tokens.bureau())
    assert read.json() == record

    assert await _holder_on(client, tokens, codes[0], "2026-06-01") == [register.company]
    assert await _holder_on(client, tokens, codes[0], "2027-01-01") == []
    assert await _holder_on(client, tokens, register.elevators[2], "2026-06-01") == []


async def test_the_regular_interval_is_null_and_on_demand_intervals_are_bounded(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    regular = await _create(client, tokens, make.contract(register.company, register.elevators[:1]))
    assert regular["maintenance_interval_days"] is None
    for days in (14, 91, "30"):
        answer = await client.post(
            "/api/v1/contracts",
            json=make.contract(
                register.company, register.elevators[1:2], maintenance_interval_days=days
            ),
            headers=tokens.bureau(),
        )
        assert answer.status_code == 422, days
        assert answer.json()["errors"][0]["location"] == ["body", "maintenance_interval_days"]


async def test_an_overlapping_contract_for_the_same_elevator_is_refused_naming_it(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    a, b, c = register.elevators
    await _create(client, tokens, make.contract(register.company, [b]))
    answer = await client.post(
        "/api/v1/contracts",
        json=make.contract(
            register.other_company, [a, b, c], valid_from="2026-12-31", valid_to="2027-12-31"
        ),
        headers=tokens.bureau(),
    )
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [(e["location"], e["code"]) for e in errors] == [
        (["body", "equipment_codes", 1], "contract_overlaps")
    ]
    # Nothing of the refused contract was kept: a and c are still free.
    assert await _holder_on(client, tokens, a, "2027-06-01") == []
    follow_on = await client.post(
        "/api/v1/contracts",
        json=make.contract(
            register.other_company, [a, b, c], valid_from="2027-01-01", valid_to="2027-12-31"
        ),
        headers=tokens.bureau(),
    )
    assert follow_on.status_code == 201, follow_on.text


async def test_terminating_early_hands_the_elevator_over_from_the_next_day(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    code = register.elevators[0]
    first = await _create(client, tokens, make.contract(register.company, [code]))
    ended = await client.post(
        f"/api/v1/contracts/{first['id']}/terminate",
        json={"terminated_on": "2026-06-30", "reason": "使用单位更换维保单位"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert ended.status_code == 200, ended.text
    assert ended.headers["ETag"] == '"v2"'
    assert ended.json()["status"] == "terminated"
    assert ended.json()["in_force_until"] == "2026-06-30"

    too_early = await client.post(
        "/api/v1/contracts",
        json=make.contract(register.other_company, [code], valid_from="2026-06-30"),
        headers=tokens.bureau(),
    )
    assert too_early.status_code == 422
    await _create(
        client, tokens, make.contract(register.other_company, [code], valid_from="2026-07-01")
    )
    assert await _holder_on(client, tokens, code, "2026-06-30") == [register.company]
    assert await _holder_on(client, tokens, code, "2026-07-01") == [register.other_company]

    again = await client.post(
        f"/api/v1/contracts/{first['id']}/terminate",
        json={"terminated_on": "2026-05-31", "reason": "again"},
        headers=tokens.bureau(),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_terminated"


async def test_a_termination_outside_the_term_or_on_a_stale_version_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    contract = await _create(client, tokens, make.contract(register.company, register.elevators))
    outside = await client.post(
        f"/api/v1/contracts/{contract['id']}/terminate",
        json={"terminated_on": "2027-03-01", "reason": "x"},
        headers=tokens.bureau(),
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["location"] == ["body", "terminated_on"]
    assert outside.json()["errors"][0]["code"] == "termination_date_out_of_range"
    stale = await client.post(
        f"/api/v1/contracts/{contract['id']}/terminate",
        json={"terminated_on": "2026-03-01", "reason": "x"},
        headers={**tokens.bureau(), "If-Match": '"v7"'},
    )
    assert stale.status_code == 412
    missing = await client.post(
        "/api/v1/contracts/00000000-0000-4000-8000-000000000000/terminate",
        json={"terminated_on": "2026-03-01", "reason": "x"},
        headers=tokens.bureau(),
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("case", "location", "code"),
    [
        ("crane", ["body", "equipment_codes", 0], "not_an_elevator"),
        ("unknown", ["body", "equipment_codes", 0], "unknown_equipment"),
        ("twice", ["body", "equipment_codes", 1], "duplicate_equipment_code"),
        ("malformed", ["body", "equipment_codes", 0], "string_pattern_mismatch"),
        ("none", ["body", "equipment_codes"], "too_short"),
        ("station", ["body", "maintenance_company_id"], "not_a_maintenance_company"),
        ("reversed", ["body", "valid_to"], "dates_inconsistent"),
    ],
)
async def test_a_bad_contract_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    register: Register,
    case: str,
    location: list[object],
    code: str,
) -> None:
    elevator = register.elevators[0]
    body = {
        "crane": make.contract(register.company, [register.crane]),
        "unknown": make.contract(register.company, ["311099999999999999"]),
        "twice": make.contract(register.company, [elevator, elevator]),
        "malformed": make.contract(register.company, ["3110"]),
        "none": make.contract(register.company, []),
        "station": make.contract(
            await make.organisation(client, tokens, "filling_station"), [elevator]
        ),
        "reversed": make.contract(register.company, [elevator], valid_to="2025-01-01"),
    }[case]
    answer = await client.post("/api/v1/contracts", json=body, headers=tokens.bureau())
    assert answer.status_code == 422, answer.text
    assert (location, code) in [(e["location"], e["code"]) for e in answer.json()["errors"]]


async def test_the_list_filters_by_company(
    client: httpx.AsyncClient, tokens: TokenFactory, register: Register
) -> None:
    mine = await _create(client, tokens, make.contract(register.company, register.elevators[:1]))
    await _create(client, tokens, make.contract(register.other_company, register.elevators[1:]))
    answer = await client.get(
        "/api/v1/contracts",
        params={"maintenance_company_id": register.company},
        headers=tokens.bureau(),
    )
    assert [item["id"] for item in answer.json()["items"]] == [mine["id"]]
    bad_code = await client.get(
        "/api/v1/contracts", params={"equipment_code": "31"}, headers=tokens.bureau()
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["location"] == ["query", "equipment_code"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/contracts", "on"),
        ("/api/v1/licences", "valid_on"),
        ("/api/v1/certificates", "valid_on"),
    ],
)
@pytest.mark.parametrize("day", ["0", "1700000000", "2026-6-1", "2026-02-30", "2026-06-01T00:00"])
async def test_a_day_in_a_query_is_written_yyyy_mm_dd_or_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, path: str, parameter: str, day: str
) -> None:
    answer = await client.get(path, params={parameter: day}, headers=tokens.bureau())
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["location"] == ["query", parameter]
