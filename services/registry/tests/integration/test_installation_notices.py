"""Installation notices (安装告知): filed by the installer (or the bureau), read by the bureau."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import registry_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def organisation(client: httpx.AsyncClient, tokens: TokenFactory, kind: str) -> str:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(kind=kind), headers=tokens.bureau()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
async def parties(client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, str]:
    return {
        "use_unit": await organisation(client, tokens, "use_unit"),
        "installer": await organisation(client, tokens, "installer"),
        "other_installer": await organisation(client, tokens, "installer"),
    }


def notice(use_unit: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "use_unit_id": use_unit,
        "category": "3000",
        "variety": "3110",
        "planned_start_on": "2026-12-01",
        "region": {
            "province": "甘肃省",
            "city": "兰州市",
            "district": "兰州新区",
            "park": "中川园区",
        },
        "address": "兰州新区中川园区纬一路 1 号 2 号楼",
        "manufacturer": "兰州电梯制造有限公司",
    }
    body.update(overrides)
    return body


def installer_headers(tokens: TokenFactory, installer: str) -> dict[str, str]:
    return tokens.headers(CallerKind.installer, organisation_id=uuid.UUID(installer))


async def test_an_installer_files_its_notice_and_the_bureau_reads_it(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    own = installer_headers(tokens, parties["installer"])
    filed = await client.post(
        "/api/v1/installation-notices", json=notice(parties["use_unit"]), headers=own
    )
    assert filed.status_code == 201, filed.text
    record = filed.json()
    assert record["installer_id"] == parties["installer"]
    assert record["filed_by"] == parties["installer"]
    assert record["region"]["park"] == "中川园区"

    by_bureau = await client.get(
        f"/api/v1/installation-notices/{record['id']}", headers=tokens.bureau()
    )
    assert by_bureau.status_code == 200
    assert by_bureau.json() == record
    assert (
        await client.get(f"/api/v1/installation-notices/{record['id']}", headers=own)
    ).status_code == 200


async def test_the_bureau_files_for_a_named_installer_and_must_name_one(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    unnamed = await client.post(
        "/api/v1/installation-notices", json=notice(parties["use_unit"]), headers=tokens.bureau()
    )
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["code"] == "installer_required"
    named = await client.post(
        "/api/v1/installation-notices",
        json=notice(parties["use_unit"], installer_id=parties["installer"]),
        headers=tokens.bureau(),
    )
    assert named.status_code == 201
    assert named.json()["installer_id"] == parties["installer"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"variety": "4110"}, "variety", "unknown_variety"),
        ({"use_unit_id": "installer"}, "use_unit_id", "unknown_use_unit"),
        ({"installer_id": "use_unit"}, "installer_id", "unknown_installer"),
        ({"planned_start_on": "2026-13-01"}, "planned_start_on", "date_parsing"),
        ({"equipment_code": "3110"}, "equipment_code", "string_pattern_mismatch"),
    ],
)
async def test_a_bad_notice_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    parties: dict[str, str],
    overrides: dict[str, str],
    field: str,
    code: str,
) -> None:
    resolved = {k: parties.get(v, v) for k, v in overrides.items()}
    body = notice(parties["use_unit"], **{"installer_id": parties["installer"], **resolved})
    response = await client.post("/api/v1/installation-notices", json=body, headers=tokens.bureau())
    assert response.status_code == 422, response.text
    assert (["body", field], code) in [
        (e["location"], e["code"]) for e in response.json()["errors"]
    ]


async def test_an_installer_cannot_file_for_another(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/installation-notices",
        json=notice(parties["use_unit"], installer_id=parties["other_installer"]),
        headers=installer_headers(tokens, parties["installer"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "not_own_notice"


@pytest.mark.parametrize(
    "kind",
    [
        CallerKind.use_unit,
        CallerKind.maintenance_company,
        CallerKind.filling_station,
        CallerKind.inspection_agency,
        CallerKind.government_system,
    ],
)
async def test_only_installers_and_the_bureau_file_notices_refused_before_the_body(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    response = await client.post(
        "/api/v1/installation-notices",
        content=b"{not json",
        headers={**tokens.headers(kind), "Content-Type": "application/json"},
    )
    assert response.status_code == 403


async def test_an_installer_reads_only_its_own_notices(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    mine = installer_headers(tokens, parties["installer"])
    theirs = installer_headers(tokens, parties["other_installer"])
    own = (
        await client.post(
            "/api/v1/installation-notices", json=notice(parties["use_unit"]), headers=mine
        )
    ).json()
    other = (
        await client.post(
            "/api/v1/installation-notices", json=notice(parties["use_unit"]), headers=theirs
        )
    ).json()
    listed = await client.get("/api/v1/installation-notices", headers=mine)
    assert [n["id"] for n in listed.json()["items"]] == [own["id"]]
    hidden = await client.get(f"/api/v1/installation-notices/{other['id']}", headers=mine)
    assert hidden.status_code == 404
    asking_for_others = await client.get(
        "/api/v1/installation-notices",
        params={"installer_id": parties["other_installer"]},
        headers=mine,
    )
    assert asking_for_others.status_code == 403
    for kind in (CallerKind.use_unit, CallerKind.maintenance_company):
        refused = await client.get("/api/v1/installation-notices", headers=tokens.headers(kind))
        assert refused.status_code == 403
    government = await client.get(
        "/api/v1/installation-notices", headers=tokens.headers(CallerKind.government_system)
    )
    assert len(government.json()["items"]) == 2


async def test_the_bureau_lists_notices_by_region_and_date_range_page_by_page(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    headers = installer_headers(tokens, parties["installer"])
    plans = [
        ("2026-12-01", "中川园区"),
        ("2026-12-05", "秦川园区"),
        ("2026-12-09", "中川园区"),
        ("2027-01-03", "中川园区"),
    ]
    for day, park in plans:
        region = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区", "park": park}
        response = await client.post(
            "/api/v1/installation-notices",
            json=notice(parties["use_unit"], planned_start_on=day, region=region),
            headers=headers,
        )
        assert response.status_code == 201
    query = {
        "park": "中川园区",
        "planned_start_on_from": "2026-12-01",
        "planned_start_on_to": "2026-12-31",
        "limit": 1,
    }
    first = (
        await client.get("/api/v1/installation-notices", params=query, headers=tokens.bureau())
    ).json()
    assert [n["planned_start_on"] for n in first["items"]] == ["2026-12-01"]
    second = (
        await client.get(
            "/api/v1/installation-notices",
            params={**query, "cursor": first["next_cursor"]},
            headers=tokens.bureau(),
        )
    ).json()
    assert [n["planned_start_on"] for n in second["items"]] == ["2026-12-09"]
    assert second["next_cursor"] is None


async def test_equipment_names_a_notice_filed_for_its_use_unit(
    client: httpx.AsyncClient, tokens: TokenFactory, parties: dict[str, str]
) -> None:
    bureau = tokens.bureau()
    filed = await client.post(
        "/api/v1/installation-notices",
        json=notice(parties["use_unit"], installer_id=parties["installer"]),
        headers=bureau,
    )
    assert filed.status_code == 201, filed.text
    notice_id = filed.json()["id"]
    other_unit = await organisation(client, tokens, "use_unit")

    named = await client.post(
        "/api/v1/equipment",
        json=make.elevator(parties["use_unit"], installation_notice_id=notice_id),
        headers=bureau,
    )
    assert named.status_code == 201, named.text
    assert named.json()["installation_notice_id"] == notice_id

    refused = {
        "unknown_installation_notice": make.elevator(
            parties["use_unit"], installation_notice_id=str(uuid.uuid4())
        ),
        "installation_notice_of_another_unit": make.elevator(
            other_unit, installation_notice_id=notice_id
        ),
    }
    for code, body in refused.items():
        answer = await client.post("/api/v1/equipment", json=body, headers=bureau)
        assert answer.status_code == 422, answer.text
        errors = answer.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("installation_notice_id", code)]
        gone = await client.get(f"/api/v1/equipment/{body['equipment_code']}", headers=bureau)
        assert gone.status_code == 404
