"""The elevator indicators (Table 3) from events that travel through Kafka: registry
snapshots, contracts, inspection results and visits are published to the real topics, the
read-model consumers apply them, and the endpoint answers what a hand count of the same
elevators gives."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting.indicators.rules import Indicator
from reporting_factories import (
    contract,
    created,
    elevator,
    event,
    every,
    fetch_value,
    inspection,
    publish,
    visit,
)
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.registry import EquipmentStatusChangedV1, EquipmentUpdatedV1
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, eventually

URL = "/api/v1/indicators/elevators"
Q1 = {"period_start": "2026-01-01", "period_end": "2026-03-31"}


INDICATOR_NAMES = [indicator.value for indicator in Indicator]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


async def get(client: httpx.AsyncClient, tokens: TokenFactory, **params: str) -> httpx.Response:
    return await client.get(URL, params=params, headers=tokens.bureau())


async def test_the_indicators_answer_a_hand_count_of_elevators_fed_through_kafka(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    tokens: TokenFactory,
    producer: AIOKafkaProducer,
) -> None:
    company, on_demand_company = uuid.uuid4(), uuid.uuid4()
    # 中川园区: four elevators in use on 31 March, one suspended, one crane.
    e1 = elevator("中川园区")  # meets every indicator
    e2 = elevator("中川园区", factory_number=None, rescue_sign_posted=False)
    e3 = elevator(
        "中川园区", registration_number=None, registered=False, rescue_code=None
    )  # no contract, no inspection, no visit
    e6 = elevator("中川园区", commissioned_on=date(2026, 3, 25))  # new: 6 days without a visit
    e4 = elevator("中川园区")
    e4_suspended = e4.model_copy(update={"status": "suspended", "version": 2})
    crane = elevator(
        "中川园区", equipment_code=f"4110{random.randrange(10**14):014d}", category="4000",
        variety="4110",
    )  # fmt: skip
    # 秦川园区: on-demand maintenance (按需维保) every 28 days, allowed by its 30-day contract.
    e7 = elevator("秦川园区")
    # 西岔园区: perfect, as 秦川 is: the two tie.
    e8 = elevator("西岔园区")
    # Another district, outside every filter below but the city's.
    e9 = elevator("城关园区", region={"province": "甘肃省", "city": "兰州市", "district": "城关区"})

    q1_end = date(2026, 3, 31)
    fortnightly = every(date(2026, 1, 1), 14, q1_end)  # 1 Jan … 26 Mar
    moved = uuid.uuid4()
    repeated = visit(e1.equipment_code, company, fortnightly[1])
    events = [
        *(created(e) for e in (e1, e2, e3, e4, e6, e7, e8, e9, crane)),
        event(
            EquipmentStatusChangedV1(
                equipment=e4_suspended,
                from_status="in_use",
                to_status="suspended",
                reason="停用",
                effective_on=date(2026, 2, 1),
            ),
            e4.equipment_code,
        ),
        # An older state arriving after the newer one (a republished snapshot) is ignored.
        event(EquipmentUpdatedV1(equipment=e4, changed_fields=[]), e4.equipment_code),
        contract(company, [e1.equipment_code, e2.equipment_code, e6.equipment_code]),
        contract(company, [e8.equipment_code, e9.equipment_code]),
        contract(on_demand_company, [e7.equipment_code], interval_days=30),
        inspection(e1.equipment_code, date(2025, 6, 1), "pass", date(2026, 6, 1)),
        inspection(e2.equipment_code, date(2025, 5, 1), "pass", date(2026, 5, 1)),
        inspection(e2.equipment_code, date(2026, 2, 15), "fail", None),  # the latest counts
        inspection(e6.equipment_code, date(2026, 3, 20), "pass", date(2027, 3, 20)),
        inspection(
            e7.equipment_code, date(2025, 9, 1), "pass_after_reinspection", date(2026, 9, 1)
        ),
        inspection(e8.equipment_code, date(2025, 9, 1), "pass", date(2026, 9, 1)),
        *(visit(e1.equipment_code, company, on) for on in fortnightly if on != fortnightly[1]),
        repeated,
        repeated,  # delivered twice: one visit
        visit(e2.equipment_code, company, date(2026, 1, 5)),
        visit(e2.equipment_code, company, date(2026, 2, 10)),
        visit(e2.equipment_code, company, date(2026, 3, 3), visit_id=moved),
        visit(e2.equipment_code, company, date(2026, 2, 26), visit_id=moved),  # re-published
        *(
            visit(e7.equipment_code, on_demand_company, on)
            for on in every(date(2026, 1, 1), 28, q1_end)
        ),
        *(visit(e8.equipment_code, company, on) for on in fortnightly),
        *(visit(e9.equipment_code, company, on) for on in fortnightly),
    ]
    await publish(producer, settings, *events)
    expected_visits = len(fortnightly) * 3 + 3 + 4
    await eventually(
        lambda: fetch_value(
            app,
            "SELECT (SELECT count(*) FROM equipment WHERE version = "
            "CASE WHEN equipment_code = $1 THEN 2 ELSE 1 END) * 1000000 "
            "+ (SELECT count(*) FROM contract_elevators) * 10000 "
            "+ (SELECT count(*) FROM inspections) * 100 + (SELECT count(*) FROM visits)",
            e4.equipment_code,
        ),
        until=lambda value: value == 9 * 1000000 + 6 * 10000 + 6 * 100 + expected_visits,
    )
    # Every equipment event was applied, the stale one last: E4 stays at version 2, suspended.
    await eventually(
        lambda: fetch_value(
            app, "SELECT count(*) FROM inbox WHERE consumer = 'equipment-read-model'"
        ),
        until=lambda value: value == 11,
    )
    assert (
        await fetch_value(
            app, "SELECT status FROM equipment WHERE equipment_code = $1", e4.equipment_code
        )
        == "suspended"
    )
    # The re-published visit moved from March to February: its March no longer counts, and
    # February's visits follow on from 5 January.
    await eventually(
        lambda: fetch_value(
            app,
            "SELECT string_agg(concat_ws(':', to_char(month, 'MM'), visits, longest_gap_days, "
            "to_char(previous_visit_on, 'MM-DD')), ',' ORDER BY month) "
            "FROM elevator_visit_months WHERE equipment_code = $1",
            e2.equipment_code,
        ),
        until=lambda value: value == "01:1:0,02:2:16:01-05",
    )
    assert await fetch_value(
        app,
        "SELECT visits FROM elevator_visit_months WHERE equipment_code = $1 AND month = $2",
        e1.equipment_code,
        date(2026, 1, 1),
    ) == len([d for d in fortnightly if d.month == 1])

    # 中川园区 over Q1, counted by hand over E1, E2, E3, E6 (E4 suspended, the crane no lift):
    # complete E1 E6; registered E1 E2 E6; inspected E1 E6 (E2 failed last); contract E1 E2 E6;
    # swiped E1 E2; on time E1 E6 (E2: 36 days from 5 Jan to 10 Feb); rescue code E1 E2 E6;
    # sign E1 E3 E6.
    zhongchuan = await get(client, tokens, **Q1, park="中川园区")
    assert zhongchuan.status_code == 200, zhongchuan.text
    assert zhongchuan.json() == {
        "region": {"province": None, "city": None, "district": None, "park": "中川园区"},
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "elevators_in_use": 4,
        "rates": {
            "record_completeness": 50.0,
            "registration": 75.0,
            "inspection": 50.0,
            "contract_validity": 75.0,
            "swipe_maintenance": 50.0,
            "on_time_maintenance": 50.0,
            "emergency_platform": 75.0,
            "label": 75.0,
        },
        "composite": 500.0,
        "definition_versions": dict.fromkeys(INDICATOR_NAMES, 1),
    }

    # The same park from 10 January to 20 March (edge months read from the visits): E6 is
    # commissioned after the period, so E1 E2 E3 are in use. E2's first visit in the period is
    # on 10 February, 31 days in: late. 1/3 = 33.33, 2/3 = 66.67, and the composite adds the
    # rounded rates: 3 × 33.33 + 5 × 66.67 = 433.34.
    cut = await get(
        client, tokens, period_start="2026-01-10", period_end="2026-03-20", park="中川园区"
    )
    assert cut.status_code == 200, cut.text
    assert cut.json()["elevators_in_use"] == 3
    assert cut.json()["rates"] == {
        "record_completeness": 33.33,
        "registration": 66.67,
        "inspection": 33.33,
        "contract_validity": 66.67,
        "swipe_maintenance": 66.67,
        "on_time_maintenance": 33.33,
        "emergency_platform": 66.67,
        "label": 66.67,
    }
    assert cut.json()["composite"] == 433.34

    # Table 3 for the district: 秦川 and 西岔 tie at 800 (秦川 only thanks to its 30-day
    # contract interval), 中川 is third.
    table = await get(client, tokens, **Q1, district="兰州新区", group_by="park")
    assert table.status_code == 200, table.text
    rows = [
        (row["rank"], row["region"]["park"], row["elevators_in_use"], row["composite"])
        for row in table.json()["rows"]
    ]
    assert rows == [
        (1, "秦川园区", 1, 800.0),
        (1, "西岔园区", 1, 800.0),
        (3, "中川园区", 4, 500.0),
    ]
    assert table.json()["rows"][0]["region"] == {
        "province": "甘肃省",
        "city": "兰州市",
        "district": "兰州新区",
        "park": "秦川园区",
    }

    by_district = await get(client, tokens, **Q1, city="兰州市", group_by="district")
    assert [
        (row["rank"], row["region"]["district"], row["elevators_in_use"])
        for row in by_district.json()["rows"]
    ] == [(1, "城关区", 1), (2, "兰州新区", 6)]

    download = await get(client, tokens, **Q1, district="兰州新区", group_by="park", format="csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(download.text.removeprefix("\ufeff"))))
    assert lines[0][:5] == ["省", "市", "区县", "园区", "在用数"]
    assert lines[0][-2:] == ["综合得分", "排位"]
    assert lines[3] == [
        "甘肃省", "兰州市", "兰州新区", "中川园区", "4",
        "50.00", "75.00", "50.00", "75.00", "50.00", "50.00", "75.00", "75.00", "500.00", "3",
    ]  # fmt: skip


async def test_a_region_without_elevators_answers_null_rates_not_a_division_by_zero(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answer = await get(client, tokens, **Q1, park="无此园区")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["elevators_in_use"] == 0
    assert body["composite"] is None
    assert set(body["rates"]) == {
        "record_completeness",
        "registration",
        "inspection",
        "contract_validity",
        "swipe_maintenance",
        "on_time_maintenance",
        "emergency_platform",
        "label",
    }
    assert all(rate is None for rate in body["rates"].values())
    grouped = await get(client, tokens, **Q1, park="无此园区", group_by="park")
    assert grouped.json()["rows"] == []


async def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answer = await get(client, tokens, period_start="2026-03-31", period_end="2026-01-01")

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert error["field"] == "period_end"
    assert error["code"] == "period_end_before_start"


async def test_only_the_bureau_and_government_systems_read_the_indicators(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    assert (await client.get(URL, params=Q1)).status_code == 401
    for kind in (CallerKind.use_unit, CallerKind.maintenance_company):
        answer = await client.get(URL, params=Q1, headers=tokens.headers(kind))
        assert answer.status_code == 403
    answer = await client.get(URL, params=Q1, headers=tokens.headers(CallerKind.government_system))
    assert answer.status_code == 200
