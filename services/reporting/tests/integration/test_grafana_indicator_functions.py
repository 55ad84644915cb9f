"""The dashboards' Table 3 and Table 4 functions (schema `grafana`) publish the figures the
API publishes for the same period: the same rates, composite and rank per park, and the same
score and rank per company, over whole months and a month in progress."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import (
    SHANGHAI,
    created,
    elevator,
    event,
    every,
    fetch_value,
    inspection,
    maintenance_company,
    publish,
    visit,
)
from tzsb_common.contracts.registry import ContractCreatedV1, ContractSnapshot
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, eventually

RATES = (
    "record_completeness",
    "registration",
    "inspection",
    "contract_validity",
    "swipe_maintenance",
    "on_time_maintenance",
    "emergency_platform",
    "label",
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True, "report_cache_seconds": 0}


def _contract(company: uuid.UUID, codes: list[str], start: date) -> tuple[EventPayload, CloudEvent]:
    snapshot = ContractSnapshot(
        contract_id=uuid.uuid4(),
        maintenance_company_id=company,
        equipment_codes=codes,
        valid_from=start - timedelta(days=200),
        valid_to=start + timedelta(days=700),
        maintenance_interval_days=None,
        status="active",
        terminated_on=None,
        termination_reason=None,
        in_force_until=start + timedelta(days=700),
        version=1,
    )
    return event(ContractCreatedV1(contract=snapshot), str(snapshot.contract_id))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


async def test_the_dashboard_functions_agree_with_the_indicator_and_ranking_api(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    start = (today.replace(day=1) - timedelta(days=70)).replace(day=1)  # two whole months back
    anda, anda_created = maintenance_company("兰州安达电梯维保有限公司")
    yongri, yongri_created = maintenance_company("兰州永日电梯维保有限公司")
    commissioned = {"commissioned_on": date(2020, 1, 15)}
    lifts = [
        elevator("中川园区", **commissioned),
        elevator("中川园区", manufacturer=None, **commissioned),  # record incomplete
        elevator("中川园区", rescue_code=None, **commissioned),
        elevator("秦川园区", rescue_sign_posted=False, **commissioned),
        elevator("秦川园区", **commissioned),
        elevator("西岔园区", **commissioned),
    ]
    codes = [lift.equipment_code for lift in lifts]
    events = [anda_created, yongri_created, *(created(lift) for lift in lifts)]
    events += [_contract(anda, codes[:3], start), _contract(yongri, codes[3:5], start)]
    events += [
        inspection(code, start - timedelta(days=30), "pass", start + timedelta(days=335))
        for code in codes[:5]
    ]
    # Every 10 days: on time; every 20: visited but late; the last two never visited.
    visits = [visit(codes[0], anda, day) for day in every(start, 10, today)]
    visits += [visit(codes[1], anda, day) for day in every(start, 20, today)]
    visits += [visit(codes[3], yongri, day) for day in every(start + timedelta(days=2), 10, today)]
    visits += [visit(codes[4], yongri, day) for day in every(start, 12, today)]
    await publish(producer, settings, *events, *visits)
    held = await eventually(
        lambda: fetch_value(
            app,
            "SELECT (SELECT count(*) FROM equipment) || ',' || (SELECT count(*) FROM visits) "
            "|| ',' || (SELECT count(*) FROM inspections) || ',' "
            "|| (SELECT count(*) FROM contract_elevators) || ',' "
            "|| (SELECT count(*) FROM organisations)",
        ),
        until=lambda value: value == f"6,{len(visits)},5,5,2",
    )
    assert held == f"6,{len(visits)},5,5,2"

    awarded = await client.post(
        "/api/v1/bonuses",
        json={
            "maintenance_company_id": str(yongri),
            "points": "2.5",
            "reason": "困人救援及时",
            "awarded_on": start.isoformat(),
        },
        headers=tokens.bureau(),
    )
    assert awarded.status_code == 201, awarded.text
    # A month in progress (to today), then whole months only (to the last day of last month).
    parks_now = await _compare(app, client, tokens, start, today)
    # 中川园区: one elevator visited on time, one late, one never: a third on time.
    assert parks_now["中川园区"][2 + RATES.index("on_time_maintenance")] == 33.33
    assert parks_now["秦川园区"][2 + RATES.index("label")] == 50.0
    await _compare(app, client, tokens, start, today.replace(day=1) - timedelta(days=1))


async def _compare(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, start: date, end: date
) -> dict[str, tuple[Any, ...]]:
    """Compare the functions with the API over one period; the API's rows per park."""
    period = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    table3 = await client.get(
        "/api/v1/indicators/elevators",
        params={**period, "group_by": "park"},
        headers=tokens.bureau(),
    )
    assert table3.status_code == 200, table3.text
    table4 = await client.get(
        "/api/v1/rankings/maintenance-companies", params=period, headers=tokens.bureau()
    )
    assert table4.status_code == 200, table4.text

    async with app.state.database.connection() as conn:
        parks = await conn.fetch(
            "SELECT * FROM grafana.elevator_indicators_by_park($1, $2)", start, end
        )
        companies = await conn.fetch(
            "SELECT * FROM grafana.maintenance_company_ranking($1, $2)", start, end
        )

    expected_parks = {
        row["region"]["park"]: (
            row["rank"],
            row["elevators_in_use"],
            *(row["rates"][rate] for rate in RATES),
            row["composite"],
        )
        for row in table3.json()["rows"]
    }
    assert {
        row["park"]: (
            row["rank"],
            row["elevators_in_use"],
            *(_number(row[rate]) for rate in RATES),
            _number(row["composite"]),
        )
        for row in parks
    } == expected_parks

    expected_companies = {
        row["name"]: (
            row["rank"],
            row["elevators"],
            row["composite"],
            row["bonus_points"],
            row["score"],
        )
        for row in table4.json()["rows"]
    }
    assert {
        row["company"]: (
            row["rank"],
            row["elevators"],
            _number(row["composite"]),
            _number(row["bonus"]),
            _number(row["score"]),
        )
        for row in companies
    } == expected_companies
    assert sorted(figures[3] for figures in expected_companies.values()) == [0.0, 2.5]
    return expected_parks
