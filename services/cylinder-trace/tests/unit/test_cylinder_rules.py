"""Registration checks of a cylinder, its next inspection date and the order of its trace, as
pure functions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cylinder_trace.cylinders.rules import (
    CylinderReason,
    Medium,
    check_new_cylinder,
    next_inspection_on,
    trace_key,
)
from cylinder_trace.cylinders.schemas import CylinderCreate

STATION = uuid.uuid4()
TODAY = date(2026, 11, 25)
MEDIA = {
    "LPG": Medium("LPG", liquefied=True, inspection_interval_years=4),
    "CNG": Medium("CNG", liquefied=False, inspection_interval_years=3),
    "H2": Medium("H2", liquefied=False, inspection_interval_years=3),
    "N2": Medium("N2", liquefied=False, inspection_interval_years=5),
}


def a_cylinder(**overrides: Any) -> CylinderCreate:
    values: dict[str, Any] = {
        "cylinder_code": "GS0001",
        "manufacturer": "兰州气瓶制造有限公司",
        "factory_number": "F0001",
        "medium": "LPG",
        "nominal_pressure_mpa": 2.1,
        "water_volume_l": 35.5,
        "permitted_fill_kg": 14.5,
        "manufactured_on": date(2022, 3, 1),
        "design_life_years": 8,
        "owner_id": STATION,
    }
    values.update(overrides)
    return CylinderCreate.model_validate(values)


def codes(cylinder: CylinderCreate, station: uuid.UUID | None = STATION) -> list[str]:
    violations = check_new_cylinder(cylinder, MEDIA, station_id=station, today=TODAY)
    return [v.code.value for v in violations]


def test_a_stations_own_cylinder_of_a_known_medium_is_registered() -> None:
    assert codes(a_cylinder()) == []


def test_a_station_registers_only_its_own_cylinders_the_bureau_anyones() -> None:
    someone_elses = a_cylinder(owner_id=uuid.uuid4())
    assert codes(someone_elses) == [CylinderReason.not_own_cylinder]
    assert codes(someone_elses, station=None) == []


def test_a_medium_outside_the_reference_table_is_refused() -> None:
    assert codes(a_cylinder(medium="XE")) == [CylinderReason.unknown_medium]


def test_a_liquefied_gas_cylinder_needs_its_permitted_fill_and_a_compressed_one_not() -> None:
    assert codes(a_cylinder(permitted_fill_kg=None)) == [CylinderReason.permitted_fill_required]
    assert codes(a_cylinder(medium="H2", permitted_fill_kg=None)) == []


def test_dates_out_of_order_or_in_the_future_are_refused() -> None:
    assert codes(a_cylinder(manufactured_on=date(2027, 1, 1))) == [CylinderReason.date_in_future]
    assert codes(a_cylinder(last_inspected_on=date(2021, 1, 1))) == [
        CylinderReason.dates_inconsistent
    ]
    assert codes(a_cylinder(next_inspection_on=date(2022, 3, 1))) == [
        CylinderReason.dates_inconsistent
    ]


def test_the_next_inspection_follows_the_mediums_interval_unless_given() -> None:
    assert next_inspection_on(a_cylinder(), MEDIA["LPG"]) == date(2026, 3, 1)
    inspected = a_cylinder(medium="CNG", last_inspected_on=date(2025, 6, 30))
    assert next_inspection_on(inspected, MEDIA["CNG"]) == date(2028, 6, 30)
    assert next_inspection_on(a_cylinder(medium="N2"), MEDIA["N2"]) == date(2027, 3, 1)
    given = a_cylinder(next_inspection_on=date(2026, 1, 1))
    assert next_inspection_on(given, MEDIA["LPG"]) == date(2026, 1, 1)


def test_the_trace_opens_with_the_registration_and_runs_in_time_order() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    morning = datetime(2026, 5, 2, tzinfo=zone)
    entries = [
        ("fill", morning),
        ("scrapping", morning),
        ("refusal", datetime(2026, 5, 1, 23, 59, tzinfo=zone)),
        ("inspection", morning),
        ("registration", datetime(2026, 6, 1, tzinfo=zone)),
    ]

    ordered = sorted(entries, key=lambda e: trace_key(*e))

    assert [kind for kind, _ in ordered] == [
        "registration", "refusal", "inspection", "scrapping", "fill"
    ]  # fmt: skip
