"""Table 3 and Table 4 download as Excel workbooks holding the JSON answer's figures, as
numbers. The workbook is read back with python-calamine (the registry's import reader)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from python_calamine import CalamineWorkbook

from tzsb_common.testing import TokenFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Q1 = {"period_start": "2026-01-01", "period_end": "2026-03-31"}

_SEED = """
INSERT INTO organisations (organisation_id, name, kind, version)
VALUES ($1, '兰州安达电梯维保有限公司', 'maintenance_company', 1);
INSERT INTO equipment (equipment_code, category, variety, status, registered, use_unit_id,
    province, city, district, park, commissioned_on, rescue_code, rescue_sign_posted,
    record_complete, version)
SELECT '3110' || lpad(g::text, 14, '0'), '3000', '3110', 'in_use', g <> 3, gen_random_uuid(),
    '甘肃省', '兰州市', '兰州新区', CASE WHEN g <= 2 THEN '中川园区' ELSE '秦川园区' END,
    '2020-01-01', '62' || g, true, true, 1
FROM generate_series(1, 3) g;
INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id,
    valid_from, in_force_until)
SELECT '3110' || lpad(g::text, 14, '0'), gen_random_uuid(), $1::uuid, '2025-07-01',
    '2026-06-30'
FROM generate_series(1, 3) g;
"""


def sheet(content: bytes) -> list[list[Any]]:
    book = CalamineWorkbook.from_object(io.BytesIO(content))
    rows: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return rows


async def test_table_3_and_table_4_download_as_workbooks_with_the_answers_figures(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    company = uuid.uuid4()
    async with app.state.database.connection() as conn:
        await conn.execute(_SEED.replace("$1", f"'{company}'"))
    by_park = {**Q1, "group_by": "park"}

    answer = await client.get(
        "/api/v1/indicators/elevators", params=by_park, headers=tokens.bureau()
    )
    download = await client.get(
        "/api/v1/indicators/elevators",
        params={**by_park, "format": "xlsx"},
        headers=tokens.bureau(),
    )

    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == XLSX
    assert download.headers["content-disposition"].endswith('.xlsx"')
    rows = sheet(download.content)
    assert rows[0][:5] == ["省", "市", "区县", "园区", "在用数"]
    assert rows[0][-2:] == ["综合得分", "排位"]
    expected = [
        [
            row["region"]["park"],
            row["elevators_in_use"],
            row["rates"]["registration"],
            row["composite"],
            row["rank"],
        ]
        for row in answer.json()["rows"]
    ]
    assert [[r[3], r[4], r[6], r[13], r[14]] for r in rows[1:]] == expected
    assert expected[0][0] == "中川园区"
    assert expected[1][2] == 0.0  # 秦川园区: its one elevator is unregistered

    ranking = await client.get(
        "/api/v1/rankings/maintenance-companies",
        params={**Q1, "format": "xlsx"},
        headers=tokens.bureau(),
    )
    assert ranking.status_code == 200, ranking.text
    table_4 = sheet(ranking.content)
    assert table_4[0][:3] == ["维保单位", "维保数", "按期刷卡维保率"]
    assert table_4[1][:2] == ["兰州安达电梯维保有限公司", 3]
    assert table_4[1][-1] == 1
