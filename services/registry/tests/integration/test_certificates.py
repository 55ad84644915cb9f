"""Personnel certificates (作业人员证) through HTTP: validation, masking, renewal."""

from __future__ import annotations

import httpx
import pytest

import licensing_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def company(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    return await make.organisation(client, tokens, "maintenance_company")


async def _create(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, object]
) -> dict[str, object]:
    answer = await client.post("/api/v1/certificates", json=body, headers=tokens.bureau())
    assert answer.status_code == 201, answer.text
    record: dict[str, object] = answer.json()
    return record


async def test_the_bureau_reads_the_identity_number_in_full_everyone_else_masked(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    body = make.certificate(company, id_number=make.id_number().lower())
    full = body["id_number"].upper()
    created = await _create(client, tokens, body)
    assert created["id_number"] == full
    number = body["number"]

    bureau = await client.get(f"/api/v1/certificates/{number}", headers=tokens.bureau())
    assert bureau.json()["id_number"] == full
    assert bureau.headers["ETag"] == '"v1"'
    masked = full[:4] + "*" * 10 + full[-4:]
    for headers in (
        tokens.headers(CallerKind.government_system),
        tokens.headers(CallerKind.inspection_agency),
        make.caller(tokens, CallerKind.maintenance_company, company),
    ):
        one = await client.get(f"/api/v1/certificates/{number}", headers=headers)
        assert one.status_code == 200
        assert one.json()["id_number"] == masked
        listed = await client.get(
            "/api/v1/certificates", params={"employer_id": company}, headers=headers
        )
        assert [c["id_number"] for c in listed.json()["items"]] == [masked]
    # Masking is of the answer only: the record still holds the number in full.
    again = await client.get(f"/api/v1/certificates/{number}", headers=tokens.bureau())
    assert again.json()["id_number"] == full


@pytest.mark.parametrize(
    ("overrides", "location", "code"),
    [
        ({"id_number": "62010219900307123"}, ["body", "id_number"], "id_number_format"),
        ({"id_number": "620102199002301230"}, ["body", "id_number"], "id_number_birth_date"),
        ({"item": "Z9"}, ["body", "item"], "enum"),
        ({"number": "a/b"}, ["body", "number"], "string_pattern_mismatch"),
        ({"holder_name": ""}, ["body", "holder_name"], "string_too_short"),
        ({"valid_to": "2025-01-01"}, ["body", "valid_to"], "dates_inconsistent"),
        ({"employer_id": "00000000-0000-4000-8000-000000000000"}, ["body", "employer_id"],
         "unknown_employer"),
    ],
)  # fmt: skip
async def test_a_bad_certificate_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    company: str,
    overrides: dict[str, object],
    location: list[str],
    code: str,
) -> None:
    body = {**make.certificate(company), **overrides}
    answer = await client.post("/api/v1/certificates", json=body, headers=tokens.bureau())
    assert answer.status_code == 422, answer.text
    assert (location, code) in [(e["location"], e["code"]) for e in answer.json()["errors"]]
    # The refused identity number is not echoed back.
    assert body["id_number"] not in answer.text


async def test_a_wrong_check_character_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    good = make.id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    answer = await client.post(
        "/api/v1/certificates",
        json=make.certificate(company, id_number=wrong),
        headers=tokens.bureau(),
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "id_number_check_character"


async def test_the_same_number_twice_is_a_conflict(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    body = make.certificate(company)
    await _create(client, tokens, body)
    again = await client.post("/api/v1/certificates", json=body, headers=tokens.bureau())
    assert again.status_code == 409


async def test_renewal_and_a_new_employer_are_patches_with_if_match(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    body = make.certificate(company)
    await _create(client, tokens, body)
    number = body["number"]
    other = await make.organisation(client, tokens, "maintenance_company")
    renewed = await client.patch(
        f"/api/v1/certificates/{number}",
        json={"valid_to": "2033-12-31", "employer_id": other},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.headers["ETag"] == '"v2"'
    assert renewed.json()["employer_id"] == other
    stale = await client.patch(
        f"/api/v1/certificates/{number}",
        json={"holder_name": "李四"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert stale.status_code == 412
    for changes, location in (
        ({"id_number": make.id_number()}, ["body", "id_number"]),
        ({"employer_id": None}, ["body", "employer_id"]),
        ({"valid_from": "2034-01-01"}, ["body", "valid_to"]),
    ):
        refused = await client.patch(
            f"/api/v1/certificates/{number}", json=changes, headers=tokens.bureau()
        )
        assert refused.status_code == 422, changes
        assert location in [e["location"] for e in refused.json()["errors"]]
    # The former employer no longer sees the worker.
    former = await client.get(
        f"/api/v1/certificates/{number}",
        headers=make.caller(tokens, CallerKind.maintenance_company, company),
    )
    assert former.status_code == 404


async def test_the_list_filters_by_item_and_validity(
    client: httpx.AsyncClient, tokens: TokenFactory, company: str
) -> None:
    station = await make.organisation(client, tokens, "filling_station")
    elevator_fitter = make.certificate(company)
    filler = make.certificate(station, item="P")
    lapsed = make.certificate(company, valid_from="2018-01-01", valid_to="2021-12-31")
    for body in (elevator_fitter, filler, lapsed):
        await _create(client, tokens, body)

    async def numbers(**params: str) -> set[str]:
        answer = await client.get("/api/v1/certificates", params=params, headers=tokens.bureau())
        assert answer.status_code == 200, answer.text
        return {c["number"] for c in answer.json()["items"]}

    assert await numbers(item="P") == {filler["number"]}
    assert await numbers(employer_id=company, valid_on="2026-06-01") == {elevator_fitter["number"]}
    assert await numbers(employer_id=company) == {elevator_fitter["number"], lapsed["number"]}
