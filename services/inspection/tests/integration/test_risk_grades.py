"""GET /api/v1/risk-grades: use units graded A–D from the year's hazards, overdue equipment and
failed inspections, with the default weights (general 1, major 5, overdue 3, failed 3) and bands
(B from 3, C from 8, D from 15).

| unit | in the year ending 2026-11-25 | score | grade |
| --- | --- | --- | --- |
| quiet | nothing | 0 | A |
| below_b | 2 general hazards | 2 | A |
| at_b | 3 general, the first and last instants of the year among them (one a minute early, not counted) | 3 | B |
| at_c | 1 major hazard, 1 failed inspection (another a day before the year, not counted) | 8 | C |
| at_d | 2 major hazards, 1 piece gone overdue (its 超期未检 hazard is not counted as a hazard), 1 failed inspection | 16 | D |
"""  # noqa: E501

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from inspection_factories import inspection, seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

TODAY = date(2026, 11, 25)
SHANGHAI = ZoneInfo("Asia/Shanghai")
UNITS = {name: uuid.uuid4() for name in ("quiet", "below_b", "at_b", "at_c", "at_d")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


async def add_hazard(
    app: FastAPI, code: str, unit: str, created_at: str, *, severity: str = "general",
    source: str = "inspection", due_on: date | None = None,
) -> None:  # fmt: skip
    async with app.state.database.connection() as conn:
        await conn.execute(
            "INSERT INTO hazards (equipment_code, use_unit_id, source, severity, description, "
            "deadline, due_on, created_at) VALUES ($1, $2, $3, $4, '测试隐患', $5, $6, $7)",
            code, UNITS[unit], source, severity, date(2026, 12, 31), due_on, at(created_at),
        )  # fmt: skip


@pytest.fixture
async def graded(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, str]:
    pieces = {name: snapshot(use_unit_id=str(unit)) for name, unit in UNITS.items()}
    await seed_equipment(app, *pieces.values(), today=TODAY)
    codes = {name: piece["equipment_code"] for name, piece in pieces.items()}
    for created in ("2026-02-01T10:00", "2026-03-01T10:00"):
        await add_hazard(app, codes["below_b"], "below_b", created)
    for created in ("2025-11-25T23:59", "2025-11-26T00:00", "2026-06-01T09:00",
                    "2026-11-25T23:59"):  # fmt: skip
        await add_hazard(app, codes["at_b"], "at_b", created)
    await add_hazard(app, codes["at_c"], "at_c", "2026-04-01T09:00", severity="major")
    for created in ("2026-04-01T09:00", "2026-05-01T09:00"):
        await add_hazard(app, codes["at_d"], "at_d", created, severity="major")
    await add_hazard(
        app, codes["at_d"], "at_d", "2026-04-01T01:00", severity="major", source="due_workflow",
        due_on=date(2026, 3, 31),
    )  # fmt: skip
    agency = tokens.headers(CallerKind.inspection_agency, organisation_id=uuid.uuid4())
    for name, inspected_on in (("at_c", "2025-11-25"), ("at_c", "2026-05-10"),
                               ("at_d", "2026-05-10")):  # fmt: skip
        body = inspection(codes[name], inspected_on=inspected_on, conclusion="fail")
        answer = await client.post("/api/v1/inspections", json=body, headers=agency)
        assert answer.status_code == 201, answer.text
    return codes


def by_unit(items: list[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    names = {str(unit): name for name, unit in UNITS.items()}
    return {names[i["use_unit_id"]]: (i["grade"], i["score"]) for i in items}


async def test_units_are_graded_by_the_bands_their_scores_fall_in(
    client: httpx.AsyncClient, tokens: TokenFactory, graded: dict[str, str]
) -> None:
    answer = await client.get(
        "/api/v1/risk-grades", params={"as_of": "2026-11-25"}, headers=tokens.bureau()
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["year_from"], answer.json()["year_to"]) == ("2025-11-26", "2026-11-25")
    assert by_unit(answer.json()["items"]) == {
        "quiet": ("A", 0),
        "below_b": ("A", 2),
        "at_b": ("B", 3),
        "at_c": ("C", 8),
        "at_d": ("D", 16),
    }


async def test_the_list_is_filtered_by_grade_and_paged(
    client: httpx.AsyncClient, tokens: TokenFactory, graded: dict[str, str]
) -> None:
    bureau = tokens.bureau()
    grade_a = await client.get(
        "/api/v1/risk-grades", params={"as_of": "2026-11-25", "grade": "A"}, headers=bureau
    )
    first = await client.get(
        "/api/v1/risk-grades", params={"as_of": "2026-11-25", "limit": 3}, headers=bureau
    )
    rest = await client.get(
        "/api/v1/risk-grades",
        params={"as_of": "2026-11-25", "limit": 3, "cursor": first.json()["next_cursor"]},
        headers=bureau,
    )

    assert set(by_unit(grade_a.json()["items"])) == {"quiet", "below_b"}
    units = [i["use_unit_id"] for i in first.json()["items"] + rest.json()["items"]]
    assert units == sorted(str(u) for u in UNITS.values())
    assert rest.json()["next_cursor"] is None


async def test_a_unit_s_grade_shows_the_figures_behind_it(
    client: httpx.AsyncClient, tokens: TokenFactory, graded: dict[str, str]
) -> None:
    answer = await client.get(
        f"/api/v1/risk-grades/{UNITS['at_d']}",
        params={"as_of": "2026-11-25"},
        headers=tokens.headers(CallerKind.government_system),
    )

    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert (record["grade"], record["score"]) == ("D", 16)
    assert record["figures"] == {
        "equipment_in_use": 1,
        "general_hazards": 0,
        "major_hazards": 2,
        "overdue_equipment": 1,
        "failed_inspections": 1,
    }
    assert record["weights"] == {
        "general_hazard": 1, "major_hazard": 5, "overdue_equipment": 3, "failed_inspection": 3,
    }  # fmt: skip
    assert record["bands"] == {"b_from": 3, "c_from": 8, "d_from": 15}


async def test_a_day_earlier_the_last_hazard_of_the_year_is_not_yet_counted(
    client: httpx.AsyncClient, tokens: TokenFactory, graded: dict[str, str]
) -> None:
    answer = await client.get(
        f"/api/v1/risk-grades/{UNITS['at_b']}",
        params={"as_of": "2026-11-24"},
        headers=tokens.bureau(),
    )

    # 2025-11-25 … 2026-11-24: the hazard a minute before the later year now counts, the last not.
    assert (answer.json()["grade"], answer.json()["score"]) == ("B", 3)
    assert answer.json()["year_from"] == "2025-11-25"


async def test_an_unknown_unit_is_not_found_and_only_supervisors_read_grades(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    unknown = await client.get(f"/api/v1/risk-grades/{uuid.uuid4()}", headers=tokens.bureau())
    unit = await client.get("/api/v1/risk-grades", headers=tokens.headers(CallerKind.use_unit))
    bad_grade = await client.get(
        "/api/v1/risk-grades", params={"grade": "E"}, headers=tokens.bureau()
    )

    assert unknown.status_code == 404
    assert unit.status_code == 403
    assert bad_grade.status_code == 422
