"""The demo's plan: the same seed gives the same data, shaped like the seed report's register."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from registry.staff.schemas import StaffCreate
from tzsb_platform.demo import (
    CHEMICAL_PARK_COUNTS,
    SEED_COUNTS,
    build_plan,
    credit_code,
    id_number,
    staff_bodies,
)

TODAY = date(2026, 11, 26)


def _fingerprint(seed: int, scale: float) -> list[tuple[str, ...]]:
    plan = build_plan(seed, scale, TODAY)
    return [
        *((o.credit_code, o.name, o.park or "") for o in plan.use_units),
        *((e.code, e.park, e.unit.credit_code, e.status) for e in plan.equipment),
        *((c.code, c.medium, c.body["next_inspection_on"]) for c in plan.cylinders),
    ]


def test_the_same_seed_plans_the_same_data_and_another_seed_other_codes() -> None:
    assert _fingerprint(2020, 1) == _fingerprint(2020, 1)
    first = {row[0] for row in _fingerprint(2020, 1)}
    other = {row[0] for row in _fingerprint(2021, 1)}
    assert not first & other


def test_scale_one_is_a_tenth_of_the_seed_register_by_category_and_chemical_park() -> None:
    plan = build_plan(2020, 1, TODAY)
    by_category = Counter(e.category for e in plan.equipment)
    # The one ropeway stays one: nothing the seed counts vanishes at a small scale.
    assert by_category == {c: max(1, round(n / 10)) for c, n in SEED_COUNTS.items()}
    chemical = Counter(e.category for e in plan.equipment if e.park == "化工园区")
    assert chemical == {c: round(n / 10) for c, n in CHEMICAL_PARK_COUNTS.items()}
    assert {e.park for e in plan.equipment} == {"中川园区", "秦川园区", "西岔园区", "化工园区"}
    assert 5 <= len(plan.companies) <= 10
    scaled = build_plan(2020, 3, TODAY)
    assert len(scaled.equipment) == sum(max(1, round(n * 3 / 10)) for n in SEED_COUNTS.values())


def test_codes_carry_valid_check_characters() -> None:
    # GB 32100-2015's worked example and a GB 11643-1999 number ending in X.
    assert credit_code("91350100M000100Y4"[:17]) == "91350100M000100Y43"
    assert id_number("11010519491231002") == "11010519491231002X"


def test_the_staff_are_the_seeds_table_1_with_distinct_names_from_the_seed() -> None:
    staff = staff_bodies(2020)
    table: dict[str, list[int]] = {}
    for member in staff:
        line = table.setdefault(member["supervision_body"], [0, 0, 0, 0])
        line[0] += 1
        line[1] += member["certificate_level"] == "A"
        line[2] += member["certificate_level"] == "B"
        line[3] += member["active"]
    # 表1 兰州新区特种设备安全监察机构情况: staff, A, B, on duty
    assert table == {
        "兰州新区市场监督管理局": [6, 1, 5, 4],
        "中川园区市场监督管理局": [11, 0, 11, 2],
        "秦川园区市场监督管理局": [6, 0, 6, 2],
        "西岔园区市场监督管理局": [7, 0, 7, 4],
    }
    assert {m["region"]["park"] for m in staff} == {None, "中川园区", "秦川园区", "西岔园区"}
    names = [m["name"] for m in staff]
    assert len(set(names)) == len(names) == 30
    assert all(2 <= len(name) <= 3 for name in names)
    assert len({m["certificate_number"] for m in staff}) == 30
    for member in staff:  # each is a body POST /api/v1/staff takes
        StaffCreate.model_validate_json(json.dumps(member))
    assert staff_bodies(2020) == staff
    assert [m["name"] for m in staff_bodies(2021)] != names
