"""Table 4 from events through Kafka: per maintenance company the eight rates over the elevators
it holds a valid contract for, plus the bureau's bonus points, ranked 1, 2, 2, 4."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import (
    contract,
    created,
    elevator,
    every,
    fetch_value,
    inspection,
    maintenance_company,
    publish,
    visit,
)
from tzsb_common.auth import CallerKind
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, eventually

URL = "/api/v1/rankings/maintenance-companies"
Q1 = {"period_start": "2026-01-01", "period_end": "2026-03-31"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


async def award(
    client: httpx.AsyncClient, tokens: TokenFactory, company: uuid.UUID, points: str, on: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/bonuses",
        json={
            "maintenance_company_id": str(company),
            "points": points,
            "reason": "2026 年一季度电梯困人救援及时",
            "awarded_on": on,
        },
        headers=tokens.bureau(),
    )


async def test_companies_are_ranked_by_composite_plus_bonus_with_shared_ranks(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    tokens: TokenFactory,
    producer: AIOKafkaProducer,
) -> None:
    names = ["甘肃永日电梯设备有限公司", "重庆米高电梯有限公司", "甘肃正盛电梯有限公司",
             "甘肃远锋电梯有限公司"]  # fmt: skip
    companies = [maintenance_company(name) for name in names]
    (yongri, _), (migao, _), (zhengsheng, _), (yuanfeng, _) = companies
    # One perfect elevator each; 远锋's has no rescue sign in the car (贴牌率 0 %).
    lifts = {
        yongri: elevator("中川园区"),
        migao: elevator("中川园区"),
        zhengsheng: elevator("秦川园区"),
        yuanfeng: elevator("秦川园区", rescue_sign_posted=False),
    }
    fortnightly = every(date(2026, 1, 1), 14, date(2026, 3, 31))
    events = [
        *(e for _, e in companies),
        *(created(lift) for lift in lifts.values()),
        *(contract(company, [lift.equipment_code]) for company, lift in lifts.items()),
        *(
            inspection(lift.equipment_code, date(2025, 9, 1), "pass", date(2026, 9, 1))
            for lift in lifts.values()
        ),
        *(
            visit(lift.equipment_code, company, on)
            for company, lift in lifts.items()
            for on in fortnightly
        ),
    ]
    await publish(producer, settings, *events)
    await eventually(
        lambda: fetch_value(
            app,
            "SELECT (SELECT count(*) FROM organisations) * 10000 "
            "+ (SELECT count(*) FROM contract_elevators) * 1000 "
            "+ (SELECT count(*) FROM inspections) * 100 + (SELECT count(*) FROM visits)",
        ),
        until=lambda value: value == 4 * 10000 + 4 * 1000 + 4 * 100 + 4 * len(fortnightly),
    )
    assert (await award(client, tokens, yongri, "4.50", "2026-02-01")).status_code == 201
    assert (await award(client, tokens, yongri, "1.50", "2026-03-31")).status_code == 201
    # Outside the period: counts in the next quarter's ranking, not this one.
    assert (await award(client, tokens, migao, "10", "2026-04-01")).status_code == 201

    answer = await client.get(URL, params=Q1, headers=tokens.bureau())

    assert answer.status_code == 200, answer.text
    rows = [
        (row["rank"], row["name"], row["elevators"], row["composite"], row["bonus_points"],
         row["score"], row["stars"])
        for row in answer.json()["rows"]
    ]  # fmt: skip
    assert rows == [
        (1, "甘肃永日电梯设备有限公司", 1, 800.0, 6.0, 806.0, 5),
        (2, "甘肃正盛电梯有限公司", 1, 800.0, 0.0, 800.0, 5),
        (2, "重庆米高电梯有限公司", 1, 800.0, 0.0, 800.0, 5),
        (4, "甘肃远锋电梯有限公司", 1, 700.0, 0.0, 700.0, 2),
    ]
    assert answer.json()["rows"][3]["rates"]["label"] == 0.0
    assert answer.json()["rows"][0]["rates"]["on_time_maintenance"] == 100.0

    in_park = await client.get(URL, params={**Q1, "park": "秦川园区"}, headers=tokens.bureau())
    assert [(r["rank"], r["name"]) for r in in_park.json()["rows"]] == [
        (1, "甘肃正盛电梯有限公司"),
        (2, "甘肃远锋电梯有限公司"),
    ]

    download = await client.get(URL, params={**Q1, "format": "csv"}, headers=tokens.bureau())
    lines = list(csv.reader(io.StringIO(download.text.removeprefix("\ufeff"))))
    assert lines[0] == [
        "维保单位",
        "维保数",
        "按期刷卡维保率",
        "综合得分",
        "加分",
        "得分",
        "星级",
        "排位",
    ]
    assert lines[1] == ["甘肃永日电梯设备有限公司", "1", "100.00", "800.00", "6.00", "806.00",
                        "5", "1"]  # fmt: skip

    audit = await client.get(
        "/api/v1/bonuses",
        params={"maintenance_company_id": str(yongri), "limit": 1},
        headers=tokens.bureau(),
    )
    assert audit.status_code == 200, audit.text
    (first,) = audit.json()["items"]
    assert first["points"] == 4.5
    assert first["awarded_by_client"] == "test-bureau"
    following = await client.get(
        "/api/v1/bonuses",
        params={"maintenance_company_id": str(yongri), "cursor": audit.json()["next_cursor"]},
        headers=tokens.bureau(),
    )
    assert [b["points"] for b in following.json()["items"]] == [1.5]
    assert following.json()["next_cursor"] is None


async def test_bonuses_are_refused_for_unknown_companies_and_zero_points_and_non_bureau(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    unknown = await award(client, tokens, uuid.uuid4(), "0", "2026-02-01")

    assert unknown.status_code == 422
    assert {(e["field"], e["code"]) for e in unknown.json()["errors"]} == {
        ("maintenance_company_id", "unknown_maintenance_company"),
        ("points", "zero_points"),
    }
    too_many = await award(client, tokens, uuid.uuid4(), "100.01", "2026-02-01")
    assert too_many.status_code == 422
    as_company = await client.post(
        "/api/v1/bonuses",
        json={"maintenance_company_id": str(uuid.uuid4()), "points": "5", "reason": "自评",
              "awarded_on": "2026-02-01"},
        headers=tokens.headers(CallerKind.maintenance_company),
    )  # fmt: skip
    assert as_company.status_code == 403
