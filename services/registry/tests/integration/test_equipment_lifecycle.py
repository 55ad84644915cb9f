"""The equipment lifecycle through HTTP: catalogue, validation, registration, status changes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import registry_factories as make
from registry.equipment.catalogue import VARIETIES, class_of
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

STATUS = "/api/v1/equipment/{}/status"
REGISTRATION = "/api/v1/equipment/{}/registration"


@pytest.fixture
async def use_unit(client: httpx.AsyncClient, tokens: TokenFactory) -> str:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def _create(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def _unregistered(use_unit: str, **overrides: Any) -> dict[str, Any]:
    body = make.elevator(use_unit, **overrides)
    del body["registration_number"]
    return body


def _status(
    status: str, effective_on: str = "2026-03-01", reason: str = "年度停用"
) -> dict[str, str]:
    return {"status": status, "reason": reason, "effective_on": effective_on}


def _errors(response: httpx.Response) -> list[tuple[list[Any], str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["location"], e["code"]) for e in response.json()["errors"]]


# -- the catalogue ----------------------------------------------------------------------------


async def test_the_catalogue_lists_every_category_with_its_varieties(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.get("/api/v1/catalogue", headers=tokens.bureau())
    assert response.status_code == 200
    categories = {c["code"]: c for c in response.json()["categories"]}
    assert list(categories) == sorted(categories)
    assert len(categories) == 10
    assert categories["3000"]["name"] == "电梯"
    served = {
        v["code"]: (code, v["class_code"], v["name"])
        for code, category in categories.items()
        for v in category["varieties"]
    }
    assert served == {
        code: (category.value, class_of(code), name) for code, (category, name) in VARIETIES.items()
    }
    parking = next(v for v in categories["4000"]["varieties"] if v["code"] == "4D00")
    assert parking == {
        "code": "4D00",
        "name": "机械式停车设备",
        "class_code": None,
        "registered_here": True,
    }
    cylinders = {v["code"]: v["registered_here"] for v in categories["2000"]["varieties"]}
    assert cylinders["23T0"] is False
    assert cylinders["2150"] is True


@pytest.mark.parametrize(
    "kind", [CallerKind.use_unit, CallerKind.maintenance_company, CallerKind.filling_station]
)
async def test_any_authenticated_caller_reads_the_catalogue(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    assert (await client.get("/api/v1/catalogue", headers=tokens.headers(kind))).status_code == 200


async def test_the_catalogue_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/catalogue")).status_code == 401


# -- creating a record ------------------------------------------------------------------------


async def test_parking_equipment_with_a_letter_in_its_code_is_registered(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    code = "4D00" + "12345202600001"
    body = make.elevator(
        use_unit, equipment_code=code, category="4000", variety="4D00", attributes={}
    )
    record = await _create(client, tokens, body)
    assert record["variety"] == "4D00"
    read = await client.get(f"/api/v1/equipment/{code}", headers=tokens.bureau())
    assert read.status_code == 200
    assert read.json()["equipment_code"] == code


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"equipment_code": "2110" + "12345202600001"},
            [(["body", "equipment_code"], "invalid_code_prefix")],
        ),
        (
            {"attributes": {}},
            [
                (["body", "attributes", "rated_load_kg"], "missing_attribute"),
                (["body", "attributes", "rated_speed_ms"], "missing_attribute"),
                (["body", "attributes", "stops"], "missing_attribute"),
            ],
        ),
        (
            {"attributes": {"rated_load_kg": 1000, "stops": 18}},
            [(["body", "attributes", "rated_speed_ms"], "missing_attribute")],
        ),
        (
            {"manufactured_on": "2999-01-01", "commissioned_on": None},
            [(["body", "manufactured_on"], "date_in_future")],
        ),
        (
            {"manufactured_on": "1949-12-31", "commissioned_on": None},
            [(["body", "manufactured_on"], "date_too_early")],
        ),
        (
            {"manufactured_on": None, "commissioned_on": "9999-12-31"},
            [(["body", "commissioned_on"], "date_in_future")],
        ),
        ({"status": "deregistered"}, [(["body", "status"], "initial_status_not_allowed")]),
        ({"status": "scrapped"}, [(["body", "status"], "initial_status_not_allowed")]),
        (
            {"registration_number": None, "registered_on": "2026-02-01"},
            [(["body", "registered_on"], "registration_number_required")],
        ),
        (
            {"registered_on": "2025-01-01"},
            [(["body", "registered_on"], "dates_inconsistent")],
        ),
        (
            {
                "insurance": {
                    "insurer": "中国人民财产保险股份有限公司兰州市分公司",
                    "policy_number": "PZAA202662010000000001",
                    "valid_from": "2026-01-01",
                    "valid_to": "2025-12-31",
                }
            },
            [(["body", "insurance", "valid_to"], "dates_inconsistent")],
        ),
    ],
)
async def test_records_breaking_a_rule_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    use_unit: str,
    overrides: dict[str, Any],
    expected: list[tuple[list[Any], str]],
) -> None:
    body = make.elevator(use_unit, **overrides)
    response = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert _errors(response) == expected


@pytest.mark.parametrize(
    ("category", "variety", "attributes", "expected"),
    [
        ("2000", "2150", {}, [(["body", "attributes", "safety_grade"], "missing_attribute")]),
        (
            "8000",
            "8310",
            {"safety_grade": 2},
            [(["body", "attributes", "length_m"], "missing_attribute")],
        ),
        ("2000", "2150", {"safety_grade": 6}, [(["body", "attributes", "safety_grade"], None)]),
        (
            "2000",
            "23T0",
            {"safety_grade": 1},
            [(["body", "variety"], "cylinder_not_registered_here")],
        ),
        (
            "2000",
            "2310",
            {"safety_grade": 1},
            [(["body", "variety"], "cylinder_not_registered_here")],
        ),
    ],
)
async def test_vessels_pipelines_and_cylinders_are_judged_by_their_category(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    use_unit: str,
    category: str,
    variety: str,
    attributes: dict[str, Any],
    expected: list[tuple[list[Any], str | None]],
) -> None:
    body = make.elevator(
        use_unit,
        equipment_code=variety + "12345202600001",
        category=category,
        variety=variety,
        attributes=attributes,
    )
    errors = _errors(await client.post("/api/v1/equipment", json=body, headers=tokens.bureau()))
    assert [location for location, _ in errors] == [location for location, _ in expected]
    for (_, code), (_, wanted) in zip(errors, expected, strict=True):
        if wanted is not None:
            assert code == wanted


async def test_a_pipeline_with_grade_and_length_is_registered(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    body = make.elevator(
        use_unit,
        equipment_code="8310" + "12345202600001",
        category="8000",
        variety="8310",
        attributes={"safety_grade": 2, "length_m": 1250.5},
    )
    record = await _create(client, tokens, body)
    assert record["attributes"] == {"safety_grade": 2, "length_m": 1250.5}


async def test_the_legacy_registration_code_is_kept_in_its_own_field_and_found_by_it(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    legacy = "31106201002010000123"
    record = await _create(client, tokens, make.elevator(use_unit, legacy_registration_code=legacy))
    assert record["legacy_registration_code"] == legacy
    found = await client.get(
        "/api/v1/equipment", params={"legacy_registration_code": legacy}, headers=tokens.bureau()
    )
    assert [e["equipment_code"] for e in found.json()["items"]] == [record["equipment_code"]]
    short = make.elevator(use_unit, legacy_registration_code=legacy[:19])
    response = await client.post("/api/v1/equipment", json=short, headers=tokens.bureau())
    assert [loc for loc, _ in _errors(response)] == [["body", "legacy_registration_code"]]


async def test_elevator_extras_are_stored_changed_and_cleared(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    insurance = {
        "insurer": "中国人民财产保险股份有限公司兰州市分公司",
        "policy_number": "PZAA202662010000000001",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
    }
    body = make.elevator(
        use_unit, insurance=insurance, remote_monitoring_device_id="RM-620100-0001"
    )
    record = await _create(client, tokens, body)
    assert record["insurance"] == insurance
    assert record["remote_monitoring_device_id"] == "RM-620100-0001"
    assert record["rescue_code"] == body["rescue_code"]

    code = body["equipment_code"]
    renewed = {**insurance, "valid_from": "2027-01-01", "valid_to": "2027-12-31"}
    changed = await client.patch(
        f"/api/v1/equipment/{code}", json={"insurance": renewed}, headers=tokens.bureau()
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["insurance"] == renewed
    cleared = await client.patch(
        f"/api/v1/equipment/{code}", json={"insurance": None}, headers=tokens.bureau()
    )
    assert cleared.json()["insurance"] is None
    assert cleared.json()["version"] == 3


# -- changing a record ------------------------------------------------------------------------


async def test_patch_refuses_status_naming_the_status_endpoint(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    response = await client.patch(
        f"/api/v1/equipment/{code}", json={"status": "suspended"}, headers=tokens.bureau()
    )
    assert _errors(response) == [(["body", "status"], "use_status_endpoint")]
    assert "POST /api/v1/equipment/{code}/status" in response.json()["detail"]
    assert f"POST /api/v1/equipment/{code}/status" in response.json()["detail"]
    unchanged = await client.get(f"/api/v1/equipment/{code}", headers=tokens.bureau())
    assert unchanged.json()["status"] == "in_use"


async def test_patch_refuses_the_registration_naming_the_registration_endpoint(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, _unregistered(use_unit))
    response = await client.patch(
        f"/api/v1/equipment/{record['equipment_code']}",
        json={"registration_number": "梯11甘A00002(26)"},
        headers=tokens.bureau(),
    )
    assert _errors(response) == [(["body", "registration_number"], "use_registration_endpoint")]
    assert "POST /api/v1/equipment/{code}/registration" in response.json()["detail"]


async def test_patch_judges_a_new_variety_by_the_code_and_attributes_by_the_category(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    path = f"/api/v1/equipment/{record['equipment_code']}"
    wrong = await client.patch(path, json={"variety": "3120"}, headers=tokens.bureau())
    assert _errors(wrong) == [(["body", "variety"], "invalid_code_prefix")]
    emptied = await client.patch(path, json={"attributes": {}}, headers=tokens.bureau())
    assert [code for _, code in _errors(emptied)] == ["missing_attribute"] * 3
    future = await client.patch(
        path, json={"commissioned_on": "2999-01-01"}, headers=tokens.bureau()
    )
    assert _errors(future) == [(["body", "commissioned_on"], "date_in_future")]


# -- registration -----------------------------------------------------------------------------


async def test_unregistered_equipment_in_use_is_listed_as_unregistered_until_registered(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    registered = await _create(client, tokens, make.elevator(use_unit))
    unregistered = await _create(client, tokens, _unregistered(use_unit))
    assert registered["registered"] is True
    assert unregistered["registered"] is False
    assert unregistered["registered_on"] is None
    code = unregistered["equipment_code"]

    async def listed(flag: str) -> list[str]:
        page = await client.get(
            "/api/v1/equipment",
            params={"registered": flag, "status": "in_use", "use_unit_id": use_unit},
            headers=tokens.bureau(),
        )
        assert page.status_code == 200
        return [e["equipment_code"] for e in page.json()["items"]]

    assert await listed("false") == [code]
    assert await listed("true") == [registered["equipment_code"]]

    answer = await client.post(
        REGISTRATION.format(code),
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"v2"'
    record = answer.json()
    assert record["registered"] is True
    assert record["registration_number"] == "梯11甘A00009(26)"
    assert record["registered_on"] == "2026-02-01"
    assert await listed("false") == []

    again = await client.post(
        REGISTRATION.format(code),
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers=tokens.bureau(),
    )
    assert again.json()["version"] == 2


async def test_a_registration_on_a_stale_version_is_refused_with_412(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, _unregistered(use_unit))
    response = await client.post(
        REGISTRATION.format(record["equipment_code"]),
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers={**tokens.bureau(), "If-Match": '"v7"'},
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"registration_number": "梯11甘A00009(26)", "registered_on": "2999-01-01"},
            [(["body", "registered_on"], "date_in_future")],
        ),
        ({"registered_on": "2026-02-01"}, [(["body", "registration_number"], "missing")]),
        (
            {"registration_number": "", "registered_on": "2026-02-01"},
            [(["body", "registration_number"], "string_too_short")],
        ),
    ],
)
async def test_bad_registrations_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    use_unit: str,
    body: dict[str, Any],
    expected: list[tuple[list[Any], str]],
) -> None:
    record = await _create(client, tokens, _unregistered(use_unit))
    response = await client.post(
        REGISTRATION.format(record["equipment_code"]), json=body, headers=tokens.bureau()
    )
    assert _errors(response) == expected


async def test_registering_unknown_equipment_is_404(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await client.post(
        REGISTRATION.format(make.equipment_code()),
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers=tokens.bureau(),
    )
    assert response.status_code == 404


# -- status -----------------------------------------------------------------------------------


async def test_status_changes_follow_the_lifecycle_and_each_is_audited(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    steps = [
        ("suspended", "2026-03-01", "停用检修"),
        ("in_use", "2026-04-01", "恢复使用"),
        ("scrapped", "2026-05-01", "超过设计使用年限"),
        ("deregistered", "2026-05-10", "报废注销"),
    ]
    for number, (status, effective_on, reason) in enumerate(steps, start=2):
        answer = await client.post(
            STATUS.format(code),
            json=_status(status, effective_on, reason),
            headers={**tokens.bureau(), "If-Match": f'"v{number - 1}"'},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == f'"v{number}"'
        assert answer.json()["status"] == status
        assert answer.json()["status_since"] == effective_on

    history = await client.get(f"/api/v1/equipment/{code}/status-changes", headers=tokens.bureau())
    assert history.status_code == 200
    items = history.json()["items"]
    assert [(i["from_status"], i["to_status"], i["effective_on"], i["reason"]) for i in items] == [
        ("in_use", "suspended", "2026-03-01", "停用检修"),
        ("suspended", "in_use", "2026-04-01", "恢复使用"),
        ("in_use", "scrapped", "2026-05-01", "超过设计使用年限"),
        ("scrapped", "deregistered", "2026-05-10", "报废注销"),
    ]
    assert [i["version"] for i in items] == [2, 3, 4, 5]
    assert {i["changed_by"] for i in items} == {"test-bureau"}


async def test_scrapped_equipment_is_not_registered(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, _unregistered(use_unit))
    code = record["equipment_code"]
    await client.post(STATUS.format(code), json=_status("scrapped"), headers=tokens.bureau())
    response = await client.post(
        REGISTRATION.format(code),
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers=tokens.bureau(),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "equipment_scrapped"


async def test_deregistered_equipment_is_read_only(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    gone = await client.post(
        STATUS.format(code),
        json=_status("deregistered", reason="移装外地"),
        headers=tokens.bureau(),
    )
    assert gone.status_code == 200

    writes = [
        client.patch(
            f"/api/v1/equipment/{code}", json={"park": "秦川园区"}, headers=tokens.bureau()
        ),
        client.post(
            REGISTRATION.format(code),
            json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
            headers=tokens.bureau(),
        ),
        client.post(STATUS.format(code), json=_status("in_use"), headers=tokens.bureau()),
    ]
    for write in writes:
        response = await write
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "urn:tzsb:problem:conflict"
        assert response.json()["code"] == "equipment_deregistered"
    read = await client.get(f"/api/v1/equipment/{code}", headers=tokens.bureau())
    assert read.json()["park"] == record["park"]
    assert read.json()["version"] == 2


async def test_disallowed_or_misdated_status_changes_are_refused_naming_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    await client.post(
        STATUS.format(code), json=_status("suspended", "2026-03-01"), headers=tokens.bureau()
    )
    earlier = await client.post(
        STATUS.format(code), json=_status("in_use", "2026-02-01"), headers=tokens.bureau()
    )
    assert _errors(earlier) == [(["body", "effective_on"], "effective_on_before_last_change")]
    future = await client.post(
        STATUS.format(code), json=_status("in_use", "2999-01-01"), headers=tokens.bureau()
    )
    assert _errors(future) == [(["body", "effective_on"], "date_in_future")]
    no_reason = await client.post(
        STATUS.format(code),
        json={"status": "in_use", "effective_on": "2026-04-01"},
        headers=tokens.bureau(),
    )
    assert _errors(no_reason) == [(["body", "reason"], "missing")]
    unknown = await client.post(
        STATUS.format(code), json=_status("broken"), headers=tokens.bureau()
    )
    assert [loc for loc, _ in _errors(unknown)] == [["body", "status"]]


async def test_asking_for_the_current_status_changes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    answer = await client.post(STATUS.format(code), json=_status("in_use"), headers=tokens.bureau())
    assert answer.status_code == 200
    assert answer.json()["version"] == 1
    history = await client.get(f"/api/v1/equipment/{code}/status-changes", headers=tokens.bureau())
    assert history.json()["items"] == []


# -- who may do what --------------------------------------------------------------------------


async def test_registration_and_status_are_written_by_the_bureau_or_a_scoped_government_system(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, _unregistered(use_unit))
    code = record["equipment_code"]
    registration = {"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"}
    refused = [
        tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(use_unit)),
        tokens.headers(CallerKind.maintenance_company),
        tokens.headers(CallerKind.filling_station),
        tokens.headers(CallerKind.inspection_agency),
        tokens.headers(CallerKind.government_system),
    ]
    for headers in refused:
        for path, body in ((REGISTRATION, registration), (STATUS, _status("suspended"))):
            response = await client.post(path.format(code), json=body, headers=headers)
            assert response.status_code == 403, (path, headers)
            assert response.json()["type"] == "urn:tzsb:problem:forbidden"
        # Refused before the body is judged: a bad body does not tell such a caller more.
        bad = await client.post(STATUS.format(code), json={"status": 1}, headers=headers)
        assert bad.status_code == 403
    for path, body in ((REGISTRATION, registration), (STATUS, _status("suspended"))):
        assert (await client.post(path.format(code), json=body)).status_code == 401

    pusher = tokens.headers(CallerKind.government_system, scopes=("registry:write",))
    assert (
        await client.post(REGISTRATION.format(code), json=registration, headers=pusher)
    ).status_code == 200
    assert (
        await client.post(STATUS.format(code), json=_status("suspended"), headers=pusher)
    ).status_code == 200


async def test_the_status_history_is_read_like_the_record(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: str
) -> None:
    record = await _create(client, tokens, make.elevator(use_unit))
    code = record["equipment_code"]
    await client.post(STATUS.format(code), json=_status("suspended"), headers=tokens.bureau())
    path = f"/api/v1/equipment/{code}/status-changes"
    for headers in (
        tokens.headers(CallerKind.use_unit, organisation_id=uuid.UUID(use_unit)),
        tokens.headers(CallerKind.government_system),
        tokens.headers(CallerKind.inspection_agency),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        assert len(response.json()["items"]) == 1
    for headers in (
        tokens.headers(CallerKind.use_unit),  # another use unit
        tokens.headers(CallerKind.maintenance_company),
        tokens.headers(CallerKind.filling_station),
    ):
        assert (await client.get(path, headers=headers)).status_code == 404
    assert (await client.get(path)).status_code == 401
