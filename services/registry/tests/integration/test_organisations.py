from __future__ import annotations

import httpx

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def test_bureau_registers_a_use_unit(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    body = make.organisation()
    response = await client.post("/api/v1/organisations", json=body, headers=tokens.bureau())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["credit_code"] == body["credit_code"]
    assert created["region"]["park"] == "中川园区"

    fetched = await client.get(f"/api/v1/organisations/{created['id']}", headers=tokens.bureau())
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_invalid_credit_code_is_refused_naming_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    good = make.credit_code()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    response = await client.post(
        "/api/v1/organisations",
        json=make.organisation(credit_code=wrong_check),
        headers=tokens.bureau(),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:tzsb:problem:validation-error"
    assert [e["location"] for e in problem["errors"]] == [["body", "credit_code"]]
    assert problem["errors"][0]["code"] == "credit_code_invalid"
    assert problem["errors"][0]["message"].startswith("the check character")


async def test_same_credit_code_twice_is_a_conflict(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    body = make.organisation()
    first = await client.post("/api/v1/organisations", json=body, headers=tokens.bureau())
    second = await client.post("/api/v1/organisations", json=body, headers=tokens.bureau())
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["type"] == "urn:tzsb:problem:conflict"


async def test_maintenance_company_cannot_register_organisations(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.post(
        "/api/v1/organisations",
        json=make.organisation(),
        headers=tokens.headers(CallerKind.maintenance_company),
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:tzsb:problem:forbidden"


async def test_list_pages_through_every_organisation_of_a_kind(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    created = set()
    for _ in range(5):
        r = await client.post(
            "/api/v1/organisations",
            json=make.organisation(kind="maintenance_company"),
            headers=tokens.bureau(),
        )
        created.add(r.json()["id"])
    await client.post("/api/v1/organisations", json=make.organisation(), headers=tokens.bureau())

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"kind": "maintenance_company", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/api/v1/organisations", params=params, headers=tokens.bureau())
        ).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)


async def test_an_organisation_sees_itself_but_not_others(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    mine = (
        await client.post(
            "/api/v1/organisations",
            json=make.organisation(kind="filling_station"),
            headers=tokens.bureau(),
        )
    ).json()
    other = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()
    import uuid

    station = tokens.headers(CallerKind.filling_station, organisation_id=uuid.UUID(mine["id"]))
    assert (
        await client.get(f"/api/v1/organisations/{mine['id']}", headers=station)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/organisations/{other['id']}", headers=station)
    ).status_code == 404
    assert (await client.get("/api/v1/organisations", headers=station)).status_code == 403


async def test_openapi_documents_the_registry_with_its_chinese_labels(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert {"/api/v1/equipment", "/api/v1/organisations", "/api/v1/oauth/token"} <= set(
        document["paths"]
    )
    status = document["components"]["schemas"]["EquipmentRead"]["properties"]["status"]
    assert "在用" in status["description"]
    assert document["components"]["securitySchemes"]
    create = document["paths"]["/api/v1/organisations"]["post"]["responses"]
    assert set(create) >= {"201", "401", "403", "409", "422"}
    assert create["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"
    }
    assert (await client.get("/docs")).status_code == 200
