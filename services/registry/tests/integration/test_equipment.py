from __future__ import annotations

import uuid

import httpx
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def use_unit(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_registered_elevator_reads_back_with_every_field(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 201, response.text

    fetched = await client.get(
        f"/api/v1/equipment/{body['equipment_code']}", headers=tokens.bureau()
    )
    assert fetched.status_code == 200
    record = fetched.json()
    for field in (
        "equipment_code", "category", "variety", "registration_number", "use_unit_id", "region",
        "park", "manufacturer", "factory_number", "manufactured_on", "commissioned_on",
        "address", "lat", "lon", "attributes", "rescue_code", "rescue_sign_posted",
    ):  # fmt: skip
        assert record[field] == body[field], field
    assert record["status"] == "in_use"
    assert record["version"] == 1


async def test_unregistered_equipment_has_null_registration_number(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    del body["registration_number"]
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 201
    assert response.json()["registration_number"] is None


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"category": "3500"}, ["body", "category"]),
        ({"variety": "4110"}, ["body", "variety"]),
        ({"lat": "north"}, ["body", "lat"]),
        ({"equipment_code": "31101234"}, ["body", "equipment_code"]),
        ({"status": "broken"}, ["body", "status"]),
        ({"regstration_number": "typo"}, ["body", "regstration_number"]),
        ({"attributes": {"rated_load_kg": "heavy"}}, ["body", "attributes", "rated_load_kg"]),
        ({"attributes": {"rated_lod_kg": 1000}}, ["body", "attributes", "rated_lod_kg"]),
        ({"use_unit_id": str(uuid.uuid4())}, ["body", "use_unit_id"]),
    ],
)
async def test_bad_equipment_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    use_unit: str,
    overrides: dict[str, object],
    location: list[str],
) -> None:
    body = {**make.elevator(use_unit), **overrides}
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert location in [e["location"] for e in response.json()["errors"]]


async def test_malformed_json_is_a_422_problem_not_a_500(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.post(
        "/api/v1/equipment",
        content=b'{"equipment_code": "3110',
        headers={**tokens.bureau(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["location"][0] == "body"
    assert problem["errors"][0]["code"] == "json_invalid"


async def test_same_equipment_code_twice_is_a_conflict(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    assert (
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    ).status_code == 201
    again = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert again.status_code == 409


async def test_patch_changes_only_what_is_sent_and_bumps_the_version(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    code = body["equipment_code"]
    await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())

    response = await client.patch(
        f"/api/v1/equipment/{code}",
        json={"park": "秦川园区", "rescue_code": None},
        headers=tokens.bureau(),
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["park"] == "秦川园区"
    assert record["rescue_code"] is None
    assert record["manufacturer"] == body["manufacturer"]
    assert record["version"] == 2

    unchanged = await client.patch(
        f"/api/v1/equipment/{code}", json={"park": "秦川园区"}, headers=tokens.bureau()
    )
    assert unchanged.json()["version"] == 2


async def test_patch_refuses_null_for_required_fields_and_unknown_codes(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    nulled = await client.patch(
        f"/api/v1/equipment/{body['equipment_code']}",
        json={"variety": None},
        headers=tokens.bureau(),
    )
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["location"] == ["body", "variety"]
    missing = await client.patch(
        f"/api/v1/equipment/{make.equipment_code()}", json={"park": None}, headers=tokens.bureau()
    )
    assert missing.status_code == 404


async def test_list_filters_and_pages(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    codes = []
    for i in range(5):
        body = make.elevator(use_unit, park="秦川园区" if i % 2 else "中川园区")
        codes.append(body["equipment_code"])
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    crane = make.elevator(
        use_unit, equipment_code="4110" + "0" * 14, category="4000", variety="4110",
        attributes={"rated_lifting_capacity_t": 10},
    )  # fmt: skip
    assert (
        await client.post("/api/v1/equipment", json=crane, headers=tokens.bureau())
    ).status_code == 201

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"category": "3000", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/api/v1/equipment", params=params, headers=tokens.bureau())
        ).json()
        seen += [e["equipment_code"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(codes)

    in_qinchuan = (
        await client.get("/api/v1/equipment", params={"park": "秦川园区"}, headers=tokens.bureau())
    ).json()["items"]
    assert {e["park"] for e in in_qinchuan} == {"秦川园区"}
    assert len(in_qinchuan) == 2


async def test_garbage_cursor_is_a_422_problem(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.get(
        "/api/v1/equipment", params={"cursor": "not-a-cursor!"}, headers=tokens.bureau()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["query", "cursor"]


async def test_use_unit_sees_only_its_own_equipment(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    other_unit = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()["id"]
    mine = make.elevator(use_unit)
    theirs = make.elevator(other_unit)
    for body in (mine, theirs):
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    me = tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(use_unit))

    listed = (await client.get("/api/v1/equipment", headers=me)).json()["items"]
    assert [e["equipment_code"] for e in listed] == [mine["equipment_code"]]
    assert (
        await client.get(f"/api/v1/equipment/{theirs['equipment_code']}", headers=me)
    ).status_code == 404
    assert (
        await client.get("/api/v1/equipment", params={"use_unit_id": other_unit}, headers=me)
    ).status_code == 403


async def test_writes_need_the_bureau_or_a_government_system_with_write_scope(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    for headers in (
        tokens.headers(CallerKind.maintenance_company),
        tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(use_unit)),
        tokens.headers(CallerKind.government_system),
    ):
        response = await client.post(
            "/api/v1/equipment", json=make.elevator(use_unit), headers=headers
        )
        assert response.status_code == 403
    pushed = await client.post(
        "/api/v1/equipment",
        json=make.elevator(use_unit),
        headers=tokens.headers(CallerKind.government_system, scopes=("registry:write",)),
    )
    assert pushed.status_code == 201


async def test_maintenance_company_cannot_list_equipment_without_contracts(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.get(
        "/api/v1/equipment", headers=tokens.headers(CallerKind.maintenance_company)
    )
    assert response.status_code == 403


async def test_values_postgresql_cannot_store_are_422_not_500(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    infinite = (
        b'{"equipment_code": "311000000000000777", "category": "3000", "variety": "3110", '
        b'"use_unit_id": "' + use_unit.encode() + b'", "region": {"province": "a", '
        b'"city": "b", "district": "c"}, "attributes": {"rated_load_kg": Infinity}}'
    )
    response = await client.post(
        "/api/v1/equipment",
        content=infinite,
        headers={**tokens.bureau(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert ["body", "attributes", "rated_load_kg"] in [
        e["location"] for e in response.json()["errors"]
    ]

    nul = await client.post(
        "/api/v1/equipment",
        json=make.elevator(use_unit, manufacturer="bad\u0000name"),
        headers=tokens.bureau(),
    )
    assert nul.status_code == 422
    assert nul.json()["type"] == "urn:tzsb:problem:unstorable-value"
    listed = await client.get(
        "/api/v1/equipment", params={"park": "a\u0000"}, headers=tokens.bureau()
    )
    assert listed.status_code == 422


async def test_scrapped_equipment_cannot_be_put_back_in_use(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit)
    code = body["equipment_code"]
    await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    scrapped = await client.post(
        f"/api/v1/equipment/{code}/status",
        json={"status": "scrapped", "reason": "超过设计使用年限", "effective_on": "2026-03-01"},
        headers=tokens.bureau(),
    )
    assert scrapped.status_code == 200
    revived = await client.post(
        f"/api/v1/equipment/{code}/status",
        json={"status": "in_use", "reason": "重新启用", "effective_on": "2026-03-02"},
        headers=tokens.bureau(),
    )
    assert revived.status_code == 422
    assert revived.json()["errors"][0]["code"] == "status_change_not_allowed"


async def test_commissioning_before_manufacture_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(use_unit, manufactured_on="2026-06-01", commissioned_on="2026-01-15")
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "dates_inconsistent"
