"""The annual report's figures from counts: growth, yearly averages, sections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from reporting.annual_report.rules import (
    NO_PARK,
    NO_SUPERVISION_BODY,
    certificate_item_label,
    certificate_section,
    due_stage_rows,
    equipment_days,
    equipment_section,
    growth_rate,
    hazard_section,
    inspection_section,
    licence_rows,
    month_ends,
    share,
    staff_section,
    yearly_average_rate,
)


def test_growth_is_rounded_half_up_and_undefined_from_nothing() -> None:
    assert growth_rate(11387, 8757) == Decimal("30.03")  # 30.0330…
    assert growth_rate(3, 8) == Decimal("-62.50")
    assert growth_rate(1001, 800) == Decimal("25.13")  # 25.125 rounds up
    assert growth_rate(5, 0) is None


def test_a_share_may_exceed_the_whole_and_is_undefined_over_nothing() -> None:
    assert share(3, 2) == Decimal("150.00")
    assert share(37, 10000) == Decimal("0.37")
    assert share(1, 0) is None


def test_the_yearly_average_rounds_once_over_months_with_equipment_in_service() -> None:
    # The months' rates are averaged unrounded, and the mean is rounded once.
    assert yearly_average_rate([(1, 3), (2, 3)]) == Decimal("50.00")
    assert yearly_average_rate([(1, 8), (1, 8), (0, 0)]) == Decimal("12.50")
    assert yearly_average_rate([(2, 3), (2, 3), (1, 3)]) == Decimal("55.56")
    assert yearly_average_rate([(0, 0)]) is None
    assert yearly_average_rate([]) is None


def test_the_month_ends_include_a_leap_february() -> None:
    ends = month_ends(2024)
    assert len(ends) == 12
    assert ends[1] == date(2024, 2, 29)
    assert ends[-1] == date(2024, 12, 31)


def test_equipment_counts_leave_cylinders_apart_and_grow_over_the_year_before() -> None:
    def row(year: int, category: str, park: str | None, n: int, **extra: Any) -> dict[str, Any]:
        return {"as_of": date(year, 12, 31), "category": category, "park": park,
                "cylinder": False, "on_register": n, "in_service": n, **extra}  # fmt: skip

    rows = [
        row(2022, "3000", "中川园区", 2),
        row(2023, "3000", "中川园区", 4),
        row(2024, "3000", "中川园区", 5),
        row(2025, "3000", "中川园区", 6),
        row(2025, "1000", None, 2),
        row(2025, "2000", "西岔园区", 7, cylinder=True),
    ]
    assert equipment_days(2025)[0] == date(2022, 12, 31)
    section = equipment_section(rows, 2025)
    assert section.on_register == 8
    assert section.cylinders == 7
    assert section.growth_rate == 60.0
    assert [(t.year, t.count, t.growth_rate) for t in section.trend] == [
        (2023, 4, 100.0),
        (2024, 5, 25.0),
        (2025, 8, 60.0),
    ]
    assert [c.category for c in section.by_category] == ["1000", "3000"]
    assert [p.park for p in section.by_park] == ["中川园区", NO_PARK]
    assert section.by_park[0].share == 75.0
    assert [t.count for t in section.elevator_trend] == [4, 5, 6]


def test_inspections_and_hazards_are_counted_per_category_and_park() -> None:
    inspections = [
        {"category": "3000", "park": "中川园区", "inspections": 3, "hazards": 1},
        {"category": "1000", "park": "中川园区", "inspections": 1, "hazards": 0},
        {"category": "3000", "park": None, "inspections": 4, "hazards": 0},
    ]
    coverage = [
        {"as_of": date(2025, 1, 31), "category": "3000", "park": "中川园区", "covered": 1,
         "in_service": 2},
        {"as_of": date(2025, 2, 28), "category": "3000", "park": "中川园区", "covered": 2,
         "in_service": 2},
        {"as_of": date(2025, 2, 28), "category": "4000", "park": "秦川园区", "covered": 0,
         "in_service": 2},
    ]  # fmt: skip
    section = inspection_section(inspections, coverage)
    assert section.inspections == 8
    assert [(c.category, c.inspections, c.average_rate) for c in section.by_category] == [
        ("1000", 1, None),
        ("3000", 7, 75.0),
        ("4000", 0, 0.0),
    ]
    # January 1 of 2 covered, February 2 of 4: (50 + 50) / 2.
    assert section.average_rate == 50.0
    assert [(p.park, p.rate) for p in section.by_park] == [("中川园区", 75.0), ("秦川园区", 0.0)]
    hazards = hazard_section(inspections)
    assert (hazards.hazards, hazards.checked, hazards.rate) == (1, 8, 12.5)
    assert [(p.park, p.rate) for p in hazards.by_park] == [("中川园区", 25.0), (NO_PARK, 0.0)]
    assert hazards.rectification_rate is None


def test_the_due_workflow_lists_all_three_steps_even_when_one_never_fired() -> None:
    rows = due_stage_rows([{"stage": "warning", "stages": 93, "use_units": 40}])
    assert [(r.stage, r.stages, r.use_units) for r in rows] == [
        ("reminder", 0, 0),
        ("warning", 93, 40),
        ("overdue", 0, 0),
    ]


def test_certificates_and_licences_are_labelled_in_chinese() -> None:
    assert certificate_item_label("T") == "电梯修理（T）"
    assert certificate_item_label("ZZ") == "ZZ"
    section = certificate_section(
        [{"item": "T", "valid": 5, "issued": 2}, {"item": "A", "valid": 1, "issued": 0}]
    )
    assert (section.valid, section.issued) == (6, 2)
    assert [r.item for r in section.by_item] == ["A", "T"]
    licences = licence_rows(
        [{"kind": "filling", "units": 8, "issued": 2}, {"kind": "maintenance", "units": 6,
          "issued": 0}]
    )  # fmt: skip
    assert [(r.label, r.units) for r in licences] == [("电梯维保", 6), ("气瓶充装", 8)]


def test_hazards_of_the_read_model_give_the_rate_and_the_rectification_rate_per_park() -> None:
    inspections = [
        {"category": "3000", "park": "中川园区", "inspections": 200, "hazards": 1},
        {"category": "3000", "park": "秦川园区", "inspections": 100, "hazards": 0},
    ]
    hazards = [
        {"park": "中川园区", "source": "inspection", "found": 1, "due": 1, "rectified_in_time": 1},
        {"park": "中川园区", "source": "online_patrol", "found": 2, "due": 3,
         "rectified_in_time": 2},
        {"park": None, "source": "complaint", "found": 1, "due": 0, "rectified_in_time": 0},
    ]  # fmt: skip
    section = hazard_section(inspections, hazards)
    assert (section.hazards, section.checked, section.rate) == (4, 300, 1.33)
    assert (section.due, section.rectified_in_time, section.rectification_rate) == (4, 3, 75.0)
    assert section.by_source == {"检验": 1, "网络巡查": 2, "投诉举报": 1}
    rows = [(p.park, p.hazards, p.checked, p.rate, p.rectification_rate) for p in section.by_park]
    assert rows == [
        ("中川园区", 3, 200, 1.5, 75.0),
        ("秦川园区", 0, 100, 0.0, None),
        (NO_PARK, 1, 0, None, None),
    ]
    assert "隐患读模型" in section.source


def _incident(
    dispatched_minute: int,
    *,
    acknowledged: float | None = None,
    arrived: float | None = None,
    released: float | None = None,
    freed: int | None = None,
) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    dispatched = datetime(2026, 5, 1, 8, tzinfo=UTC) + timedelta(minutes=dispatched_minute)

    def after(minutes: float | None) -> datetime | None:
        return None if minutes is None else dispatched + timedelta(minutes=minutes)

    return {
        "dispatched_at": dispatched,
        "acknowledged_at": after(acknowledged),
        "arrived_at": after(arrived),
        "released_at": None if released is None or arrived is None else after(arrived + released),
        "people_freed": freed,
    }


def test_rescue_figures_count_from_dispatch_and_hold_missing_steps_against_the_rates() -> None:
    from reporting.annual_report.rules import rescue_section

    rows = [
        _incident(0, acknowledged=3, arrived=30, released=10, freed=2),  # both limits exactly
        _incident(60, acknowledged=3.5, arrived=31, released=20, freed=1),  # both a little late
        _incident(120, acknowledged=1, arrived=12),  # on site, not yet released
        _incident(180),  # never acknowledged nor reached
    ]

    section = rescue_section(rows, elevators_in_use=500)

    assert (section.incidents, section.people_freed) == (4, 3)
    assert (section.acknowledged_within_3_min, section.arrived_within_30_min) == (2, 2)
    assert (section.response_rate, section.arrival_rate) == (50.0, 50.0)
    assert section.average_arrival_minutes == 24.33  # (30 + 31 + 12) / 3
    assert section.average_rescue_minutes == 15.0  # (10 + 20) / 2
    assert section.trappings_per_1000_elevators_per_month == 0.67  # 4 × 1000 / 500 / 12


def test_a_year_without_incidents_or_elevators_has_no_rates() -> None:
    from reporting.annual_report.rules import rescue_section

    section = rescue_section([], elevators_in_use=0)

    assert section.incidents == 0
    assert section.response_rate is None
    assert section.average_arrival_minutes is None
    assert section.trappings_per_1000_elevators_per_month is None


def _body(
    name: str | None, staff: int, a: int, b: int, active: int, outside_parks: bool
) -> dict[str, Any]:
    return {
        "supervision_body": name,
        "staff": staff,
        "certificate_level_a": a,
        "certificate_level_b": b,
        "active": active,
        "outside_parks": outside_parks,
    }


def test_table_1_reproduces_the_seed_with_the_area_bureau_first_and_a_total() -> None:
    # As the database may return them: in no particular order.
    rows = [
        _body("西岔园区市场监督管理局", 7, 0, 7, 4, False),
        _body("秦川园区市场监督管理局", 6, 0, 6, 2, False),
        _body("兰州新区市场监督管理局", 6, 1, 5, 4, True),
        _body("中川园区市场监督管理局", 11, 0, 11, 2, False),
    ]
    section = staff_section(rows, 2020)
    assert [
        (r.supervision_body, r.staff, r.certificate_level_a, r.certificate_level_b, r.active)
        for r in [*section.rows, section.total]
    ] == [
        ("兰州新区市场监督管理局", 6, 1, 5, 4),
        ("中川园区市场监督管理局", 11, 0, 11, 2),
        ("秦川园区市场监督管理局", 6, 0, 6, 2),
        ("西岔园区市场监督管理局", 7, 0, 7, 4),
        ("合计", 30, 1, 29, 12),
    ]
    # 共有监察机构4个，持证特种设备安全监察员30人，实际在岗12人
    assert (section.bodies, section.certified, section.total.active) == (4, 30, 12)
    assert section.as_of == date(2020, 12, 31)
    assert section.note is None


def test_staff_without_a_body_are_a_row_of_their_own_but_no_body() -> None:
    section = staff_section(
        [_body(None, 2, 0, 0, 1, True), _body("中川园区市场监督管理局", 3, 1, 1, 3, False)], 2025
    )
    assert [r.supervision_body for r in section.rows] == [
        "中川园区市场监督管理局",
        NO_SUPERVISION_BODY,
    ]
    assert (section.bodies, section.certified, section.total.staff) == (1, 2, 5)


def test_a_year_without_staff_says_so_instead_of_an_empty_table() -> None:
    section = staff_section([], 2025)
    assert section.rows == []
    assert section.total.staff == 0
    assert section.note is not None
    assert "没有监察人员" in section.note
