"""POST /api/v1/inspections: an agency records a report; the next due date, the equipment's
validity, its hazards and the result event follow from it in one transaction."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from inspection_factories import inspection, seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.events import CloudEvent
from tzsb_common.testing import TokenFactory

TODAY = date(2026, 11, 25)


def agency(tokens: TokenFactory, organisation_id: uuid.UUID | None = None) -> dict[str, str]:
    return tokens.headers(CallerKind.inspection_agency, organisation_id=organisation_id or AGENCY)


AGENCY = uuid.uuid4()


async def standing(app: FastAPI, code: str) -> dict[str, Any] | None:
    async with app.state.database.connection() as conn:
        row = await conn.fetchrow("SELECT * FROM due_schedule WHERE equipment_code = $1", code)
    return dict(row) if row is not None else None


async def events_of(app: FastAPI, code: str) -> list[CloudEvent]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch("SELECT event FROM outbox WHERE key = $1 ORDER BY id", code)
    return [CloudEvent.model_validate(row["event"]) for row in rows]


async def test_equipment_seen_for_the_first_time_is_first_due_by_the_rules(app: FastAPI) -> None:
    elevator = snapshot(commissioned_on="2025-03-31")
    vessel = snapshot(
        category="2000", variety="2150", commissioned_on="2024-02-29",
        attributes={"safety_grade": 3},
    )  # fmt: skip
    uncommissioned = snapshot(commissioned_on=None)
    await seed_equipment(app, elevator, vessel, uncommissioned, today=TODAY)

    first_elevator = await standing(app, elevator["equipment_code"])
    first_vessel = await standing(app, vessel["equipment_code"])
    nothing = await standing(app, uncommissioned["equipment_code"])

    assert first_elevator is not None
    assert (first_elevator["due_on"], first_elevator["due_kind"]) == (date(2026, 3, 31), "periodic")
    assert first_elevator["valid"] is False
    assert first_vessel is not None
    assert first_vessel["due_on"] == date(2027, 2, 28)  # within 3 years (TSG 21)
    assert nothing is not None
    assert nothing["due_on"] is None


async def test_a_passing_inspection_makes_the_next_check_due_by_the_elevator_schedule(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    elevator = snapshot(commissioned_on="2020-01-15")
    code = elevator["equipment_code"]
    await seed_equipment(app, elevator, today=TODAY)
    body = inspection(
        code,
        inspected_on="2026-01-10",
        hazards=[{"description": "层门锁紧装置磨损", "severity": "general",
                  "deadline": "2026-02-10"}],
    )  # fmt: skip

    answer = await client.post("/api/v1/inspections", json=body, headers=agency(tokens))

    assert answer.status_code == 201, answer.text
    record = answer.json()
    # Year 6's anniversary is 2026-01-15: inspected within two months of it, year 7 is next.
    assert record["next_due_on"] == "2027-01-15"
    assert record["next_due_kind"] == "periodic"
    assert record["next_due_computed"] is True
    assert record["valid"] is True
    assert record["agency_id"] == str(AGENCY)
    assert record["legal_source"].startswith("TSG T7001-2023")
    assert [(h["severity"], h["state"]) for h in record["hazards"]] == [("general", "open")]
    held = await standing(app, code)
    assert held is not None
    assert (held["due_on"], held["valid"], held["last_conclusion"]) == (
        date(2027, 1, 15), True, "pass"
    )  # fmt: skip
    [event] = await events_of(app, code)
    assert event.type == "tzsb.inspection.result.v1"
    assert event.data["next_due_on"] == "2027-01-15"
    assert event.data["hazards"][0]["description"] == "层门锁紧装置磨损"


async def test_a_failed_inspection_leaves_the_equipment_without_a_valid_inspection(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    crane = snapshot(category="4000", variety="4110", commissioned_on="2023-06-01")
    code = crane["equipment_code"]
    await seed_equipment(app, crane, today=TODAY)
    passed = await client.post(
        "/api/v1/inspections", json=inspection(code, inspected_on="2025-05-20"),
        headers=agency(tokens),
    )  # fmt: skip
    assert passed.json()["next_due_on"] == "2027-05-20"

    with_due = await client.post(
        "/api/v1/inspections",
        json=inspection(code, inspected_on="2026-05-01", conclusion="fail",
                        next_due_on="2027-05-01"),
        headers=agency(tokens),
    )  # fmt: skip
    failed = await client.post(
        "/api/v1/inspections",
        json=inspection(code, inspected_on="2026-05-01", conclusion="fail"),
        headers=agency(tokens),
    )

    assert with_due.status_code == 422
    assert with_due.json()["errors"][0]["code"] == "next_due_with_failed_conclusion"
    assert failed.status_code == 201
    assert failed.json()["valid"] is False
    assert failed.json()["next_due_on"] is None
    held = await standing(app, code)
    assert held is not None
    assert held["valid"] is False
    assert held["due_on"] == date(2027, 5, 20)  # the workflow still runs towards that date


async def test_the_agency_may_set_the_due_date_within_the_longest_interval_only(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    vessel = snapshot(category="2000", variety="2150", attributes={"safety_grade": 1})
    code = vessel["equipment_code"]
    await seed_equipment(app, vessel, today=TODAY)

    too_late = await client.post(
        "/api/v1/inspections",
        json=inspection(code, inspected_on="2026-03-10", next_due_on="2032-03-11"),
        headers=agency(tokens),
    )
    six_years = await client.post(
        "/api/v1/inspections",
        json=inspection(code, inspected_on="2026-03-10", next_due_on="2032-03-10"),
        headers=agency(tokens),
    )

    assert too_late.status_code == 422
    assert [(e["field"], e["code"]) for e in too_late.json()["errors"]] == [
        ("next_due_on", "next_due_beyond_interval")
    ]
    assert six_years.status_code == 201
    assert six_years.json()["next_due_computed"] is False
    held = await standing(app, code)
    assert held is not None
    assert held["due_on"] == date(2032, 3, 10)


async def test_monitored_use_is_due_yearly_and_ends_three_years_after_it_began(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    vessel = snapshot(category="2000", variety="2150", attributes={"safety_grade": 4})
    code = vessel["equipment_code"]
    await seed_equipment(app, vessel, today=TODAY)

    dues = []
    for day in ("2023-03-01", "2024-02-20", "2025-02-15", "2026-03-01"):
        answer = await client.post(
            "/api/v1/inspections",
            json=inspection(code, inspected_on=day, conclusion="monitored_use"),
            headers=agency(tokens),
        )
        dues.append(answer.json().get("next_due_on") or answer.json()["errors"][0]["code"])

    # 允许监控使用 began 2023-03-01: at most three years in total, whatever the yearly dates.
    assert dues == ["2024-03-01", "2025-02-20", "2026-02-15", "monitored_use_limit_reached"]


async def test_a_report_number_is_one_inspection_per_agency_and_a_retry_is_harmless(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    first, second = snapshot(), snapshot()
    await seed_equipment(app, first, second, today=TODAY)
    body = inspection(first["equipment_code"], report_number="DJ-2026-0001")

    created = await client.post("/api/v1/inspections", json=body, headers=agency(tokens))
    retried = await client.post("/api/v1/inspections", json=body, headers=agency(tokens))
    clash = await client.post(
        "/api/v1/inspections",
        json=inspection(second["equipment_code"], report_number="DJ-2026-0001"),
        headers=agency(tokens),
    )
    other_agency = await client.post(
        "/api/v1/inspections",
        json=inspection(second["equipment_code"], report_number="DJ-2026-0001"),
        headers=agency(tokens, uuid.uuid4()),
    )

    assert created.status_code == 201
    assert retried.status_code == 200
    assert retried.json()["id"] == created.json()["id"]
    assert clash.status_code == 409
    assert clash.json()["code"] == "report_number_taken"
    assert other_agency.status_code == 201
    assert len(await events_of(app, first["equipment_code"])) == 1


async def test_only_an_inspection_agency_records_and_a_bad_record_is_a_422_naming_the_field(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    boiler = snapshot(category="1000", variety="1100")
    code = boiler["equipment_code"]
    await seed_equipment(app, boiler, today=TODAY)
    for kind in (CallerKind.bureau, CallerKind.use_unit, CallerKind.maintenance_company):
        refused = await client.post(
            "/api/v1/inspections", json=inspection(code), headers=tokens.headers(kind)
        )
        assert refused.status_code == 403

    cases = {
        "unknown_equipment": inspection("311099999999999999"),
        "inspected_in_future": inspection(code, inspected_on="2099-01-01"),
        "self_test_not_for_category": inspection(code, kind="self_test"),
        "monitored_use_not_applicable": inspection(code, conclusion="monitored_use"),
        "next_due_not_after_inspection": inspection(code, next_due_on="2026-03-10"),
        "hazard_deadline_before_inspection": inspection(
            code, hazards=[{"description": "x", "severity": "major", "deadline": "2026-03-09"}]
        ),
    }
    for code_expected, body in cases.items():
        answer = await client.post("/api/v1/inspections", json=body, headers=agency(tokens))
        assert answer.status_code == 422, (code_expected, answer.text)
        assert [e["code"] for e in answer.json()["errors"]] == [code_expected]
    missing = await client.post(
        "/api/v1/inspections", json={"equipment_code": code}, headers=agency(tokens)
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"report_number", "conclusion"}


async def test_a_change_of_the_rules_applies_to_due_dates_computed_after_it(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    before, after = (snapshot(category="4000", variety="4110") for _ in range(2))
    await seed_equipment(app, before, after, today=TODAY)
    await client.post(
        "/api/v1/inspections",
        json=inspection(before["equipment_code"], inspected_on="2026-04-01"),
        headers=agency(tokens),
    )
    rules = (await client.get("/api/v1/inspection-rules", headers=tokens.bureau())).json()
    for rule in rules["rules"]:
        if rule["category"] == "4000" and rule["variety"] is None:
            rule.update(interval_months=12, max_interval_months=12)
    changed = await client.put("/api/v1/inspection-rules", json={"rules": rules["rules"]},
                               headers=tokens.bureau())  # fmt: skip
    assert changed.status_code == 200

    recorded = await client.post(
        "/api/v1/inspections",
        json=inspection(after["equipment_code"], inspected_on="2026-04-01"),
        headers=agency(tokens),
    )

    assert recorded.json()["next_due_on"] == "2027-04-01"
    held = await standing(app, before["equipment_code"])
    assert held is not None
    assert held["due_on"] == date(2028, 4, 1)  # computed before the change: kept
