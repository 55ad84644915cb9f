"""Licences (许可证) through HTTP: entry, validation, status transitions, audit, lists."""

from __future__ import annotations

import httpx
import pytest

import licensing_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def company(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    return await make.organisation(client, tokens, "maintenance_company")


@pytest.fixture
async def station(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    return await make.organisation(client, tokens, "filling_station")


async def _create(client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, object]) -> str:
    answer = await client.post("/api/v1/licences", json=body, headers=tokens.bureau())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_a_licence_reads_back_with_every_field_and_its_version_as_etag(
    client: httpx.AsyncClient, tokens: TokenFactory, station: str
) -> None:
    body = make.licence(station, kind="filling", scope=["LPG", "O2"])
    created = await client.post("/api/v1/licences", json=body, headers=tokens.bureau())
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"v1"'
    read = await client.get(f"/api/v1/licences/{created.json()['id']}", headers=tokens.bureau())
    assert read.status_code == 200
    assert read.headers["ETag"] == '"v1"'
    record = read.json()
    for field in ("organisation_id", "number", "kind", "scope", "valid_from", "valid_to"):
        assert record[field] == body[field], field
    assert record["status"] == "active"
    fresh = await client.get(
        f"/api/v1/licences/{record['id']}", headers={**tokens.bureau(), "If-None-Match": '"v1"'}
    )
    assert fresh.status_code == 304


@pytest.mark.parametrize(
    ("overrides", "location", "code"),
    [
        ({"kind": "filling", "scope": ["LPG"]}, ["body", "organisation_id"],
         "kind_does_not_fit_organisation"),
        ({"scope": ["3000", "LPG"]}, ["body", "scope", 1], "unknown_scope_item"),
        ({"scope": ["3000", "3000"]}, ["body", "scope", 1], "duplicate_scope_item"),
        ({"scope": []}, ["body", "scope"], "too_short"),
        ({"kind": "welding"}, ["body", "kind"], "enum"),
        ({"valid_to": "2025-12-31"}, ["body", "valid_to"], "dates_inconsistent"),
        ({"valid_to": "9999-12-31"}, ["body", "valid_to"], "date_out_of_range"),
        ({"valid_from": "0001-01-01"}, ["body", "valid_from"], "date_out_of_range"),
        ({"valid_from": "2026-01-01T00:00:00"}, ["body", "valid_from"], "date_parsing"),
        ({"number": ""}, ["body", "number"], "string_too_short"),
        ({"organisation_id": "00000000-0000-4000-8000-000000000000"}, ["body", "organisation_id"],
         "unknown_organisation"),
    ],
)  # fmt: skip
async def test_a_bad_licence_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    company: str,
    overrides: dict[str, object],
    location: list[object],
    code: str,
) -> None:
    answer = await client.post(
        "/api/v1/licences", json={**make.licence(company), **overrides}, headers=tokens.bureau()
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = {(tuple(e["location"]), e["code"]) for e in answer.json()["errors"]}
    assert (tuple(location), code) in errors


async def test_the_same_licence_number_twice_is_a_conflict(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    body = make.licence(company)
    await _create(client, tokens, body)
    again = await client.post("/api/v1/licences", json=body, headers=tokens.bureau())
    assert again.status_code == 409


async def test_suspend_reinstate_revoke_each_change_the_version_and_are_audited(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    licence_id = await _create(client, tokens, make.licence(company))
    bureau = tokens.headers(CallerKind.bureau, client_id="bureau-desk-7")
    steps = [("suspend", "suspended"), ("reinstate", "active"), ("revoke", "revoked")]
    for version, (action, status) in enumerate(steps, start=2):
        answer = await client.post(
            f"/api/v1/licences/{licence_id}/{action}",
            json={"reason": f"{action} 决定书 2026-{version}", "effective_on": "2026-06-01"},
            headers={**bureau, "If-Match": f'"v{version - 1}"'},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == f'"v{version}"'
        assert answer.json()["status"] == status
        assert answer.json()["status_reason"] == f"{action} 决定书 2026-{version}"

    trail = await client.get(
        f"/api/v1/licences/{licence_id}/status-changes", headers=tokens.bureau()
    )
    entries = trail.json()["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in entries] == [
        ("suspend", "active", "suspended"),
        ("reinstate", "suspended", "active"),
        ("revoke", "active", "revoked"),
    ]
    assert {e["changed_by_client"] for e in entries} == {"bureau-desk-7"}
    assert [e["version"] for e in entries] == [2, 3, 4]


async def test_a_revoked_licence_cannot_be_reinstated(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    licence_id = await _create(client, tokens, make.licence(company))
    revoked = await client.post(
        f"/api/v1/licences/{licence_id}/revoke", json={"reason": "吊销"}, headers=tokens.bureau()
    )
    assert revoked.status_code == 200
    assert revoked.json()["status_changed_on"] is not None
    again = await client.post(
        f"/api/v1/licences/{licence_id}/reinstate",
        json={"reason": "申诉"},
        headers=tokens.bureau(),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    assert again.json()["current_status"] == "revoked"


async def test_a_transition_on_a_stale_version_is_412_and_changes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    licence_id = await _create(client, tokens, make.licence(company))
    await client.post(
        f"/api/v1/licences/{licence_id}/suspend", json={"reason": "a"}, headers=tokens.bureau()
    )
    stale = await client.post(
        f"/api/v1/licences/{licence_id}/revoke",
        json={"reason": "b"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    read = await client.get(f"/api/v1/licences/{licence_id}", headers=tokens.bureau())
    assert read.json()["status"] == "suspended"


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({}, ["body", "reason"]),
        ({"reason": ""}, ["body", "reason"]),
        ({"reason": "x", "effective_on": "9999-01-01"}, ["body", "effective_on"]),
        ({"reason": "x", "by": "me"}, ["body", "by"]),
    ],
)
async def test_a_transition_without_a_reason_or_with_an_absurd_day_is_a_422(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    company: str,
    body: dict[str, str],
    location: list[str],
) -> None:
    licence_id = await _create(client, tokens, make.licence(company))
    answer = await client.post(
        f"/api/v1/licences/{licence_id}/suspend", json=body, headers=tokens.bureau()
    )
    assert answer.status_code == 422, answer.text
    assert location in [e["location"] for e in answer.json()["errors"]]


async def test_a_transition_of_a_missing_licence_is_404(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answer = await client.post(
        "/api/v1/licences/00000000-0000-4000-8000-000000000000/suspend",
        json={"reason": "x"},
        headers=tokens.bureau(),
    )
    assert answer.status_code == 404


async def test_the_list_filters_by_holder_kind_and_validity_on_a_day(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str, station: str
) -> None:
    maintenance = await _create(client, tokens, make.licence(company))
    installation = await _create(client, tokens, make.licence(company, kind="installation"))
    expired = await _create(
        client, tokens, make.licence(company, valid_from="2020-01-01", valid_to="2023-12-31")
    )
    filling = await _create(client, tokens, make.licence(station, kind="filling", scope=["CNG"]))
    suspended = await _create(client, tokens, make.licence(company))
    await client.post(
        f"/api/v1/licences/{suspended}/suspend", json={"reason": "x"}, headers=tokens.bureau()
    )

    async def ids(**params: str) -> set[str]:
        answer = await client.get("/api/v1/licences", params=params, headers=tokens.bureau())
        assert answer.status_code == 200, answer.text
        return {item["id"] for item in answer.json()["items"]}

    assert await ids(organisation_id=company) == {maintenance, installation, expired, suspended}
    assert await ids(kind="filling") == {filling}
    assert await ids(organisation_id=company, valid_on="2026-06-01") == {
        maintenance,
        installation,
    }
    assert await ids(organisation_id=company, valid_on="2022-06-01") == {expired}

    seen: list[str] = []
    cursor = None
    while True:
        params = {
            "organisation_id": company,
            "limit": "2",
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get("/api/v1/licences", params=params, headers=tokens.bureau())).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == seen
    assert set(seen) == {maintenance, installation, expired, suspended}
