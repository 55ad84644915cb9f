"""The pure rules of the equipment lifecycle: codes, categories, dates, registration, status."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from registry.catalogue.rules import registered_here, varieties_by_category
from registry.equipment.catalogue import VARIETIES, Category, class_of, is_gas_cylinder
from registry.equipment.rules import (
    STATUS_TRANSITIONS,
    EquipmentConflict,
    EquipmentReason,
    EquipmentWrite,
    business_today,
    code_prefix_problem,
    cylinder_problem,
    date_violations,
    effective_on_violations,
    initial_status_problem,
    insurance_violations,
    missing_attributes,
    registration_violations,
    status_change_problem,
    write_conflict,
)
from registry.equipment.schemas import EQUIPMENT_CODE, LEGACY_REGISTRATION_CODE
from registry.equipment.schemas import EquipmentStatus as S

TODAY = date(2026, 11, 26)
ALL_DATES = frozenset({"manufactured_on", "commissioned_on"})


def _code(prefix: str) -> str:
    return prefix + "12345" + "2026" + "00001"


# -- equipment codes --------------------------------------------------------------------------


@pytest.mark.parametrize("code", [_code("3110"), _code("4D00"), _code("23T0"), _code("F220")])
def test_an_equipment_code_is_a_variety_and_fourteen_digits(code: str) -> None:
    assert re.fullmatch(EQUIPMENT_CODE, code)


@pytest.mark.parametrize(
    "code", ["31101234", _code("3110") + "0", _code("4d00"), "4D00" + "1234567890123X"]
)
def test_malformed_equipment_codes_do_not_match(code: str) -> None:
    assert not re.fullmatch(EQUIPMENT_CODE, code)


def test_the_legacy_registration_code_is_twenty_digits() -> None:
    assert re.fullmatch(LEGACY_REGISTRATION_CODE, "3" * 20)
    assert not re.fullmatch(LEGACY_REGISTRATION_CODE, "3" * 19)
    assert not re.fullmatch(LEGACY_REGISTRATION_CODE, "3" * 19 + "A")


def test_a_code_of_one_variety_is_refused_for_another() -> None:
    violation = code_prefix_problem(_code("2110"), "3110")
    assert violation is not None
    assert violation.field == ("equipment_code",)
    assert violation.code == EquipmentReason.invalid_code_prefix


def test_a_code_beginning_with_its_variety_is_accepted() -> None:
    assert code_prefix_problem(_code("3110"), "3110") is None
    assert code_prefix_problem(_code("4D00"), "4D00") is None  # 机械式停车设备


def test_a_record_filed_under_a_class_accepts_the_codes_of_its_varieties() -> None:
    assert code_prefix_problem(_code("3120"), "3100") is None
    assert code_prefix_problem(_code("3210"), "3100") is not None
    # A code of the class does not prove the more specific variety.
    assert code_prefix_problem(_code("3100"), "3110") is not None


# -- the catalogue ----------------------------------------------------------------------------


def test_parking_equipment_is_a_crane_class_with_no_parent() -> None:
    assert VARIETIES["4D00"] == (Category.crane, "机械式停车设备")
    assert class_of("4D00") is None


def test_varieties_know_their_class_within_their_own_category() -> None:
    assert class_of("3110") == "3100"
    assert class_of("23T0") == "2300"
    assert class_of("6D10") == "6D00"
    assert class_of("3100") is None
    # 安全阀 7310 is a safety accessory (F000), not a variety of pipeline valves (7300).
    assert class_of("7310") is None


def test_every_code_of_the_catalogue_has_four_characters_and_a_known_class() -> None:
    for code in VARIETIES:
        assert re.fullmatch(r"[0-9A-Z]{4}", code), code
        parent = class_of(code)
        assert parent is None or VARIETIES[parent][0] is VARIETIES[code][0]


def test_gas_cylinders_are_registered_in_the_cylinder_service() -> None:
    for variety in ("2300", "2310", "2320", "23T0"):
        assert is_gas_cylinder(variety)
        assert not registered_here(variety)
        violation = cylinder_problem(variety)
        assert violation is not None
        assert violation.field == ("variety",)
        assert violation.code == EquipmentReason.cylinder_not_registered_here
    assert cylinder_problem("2100") is None
    assert registered_here("2410")


def test_varieties_are_grouped_by_category_in_their_order() -> None:
    grouped = varieties_by_category(
        [
            {"code": "3100", "category": "3000"},
            {"code": "4D00", "category": "4000"},
            {"code": "3110", "category": "3000"},
        ]
    )
    assert [v["code"] for v in grouped["3000"]] == ["3100", "3110"]
    assert [v["code"] for v in grouped["4000"]] == ["4D00"]


def test_the_migration_seeds_exactly_the_catalogue_of_the_code() -> None:
    path = Path(__file__).parents[2] / "migrations/versions/0005_equipment_lifecycle.py"
    spec = importlib.util.spec_from_file_location("catalogue_migration", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    seeded = {
        code: (category, parent, name) for code, category, parent, name in migration._VARIETIES
    }
    assert seeded == {
        code: (category.value, class_of(code), name) for code, (category, name) in VARIETIES.items()
    }
    assert {code for code, _, _ in migration._CATEGORIES} == {c.value for c in Category}


# -- attributes of a category -----------------------------------------------------------------


def test_an_elevator_without_attributes_misses_each_required_one() -> None:
    violations = missing_attributes(Category.elevator, "3110", {})
    assert [v.field for v in violations] == [
        ("attributes", "rated_load_kg"),
        ("attributes", "rated_speed_ms"),
        ("attributes", "stops"),
    ]
    assert {v.code for v in violations} == {EquipmentReason.missing_attribute}


def test_a_complete_elevator_misses_nothing() -> None:
    attributes = {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18}
    assert missing_attributes(Category.elevator, "3110", attributes) == []


def test_escalators_and_moving_walks_need_only_their_speed() -> None:
    for variety in ("3300", "3310", "3320"):
        assert [v.field for v in missing_attributes(Category.elevator, variety, {})] == [
            ("attributes", "rated_speed_ms")
        ]


def test_pressure_vessels_need_a_safety_grade_and_pipelines_a_length_too() -> None:
    assert [v.field for v in missing_attributes(Category.pressure_vessel, "2150", {})] == [
        ("attributes", "safety_grade")
    ]
    assert [v.field for v in missing_attributes(Category.pressure_pipeline, "8310", {})] == [
        ("attributes", "safety_grade"),
        ("attributes", "length_m"),
    ]
    assert missing_attributes(Category.pressure_pipeline, "8310", {"safety_grade": 2}) != []


def test_cranes_and_parking_equipment_need_no_attribute() -> None:
    assert missing_attributes(Category.crane, "4D00", {}) == []


# -- dates ------------------------------------------------------------------------------------


def test_manufacture_in_the_future_is_refused() -> None:
    violations = date_violations(
        manufactured_on=date(2026, 11, 27), commissioned_on=None, today=TODAY, changed=ALL_DATES
    )
    assert [(v.field, v.code) for v in violations] == [
        (("manufactured_on",), EquipmentReason.date_in_future)
    ]


def test_manufacture_today_is_accepted() -> None:
    assert (
        date_violations(
            manufactured_on=TODAY, commissioned_on=TODAY, today=TODAY, changed=ALL_DATES
        )
        == []
    )


def test_dates_before_1950_are_refused() -> None:
    violations = date_violations(
        manufactured_on=date(1949, 12, 31),
        commissioned_on=date(1, 1, 1),
        today=TODAY,
        changed=ALL_DATES,
    )
    assert {v.code for v in violations} >= {EquipmentReason.date_too_early}
    assert [v.field for v in violations if v.code == EquipmentReason.date_too_early] == [
        ("manufactured_on",),
        ("commissioned_on",),
    ]
    assert (
        date_violations(
            manufactured_on=date(1950, 1, 1), commissioned_on=None, today=TODAY, changed=ALL_DATES
        )
        == []
    )


def test_commissioning_in_the_future_or_before_manufacture_is_refused() -> None:
    future = date_violations(
        manufactured_on=None, commissioned_on=date(9999, 12, 31), today=TODAY, changed=ALL_DATES
    )
    assert [(v.field, v.code) for v in future] == [
        (("commissioned_on",), EquipmentReason.date_in_future)
    ]
    early = date_violations(
        manufactured_on=date(2026, 6, 1),
        commissioned_on=date(2026, 1, 15),
        today=TODAY,
        changed=frozenset({"commissioned_on"}),
    )
    assert [(v.field, v.code) for v in early] == [
        (("commissioned_on",), EquipmentReason.dates_inconsistent)
    ]


def test_only_the_dates_being_written_are_judged() -> None:
    assert (
        date_violations(
            manufactured_on=date(1900, 1, 1),
            commissioned_on=date(1901, 1, 1),
            today=TODAY,
            changed=frozenset({"park"}),
        )
        == []
    )


def test_business_dates_are_dates_in_china() -> None:
    assert business_today(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == date(2026, 1, 2)
    assert business_today(datetime(2026, 1, 1, 15, 59, tzinfo=UTC)) == date(2026, 1, 1)


# -- registration -----------------------------------------------------------------------------


def test_a_registration_date_needs_its_number() -> None:
    violations = registration_violations(
        registration_number=None, registered_on=TODAY, manufactured_on=None, today=TODAY
    )
    assert [(v.field, v.code) for v in violations] == [
        (("registered_on",), EquipmentReason.registration_number_required)
    ]


def test_registration_is_neither_in_the_future_nor_before_manufacture() -> None:
    def codes(registered_on: date) -> list[str]:
        return [
            v.code
            for v in registration_violations(
                registration_number="梯11甘A00001(26)",
                registered_on=registered_on,
                manufactured_on=date(2025, 6, 1),
                today=TODAY,
            )
        ]

    assert codes(date(2026, 2, 1)) == []
    assert codes(date(2026, 11, 27)) == [EquipmentReason.date_in_future]
    assert codes(date(2025, 5, 31)) == [EquipmentReason.dates_inconsistent]


def test_a_registration_without_a_date_is_accepted() -> None:
    assert (
        registration_violations(
            registration_number="梯11甘A00001(26)",
            registered_on=None,
            manufactured_on=None,
            today=TODAY,
        )
        == []
    )


def test_an_insurance_policy_cannot_end_before_it_starts() -> None:
    assert insurance_violations(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert [v.field for v in insurance_violations(date(2026, 1, 1), date(2025, 12, 31))] == [
        ("insurance", "valid_to")
    ]


# -- status -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.in_use, S.suspended])
def test_a_new_record_may_start_in_use_or_suspended(status: S) -> None:
    assert initial_status_problem(status) is None


@pytest.mark.parametrize("status", [S.scrapped, S.deregistered])
def test_a_new_record_cannot_start_scrapped_or_deregistered(status: S) -> None:
    violation = initial_status_problem(status)
    assert violation is not None
    assert violation.field == ("status",)
    assert violation.code == EquipmentReason.initial_status_not_allowed


ALLOWED = {
    (S.in_use, S.suspended),  # 停用
    (S.suspended, S.in_use),  # 重新启用
    (S.in_use, S.scrapped),
    (S.suspended, S.scrapped),
    (S.in_use, S.deregistered),  # 移装: deregistered here, registered elsewhere
    (S.suspended, S.deregistered),
    (S.scrapped, S.deregistered),
}


@pytest.mark.parametrize(
    ("current", "new"), [(a, b) for a in S for b in S if a is not b], ids=lambda s: s.value
)
def test_only_the_transitions_of_the_table_are_allowed(current: S, new: S) -> None:
    allowed = (current, new) in ALLOWED
    assert (status_change_problem(current, new) is None) is allowed
    assert (new in STATUS_TRANSITIONS[current]) is allowed


def test_deregistered_equipment_accepts_no_write_and_scrapped_no_registration() -> None:
    for write in EquipmentWrite:
        assert write_conflict(S.deregistered, write) is EquipmentConflict.equipment_deregistered
    assert (
        write_conflict(S.scrapped, EquipmentWrite.register) is EquipmentConflict.equipment_scrapped
    )
    assert write_conflict(S.scrapped, EquipmentWrite.edit) is None
    assert write_conflict(S.scrapped, EquipmentWrite.change_status) is None
    assert all(write_conflict(S.in_use, write) is None for write in EquipmentWrite)


def test_a_status_change_takes_effect_neither_in_the_future_nor_before_the_last() -> None:
    assert effective_on_violations(TODAY, status_since=date(2026, 1, 1), today=TODAY) == []
    assert [
        v.code for v in effective_on_violations(date(2026, 11, 27), status_since=None, today=TODAY)
    ] == [EquipmentReason.date_in_future]
    assert [
        v.code
        for v in effective_on_violations(
            date(2025, 12, 31), status_since=date(2026, 1, 1), today=TODAY
        )
    ] == [EquipmentReason.effective_on_before_last_change]
    assert [
        v.field for v in effective_on_violations(date(1949, 1, 1), status_since=None, today=TODAY)
    ] == [("effective_on",)]
