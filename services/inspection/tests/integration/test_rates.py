"""GET /api/v1/rates over a hand-counted fleet, for the period 2026-01-01 … 2026-06-30.

| piece | park | inspected | hazards (deadline) | valid, due ≥ 06-30 | checked in period |
| --- | --- | --- | --- | --- | --- |
| el1 elevator | 中川 | pass 2026-01-01 (first day) | 1 (02-01), rectified 01-20 | yes | yes |
| el2 elevator | 中川 | pass 2025-12-31 (day before) | 1 (01-01), rectified 01-02 00:00 | yes | no |
| el3 elevator | 秦川 | never | — | no | no |
| el4 elevator | 中川 | pass 2026-03-01 | — | yes | yes |
| v1 vessel | 秦川 | fail 2026-06-30 (last day) | 1 (06-30), rectified 06-30 23:59 | no | yes |
| v2 vessel | 秦川 | pass 2026-07-01 (day after) | — | yes | no |

Plus a closed hazard due 2026-07-01, outside the period.
Inspection rate 4/6; elevators 3/4, vessels 1/2; 中川 3/3, 秦川 1/3.
Hazard rate: 2 hazards found with the period's inspections ÷ 3 pieces checked.
Rectification rate: 3 hazards due in the period, all closed, 2 rectified by the end of their
deadline day (Asia/Shanghai); el2's a minute late.
"""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from fastapi import FastAPI

from inspection_factories import inspection, seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}


def hazard(deadline: str) -> list[dict[str, str]]:
    return [{"description": "安全保护装置失效", "severity": "general", "deadline": deadline}]


async def test_rates_count_the_period_s_first_and_last_days_and_nothing_outside(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    elevators = [snapshot(park="中川园区" if n != 2 else "秦川园区") for n in range(4)]
    vessels = [
        snapshot(category="2000", variety="2150", commissioned_on="2024-02-29",
                 attributes={"safety_grade": 3}, park="秦川园区")
        for _ in range(2)
    ]  # fmt: skip
    await seed_equipment(app, *elevators, *vessels, today=date(2026, 11, 25))
    el1, el2, _el3, el4 = (e["equipment_code"] for e in elevators)
    v1, v2 = (v["equipment_code"] for v in vessels)
    agency = tokens.headers(CallerKind.inspection_agency, organisation_id=uuid.uuid4())
    for body in (
        inspection(el1, inspected_on="2026-01-01", hazards=hazard("2026-02-01")),
        inspection(el2, inspected_on="2025-12-31", hazards=hazard("2026-01-01")),
        inspection(el4, inspected_on="2026-03-01"),
        inspection(v1, inspected_on="2026-06-30", conclusion="fail",
                   hazards=hazard("2026-06-30")),
        inspection(v2, inspected_on="2026-07-01"),
    ):  # fmt: skip
        answer = await client.post("/api/v1/inspections", json=body, headers=agency)
        assert answer.status_code == 201, answer.text
    async with app.state.database.connection() as conn:
        await conn.executemany(
            "UPDATE hazards SET state = 'closed', rectified_at = $2::text::timestamptz, "
            "closed_at = $2::text::timestamptz + interval '1 day' WHERE equipment_code = $1",
            [
                (el1, "2026-01-20T10:00:00+08:00"),
                (el2, "2026-01-02T00:00:00+08:00"),
                (v1, "2026-06-30T23:59:00+08:00"),
            ],
        )
        await conn.execute(
            "INSERT INTO hazards (equipment_code, source, severity, description, deadline, "
            "state) VALUES ($1, 'inspection', 'general', '期外隐患', '2026-07-01', 'closed')",
            el4,
        )

    answer = await client.get("/api/v1/rates", params=PERIOD, headers=tokens.bureau())

    assert answer.status_code == 200, answer.text
    rates = answer.json()
    assert rates["inspection_rate"] == {"equipment_in_use": 6, "inspected": 4, "rate": "66.67"}
    assert rates["inspection_rates_by_category"] == [
        {"category": "2000", "equipment_in_use": 2, "inspected": 1, "rate": "50.00"},
        {"category": "3000", "equipment_in_use": 4, "inspected": 3, "rate": "75.00"},
    ]
    assert rates["inspection_rates_by_park"] == [
        {"park": "中川园区", "equipment_in_use": 3, "inspected": 3, "rate": "100.00"},
        {"park": "秦川园区", "equipment_in_use": 3, "inspected": 1, "rate": "33.33"},
    ]
    assert rates["hazard_rate"] == {"hazards_found": 2, "equipment_checked": 3, "rate": "66.67"}
    assert rates["rectification_rate"] == {
        "hazards_due": 3,
        "closed_within_deadline": 2,
        "rate": "66.67",
    }


async def test_rates_over_nothing_are_null(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    answer = await client.get(
        "/api/v1/rates", params=PERIOD, headers=tokens.headers(CallerKind.government_system)
    )

    rates = answer.json()
    assert answer.status_code == 200, answer.text
    assert rates["inspection_rate"] == {"equipment_in_use": 0, "inspected": 0, "rate": None}
    assert rates["inspection_rates_by_category"] == []
    assert rates["inspection_rates_by_park"] == []
    assert rates["hazard_rate"]["rate"] is None
    assert rates["rectification_rate"]["rate"] is None


async def test_a_period_that_ends_before_it_starts_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    backwards = await client.get(
        "/api/v1/rates",
        params={"period_start": "2026-07-01", "period_end": "2026-06-30"},
        headers=tokens.bureau(),
    )
    missing = await client.get(
        "/api/v1/rates", params={"period_start": "2026-07-01"}, headers=tokens.bureau()
    )
    by_unit = await client.get(
        "/api/v1/rates", params=PERIOD, headers=tokens.headers(CallerKind.use_unit)
    )

    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["code"] == "period_end_before_start"
    assert backwards.json()["errors"][0]["field"] == "period_end"
    assert missing.status_code == 422
    assert by_unit.status_code == 403
