"""The Lanzhou seed's Table 3 row for 兰州新区, reproduced: 99.97 + 100 + 100 + 97.79 + 94.11
+ 90.29 + 99.96 + 96 = 778.12.

6,692 is the smallest fleet in which every one of the eight rates is a whole number of
elevators (no smaller one gives both 99.97 and 99.96, and 94.11 with them). The read-model rows
are written directly, as the consumers would leave them: the way through Kafka is
test_elevator_indicators.py's; this one pins the arithmetic at the seed's figures."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from reporting.indicators.rules import Indicator
from tzsb_common.testing import TokenFactory

FLEET = 6692
COMPLETE = 6690  # 99.97: two records lack their factory number
CONTRACTED = 6544  # 97.79
SWIPED = 6298  # 94.11
ON_TIME = 6042  # 90.29: the other swiped ones were first visited 19 days into December
ON_PLATFORM = 6689  # 99.96
LABELLED = 6424  # 96.00

_SEED = f"""
INSERT INTO equipment (equipment_code, category, variety, status, registered,
    registration_number, use_unit_id, province, city, district, park, manufacturer,
    factory_number, manufactured_on, commissioned_on, address, lat, lon, rated_load_kg,
    rated_speed_ms, stops, rescue_code, rescue_sign_posted, record_complete, version)
SELECT '3110' || lpad(g::text, 14, '0'), '3000', '3110', 'in_use', true, '梯11甘A' || g,
    gen_random_uuid(), '甘肃省', '兰州市', '兰州新区', '中川园区', '兰州电梯',
    CASE WHEN g > {FLEET - COMPLETE} THEN 'F' || g END, '2015-01-01', '2016-01-01', '纬一路',
    36.51, 103.62, 1000, 1.75, 18, CASE WHEN g <= {ON_PLATFORM} THEN '62' || g END,
    g <= {LABELLED}, g > {FLEET - COMPLETE}, 1
FROM generate_series(1, {FLEET}) g;
INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id, valid_from,
    in_force_until)
SELECT '3110' || lpad(g::text, 14, '0'), gen_random_uuid(), gen_random_uuid(), '2020-01-01',
    '2021-12-31'
FROM generate_series(1, {CONTRACTED}) g;
INSERT INTO inspections (inspection_id, equipment_code, agency_id, report_number, kind,
    inspected_on, conclusion, valid, next_due_on, hazards_found, recorded_at)
SELECT gen_random_uuid(), '3110' || lpad(g::text, 14, '0'), gen_random_uuid(), 'R' || g,
    'periodic', '2020-07-01', 'pass', true, '2021-07-01', 0, now()
FROM generate_series(1, {FLEET}) g;
INSERT INTO elevator_visit_months (equipment_code, month, visits, first_visit_on, last_visit_on,
    longest_gap_days, previous_visit_on)
SELECT '3110' || lpad(g::text, 14, '0'), '2020-12-01', 2, '2020-12-10', '2020-12-24', 14,
    '2020-11-26'
FROM generate_series(1, {ON_TIME}) g;
INSERT INTO elevator_visit_months (equipment_code, month, visits, first_visit_on, last_visit_on,
    longest_gap_days, previous_visit_on)
SELECT '3110' || lpad(g::text, 14, '0'), '2020-12-01', 1, '2020-12-20', '2020-12-20', 0,
    '2020-11-26'
FROM generate_series({ON_TIME + 1}, {SWIPED}) g;
"""  # noqa: S608 (constants of this module)


INDICATOR_NAMES = [indicator.value for indicator in Indicator]


async def test_the_seeds_table_3_row_is_reproduced_to_the_hundredth(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    async with app.state.database.connection() as conn:
        await conn.execute(_SEED)

    answer = await client.get(
        "/api/v1/indicators/elevators",
        params={"period_start": "2020-12-01", "period_end": "2020-12-31", "district": "兰州新区"},
        headers=tokens.bureau(),
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "region": {"province": None, "city": None, "district": "兰州新区", "park": None},
        "period_start": "2020-12-01",
        "period_end": "2020-12-31",
        "elevators_in_use": FLEET,
        "rates": {
            "record_completeness": 99.97,
            "registration": 100.0,
            "inspection": 100.0,
            "contract_validity": 97.79,
            "swipe_maintenance": 94.11,
            "on_time_maintenance": 90.29,
            "emergency_platform": 99.96,
            "label": 96.0,
        },
        "composite": 778.12,
        "definition_versions": dict.fromkeys(INDICATOR_NAMES, 1),
    }
