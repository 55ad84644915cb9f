"""The quarterly contractor rating (维保单位季度评级): previewed, published once, the formula
beside each score, only companies with enough elevators rated, and appeals with outcomes.

The read-model rows are written as the consumers would leave them (the way through Kafka is
test_elevator_indicators.py's): every elevator complete, registered, on the platform and
labelled, under contract, neither inspected nor visited — 100 + 100 + 0 + 100 + 0 + 0 + 100 +
100 = 500 for a company whose elevators all carry the sign."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

URL = "/api/v1/ratings/maintenance-companies"
Q1 = {"year": 2026, "quarter": 1}

_SEED = """
INSERT INTO organisations (organisation_id, name, kind, version)
VALUES ($1, '兰州安达电梯维保有限公司', 'maintenance_company', 1),
       ($2, '兰州博远电梯工程有限公司', 'maintenance_company', 1),
       ($3, '兰州小型电梯服务部', 'maintenance_company', 1);
INSERT INTO equipment (equipment_code, category, variety, status, registered, use_unit_id,
    province, city, district, park, commissioned_on, rescue_code, rescue_sign_posted,
    record_complete, version)
SELECT '3110' || lpad(g::text, 14, '0'), '3000', '3110', 'in_use', true, gen_random_uuid(),
    '甘肃省', '兰州市', '兰州新区', '中川园区', '2020-01-01', '62' || g, g <> 7, true, 1
FROM generate_series(1, 15) g;
INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id,
    valid_from, in_force_until)
SELECT '3110' || lpad(g::text, 14, '0'), gen_random_uuid(),
    CASE WHEN g <= 6 THEN $1::uuid WHEN g <= 11 THEN $2::uuid ELSE $3::uuid END,
    '2025-07-01', '2026-06-30'
FROM generate_series(1, 15) g;
"""


async def test_a_quarter_is_rated_published_once_and_appealed(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    anda, boyuan, small = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with app.state.database.connection() as conn:
        await conn.execute(_SEED.replace("$1", f"'{anda}'").replace("$2", f"'{boyuan}'")
                           .replace("$3", f"'{small}'"))  # fmt: skip
    bonus = await client.post(
        "/api/v1/bonuses",
        json={
            "maintenance_company_id": str(anda),
            "points": 6,
            "reason": "应急救援演练表现突出",
            "awarded_on": "2026-02-10",
        },
        headers=tokens.bureau(),
    )
    assert bonus.status_code == 201, bonus.text

    preview = await client.get(URL, params=Q1, headers=tokens.headers(CallerKind.use_unit))
    assert preview.status_code == 200, preview.text
    assert preview.json()["published"] is False
    assert [
        (r["company_name"], r["elevators"], r["score"], r["rank"], r["rating_id"])
        for r in preview.json()["ratings"]
    ] == [
        ("兰州安达电梯维保有限公司", 6, 506.0, 1, None),
        ("兰州博远电梯工程有限公司", 5, 480.0, 2, None),  # one car without the sign: 80 %
    ]
    assert preview.json()["ratings"][0]["formula"] == (
        "档案信息完整率 100.00 + 登记率 100.00 + 检验率 0.00 + 维保合同有效率 100.00 + "
        "刷卡维保率 0.00 + 按期维保率 0.00 + 处置平台进入率 100.00 + 贴牌率 100.00 + "
        "加分 6.00 = 506.00"
    )
    assert preview.json()["not_rated"] == [
        {"maintenance_company_id": str(small), "company_name": "兰州小型电梯服务部", "elevators": 4}
    ]
    assert preview.json()["minimum_elevators"] == 5

    refused = await client.post(URL, json=Q1, headers=tokens.headers(CallerKind.government_system))
    published = await client.post(URL, json=Q1, headers=tokens.bureau())
    again = await client.post(URL, json=Q1, headers=tokens.bureau())

    assert refused.status_code == 403
    assert published.status_code == 201, published.text
    ratings = published.json()["ratings"]
    assert published.json()["published"] is True
    assert [(r["score"], r["rank"]) for r in ratings] == [(506.0, 1), (480.0, 2)]
    assert all(r["rating_id"] for r in ratings)
    assert again.status_code == 409
    assert again.json()["code"] == "already_published"

    boyuan_rating = ratings[1]["rating_id"]
    appeals = f"/api/v1/ratings/{boyuan_rating}/appeals"
    as_boyuan = tokens.headers(CallerKind.maintenance_company, organisation_id=boyuan)
    as_anda = tokens.headers(CallerKind.maintenance_company, organisation_id=anda)
    not_theirs = await client.post(appeals, json={"reason": "不服"}, headers=as_anda)
    appeal = await client.post(
        appeals, json={"reason": "7 号梯的标识已张贴，照片附后"}, headers=as_boyuan
    )
    second = await client.post(appeals, json={"reason": "再次申诉"}, headers=as_boyuan)

    assert not_theirs.status_code == 403
    assert not_theirs.json()["code"] == "not_own_rating"
    assert appeal.status_code == 201, appeal.text
    assert appeal.json()["status"] == "pending"
    assert second.status_code == 409
    assert second.json()["code"] == "appeal_pending"

    decision = f"{appeals}/{appeal.json()['appeal_id']}/decision"
    contradictory = await client.post(
        decision,
        json={"outcome": "dismissed", "reason": "证据不足", "revised_score": 500},
        headers=tokens.bureau(),
    )
    upheld = await client.post(
        decision,
        json={"outcome": "upheld", "reason": "现场核实标识已张贴", "revised_score": 500},
        headers=tokens.bureau(),
    )
    twice = await client.post(
        decision, json={"outcome": "dismissed", "reason": "重复"}, headers=tokens.bureau()
    )

    assert contradictory.status_code == 422
    assert contradictory.json()["errors"][0]["code"] == "revised_score_needs_upheld"
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["status"] == "upheld"
    assert twice.status_code == 409
    assert twice.json()["code"] == "appeal_decided"
    rating = await client.get(f"/api/v1/ratings/{boyuan_rating}", headers=as_boyuan)
    assert rating.status_code == 200
    assert (rating.json()["score"], rating.json()["score_after_appeal"]) == (480.0, 500.0)
    assert [a["decision_reason"] for a in rating.json()["appeals"]] == ["现场核实标识已张贴"]
    listed = await client.get(URL, params=Q1, headers=tokens.bureau())
    assert listed.json()["ratings"][1]["score_after_appeal"] == 500.0
    assert (
        await client.get(f"/api/v1/ratings/{uuid.uuid4()}", headers=as_boyuan)
    ).status_code == 404


async def test_a_quarter_without_a_company_to_rate_is_not_published(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    preview = await client.get(URL, params=Q1, headers=tokens.bureau())
    published = await client.post(URL, json=Q1, headers=tokens.bureau())

    assert (preview.json()["ratings"], preview.json()["published"]) == ([], False)
    assert published.status_code == 409
    assert published.json()["code"] == "nothing_to_rate"


_RESCUES = """
INSERT INTO rescue_incidents (incident_id, equipment_code, maintenance_company_id, state,
    state_rank, dispatched_at, arrival_due_at, arrived_at, acknowledgement_overdue)
VALUES
    -- 安达: one late arrival (a breach), one in time, one late but in the next quarter
    (gen_random_uuid(), '311000000000000001', $1, 'arrived', 2,
     '2026-02-01 08:00+08', '2026-02-01 08:30+08', '2026-02-01 08:45+08', false),
    (gen_random_uuid(), '311000000000000002', $1, 'arrived', 2,
     '2026-02-02 08:00+08', '2026-02-02 08:30+08', '2026-02-02 08:20+08', false),
    (gen_random_uuid(), '311000000000000003', $1, 'arrived', 2,
     '2026-04-01 08:00+08', '2026-04-01 08:30+08', '2026-04-01 09:00+08', false),
    -- 博远: never reached, deadline passed (a breach); dispatched ten minutes before the
    -- quarter ended, its deadline in the next quarter (not a breach of this one)
    (gen_random_uuid(), '311000000000000007', $2, 'dispatched', 0,
     '2026-03-10 08:00+08', '2026-03-10 09:00+08', NULL, false),
    (gen_random_uuid(), '311000000000000008', $2, 'dispatched', 0,
     '2026-03-31 23:50+08', '2026-04-01 00:20+08', NULL, false)
"""


async def test_a_rescue_not_reached_in_time_costs_its_company_points_in_the_quarter(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    anda, boyuan, small = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with app.state.database.connection() as conn:
        await conn.execute(_SEED.replace("$1", f"'{anda}'").replace("$2", f"'{boyuan}'")
                           .replace("$3", f"'{small}'"))  # fmt: skip
        await conn.execute(_RESCUES.replace("$1", f"'{anda}'").replace("$2", f"'{boyuan}'"))

    preview = await client.get(URL, params=Q1, headers=tokens.bureau())

    assert preview.status_code == 200, preview.text
    ratings = preview.json()["ratings"]
    assert [
        (r["company_name"], r["rescue_breaches"], r["rescue_deduction"], r["score"], r["rank"])
        for r in ratings
    ] == [
        ("兰州安达电梯维保有限公司", 1, 5.0, 495.0, 1),  # 500 − 5
        ("兰州博远电梯工程有限公司", 1, 5.0, 475.0, 2),  # 480 − 5
    ]
    assert ratings[0]["formula"].endswith("加分 0.00 - 救援超时 1 × 5.00 = 495.00")
    assert "救援超时扣分" in preview.json()["formula"]
