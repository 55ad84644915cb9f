from __future__ import annotations

import uuid
from datetime import date

from registry.equipment.access import may_read, may_write_equipment
from registry.equipment.catalogue import VARIETIES, Category, variety_belongs_to
from registry.equipment.rules import (
    ATTRIBUTES_BY_CATEGORY,
    check_attributes,
    dates_problem,
    status_change_problem,
)
from registry.equipment.schemas import EquipmentStatus as S
from tzsb_common.auth import CallerKind, Principal


def _principal(kind: CallerKind, *scopes: str, org: uuid.UUID | None = None) -> Principal:
    return Principal(
        client_id="c", organisation_id=org or uuid.uuid4(), kind=kind, scopes=frozenset(scopes)
    )


def test_every_category_has_an_attribute_model_and_every_variety_a_category() -> None:
    assert set(ATTRIBUTES_BY_CATEGORY) == set(Category)
    assert {category for category, _ in VARIETIES.values()} == set(Category)


def test_variety_must_belong_to_the_category() -> None:
    assert variety_belongs_to("3110", Category.elevator)
    assert variety_belongs_to("4D00", Category.crane)  # 机械式停车设备 is a crane variety
    assert not variety_belongs_to("3110", Category.crane)
    assert not variety_belongs_to("9999", Category.elevator)


def test_elevator_attributes_are_normalised_and_unset_ones_dropped() -> None:
    attributes, errors = check_attributes(Category.elevator, {"rated_load_kg": 1000, "stops": 18})
    assert errors == []
    assert attributes == {"rated_load_kg": 1000.0, "stops": 18}


def test_unknown_or_invalid_attributes_are_errors_located_under_attributes() -> None:
    _, errors = check_attributes(Category.elevator, {"rated_lod_kg": 1000, "stops": 1})
    assert sorted(e.field for e in errors) == [
        ("attributes", "rated_lod_kg"),
        ("attributes", "stops"),
    ]


def test_safety_grade_is_one_to_five() -> None:
    _, errors = check_attributes(Category.pressure_vessel, {"safety_grade": 6})
    assert [e.field for e in errors] == [("attributes", "safety_grade")]
    attributes, errors = check_attributes(Category.pressure_pipeline, {"safety_grade": 3})
    assert errors == []
    assert attributes == {"safety_grade": 3}


def test_categories_without_attributes_refuse_any() -> None:
    _, errors = check_attributes(Category.safety_accessory, {"anything": 1})
    assert [e.code for e in errors] == ["extra_forbidden"]


def test_attributes_are_strict_json_types() -> None:
    _, errors = check_attributes(Category.elevator, {"rated_load_kg": "1000", "stops": True})
    assert sorted(e.field for e in errors) == [
        ("attributes", "rated_load_kg"),
        ("attributes", "stops"),
    ]


def test_only_the_bureau_or_a_scoped_government_system_writes_equipment() -> None:
    assert may_write_equipment(_principal(CallerKind.bureau))
    assert may_write_equipment(_principal(CallerKind.government_system, "registry:write"))
    assert not may_write_equipment(_principal(CallerKind.government_system))
    assert not may_write_equipment(_principal(CallerKind.use_unit, "registry:write"))


def test_a_use_unit_reads_only_its_own_equipment() -> None:
    unit = uuid.uuid4()
    me = _principal(CallerKind.use_unit, org=unit)
    assert may_read(me, unit)
    assert not may_read(me, uuid.uuid4())
    assert may_read(_principal(CallerKind.inspection_agency), unit)
    assert not may_read(_principal(CallerKind.maintenance_company), unit)


def test_scrapped_equipment_cannot_return_to_use_and_deregistered_is_final() -> None:
    assert status_change_problem(S.in_use, S.suspended) is None
    assert status_change_problem(S.suspended, S.in_use) is None
    assert status_change_problem(S.scrapped, S.deregistered) is None
    assert status_change_problem(S.scrapped, S.in_use) is not None
    assert all(
        status_change_problem(S.deregistered, s) is not None for s in S if s is not S.deregistered
    )


def test_commissioning_cannot_precede_manufacture() -> None:
    assert dates_problem(date(2025, 6, 1), date(2026, 1, 15)) is None
    assert dates_problem(date(2026, 6, 1), date(2026, 1, 15)) is not None
    assert dates_problem(None, date(2026, 1, 15)) is None
