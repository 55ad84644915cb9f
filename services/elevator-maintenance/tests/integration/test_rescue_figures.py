"""GET /api/v1/rescue-figures: the figures of a seeded month match a hand count."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from maintenance_factories import contract_snapshot, elevator_snapshot, seed
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISTRICT = "甘肃省/兰州市/兰州新区"


async def seed_incident(
    app: FastAPI,
    *,
    company: uuid.UUID,
    elevator: str,
    dispatched_at: datetime,
    acknowledged: float | None = None,
    arrived: float | None = None,
    released: float | None = None,
) -> None:
    """An incident as the steps would have left it, its times in minutes after dispatch."""

    def after(minutes: float | None) -> datetime | None:
        return dispatched_at + timedelta(minutes=minutes) if minutes is not None else None

    status = (
        "released"
        if released is not None
        else "arrived"
        if arrived is not None
        else "acknowledged"
        if acknowledged is not None
        else "dispatched"
    )
    async with app.state.database.transaction() as conn:
        await conn.execute(
            "INSERT INTO rescue_incidents (id, equipment_code, source, reported_at, reported_by, "
            "maintenance_company_id, use_unit_id, province, city, district, urban, "
            "dispatched_at, acknowledge_due_at, escalate_at, arrival_due_at, status, "
            "acknowledged_at, arrived_at, released_at, people_freed, fault_cause) "
            "VALUES ($1, $2, 'call_centre', $3, 'seed', $4, $5, '甘肃省', '兰州市', '兰州新区', "
            "true, $3, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            uuid.uuid4(),
            elevator,
            dispatched_at,
            company,
            uuid.uuid4(),
            dispatched_at + timedelta(minutes=3),
            dispatched_at + timedelta(minutes=20),
            dispatched_at + timedelta(minutes=30),
            status,
            after(acknowledged),
            after(arrived),
            after(released),
            1 if released is not None else None,
            "door_system" if released is not None else None,
        )


async def test_the_figures_of_a_seeded_month_match_a_hand_count(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    busy, quiet = uuid.uuid4(), uuid.uuid4()
    busy_lifts = [elevator_snapshot() for _ in range(4)]
    quiet_lifts = [elevator_snapshot() for _ in range(2)]
    await seed(
        app,
        elevators=busy_lifts + quiet_lifts,
        contracts=[
            contract_snapshot(busy, [e["equipment_code"] for e in busy_lifts]),
            contract_snapshot(quiet, [e["equipment_code"] for e in quiet_lifts]),
        ],
    )
    lift = busy_lifts[0]["equipment_code"]
    october = datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)
    # In October: acknowledged at 2, 3 (on the limit), 4 minutes and never; arrived at 12,
    # 30 (on the limit), 41 minutes and never; released 8, 5 and 6 minutes after arriving.
    await seed_incident(
        app,
        company=busy,
        elevator=lift,
        dispatched_at=october,
        acknowledged=2,
        arrived=12,
        released=20,
    )
    await seed_incident(
        app,
        company=busy,
        elevator=lift,
        dispatched_at=october + timedelta(days=1),
        acknowledged=3,
        arrived=30,
        released=35,
    )
    await seed_incident(
        app,
        company=busy,
        elevator=lift,
        dispatched_at=october + timedelta(days=2),
        acknowledged=4,
        arrived=41,
        released=47,
    )
    await seed_incident(app, company=busy, elevator=lift, dispatched_at=october + timedelta(days=3))
    # Just outside October in Shanghai time, though inside it in UTC for the first.
    await seed_incident(
        app,
        company=busy,
        elevator=lift,
        dispatched_at=datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI) + timedelta(minutes=0),
        acknowledged=1,
        arrived=5,
        released=6,
    )
    await seed_incident(
        app,
        company=busy,
        elevator=lift,
        dispatched_at=datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI),
        acknowledged=1,
        arrived=5,
        released=6,
    )
    period = {"period_start": "2026-10-01", "period_end": "2026-10-31"}

    by_company = await client.get(
        "/api/v1/rescue-figures",
        params={**period, "group_by": "company"},
        headers=tokens.bureau(),
    )

    assert by_company.status_code == 200, by_company.text
    assert by_company.json()["months"] == "1"
    groups = {g["group"]: g for g in by_company.json()["groups"]}
    assert groups[str(busy)] == {
        "group": str(busy),
        "elevators": 4,
        "incidents": 4,
        "people_freed": 3,
        "acknowledged_in_3_min": 2,
        "arrived_in_30_min": 2,
        "response_in_3_min_pct": "50.00",
        "arrival_in_30_min_pct": "50.00",
        "average_arrival_minutes": "27.67",  # (12 + 30 + 41) / 3
        "average_rescue_minutes": "6.33",  # (8 + 5 + 6) / 3
        "trapping_rate_per_1000_per_month": "1000.00",  # 4 × 1,000 / 4 elevators / 1 month
    }
    # No incident: nothing to divide by for the rates, none trapped per 1,000 elevators.
    assert groups[str(quiet)] == {
        "group": str(quiet),
        "elevators": 2,
        "incidents": 0,
        "people_freed": 0,
        "acknowledged_in_3_min": 0,
        "arrived_in_30_min": 0,
        "response_in_3_min_pct": None,
        "arrival_in_30_min_pct": None,
        "average_arrival_minutes": None,
        "average_rescue_minutes": None,
        "trapping_rate_per_1000_per_month": "0.00",
    }

    by_district = await client.get(
        "/api/v1/rescue-figures",
        params={**period, "group_by": "district"},
        headers=tokens.headers(CallerKind.government_system),
    )
    (district,) = by_district.json()["groups"]
    assert district["group"] == DISTRICT
    assert district["elevators"] == 6
    assert district["incidents"] == 4
    assert district["trapping_rate_per_1000_per_month"] == "666.67"  # 4 × 1,000 / 6


async def test_figures_are_for_the_supervisors_and_a_reversed_period_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = tokens.headers(CallerKind.maintenance_company)
    period = {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    assert (
        await client.get("/api/v1/rescue-figures", params=period, headers=company)
    ).status_code == 403
    reversed_period = await client.get(
        "/api/v1/rescue-figures",
        params={"period_start": "2026-10-31", "period_end": "2026-10-01"},
        headers=tokens.bureau(),
    )
    assert reversed_period.status_code == 422
    assert reversed_period.json()["errors"][0]["code"] == "period_reversed"
    empty = await client.get("/api/v1/rescue-figures", params=period, headers=tokens.bureau())
    assert empty.json()["groups"] == []
