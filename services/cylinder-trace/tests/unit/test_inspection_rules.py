"""A cylinder's periodic inspection as pure rules: when the next is due, when an LPG cylinder's
life is extended, when a cylinder is scrapped, and which inspections cannot be recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from cylinder_trace.cylinders.rules import service_life_ends_on
from cylinder_trace.inspections.rules import (
    CylinderLife,
    InspectionFacts,
    InspectionReason,
    InspectionResult,
    ScrapReason,
    check_inspection,
    extends_lpg_life,
    inspection_outcome,
    next_inspection_on,
)

MADE = date(2018, 6, 15)
LPG_CYLINDER = CylinderLife(
    medium="LPG",
    status="in_use",
    manufactured_on=MADE,
    design_life_years=8,
    life_extension_years=0,
    last_inspected_on=date(2022, 6, 1),
)
TODAY = date(2026, 11, 20)


def passing(on: date, next_on: date | None = None) -> InspectionFacts:
    return InspectionFacts(
        inspected_on=on, result=InspectionResult.passed, next_inspection_on=next_on
    )


def failing(on: date) -> InspectionFacts:
    return InspectionFacts(inspected_on=on, result=InspectionResult.failed, next_inspection_on=None)


@pytest.mark.parametrize(
    ("medium_interval", "expected"),
    [
        (4, date(2030, 6, 10)),
        (3, date(2029, 6, 10)),
        (5, date(2031, 6, 10)),
        (2, date(2028, 6, 10)),
    ],
    ids=["LPG", "CNG-H2-O2", "inert", "corrosive"],
)
def test_the_next_inspection_is_the_mediums_interval_after_this_one(
    medium_interval: int, expected: date
) -> None:
    assert next_inspection_on(date(2026, 6, 10), medium_interval) == expected


def test_the_next_inspection_from_29_february_falls_on_28_february() -> None:
    assert next_inspection_on(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_a_passing_inspection_sets_the_next_from_the_interval_unless_given() -> None:
    oxygen = replace(LPG_CYLINDER, medium="O2", design_life_years=15)
    computed = inspection_outcome(passing(date(2025, 3, 1)), oxygen, interval_years=3)
    given = inspection_outcome(
        passing(date(2025, 3, 1), date(2027, 1, 1)), oxygen, interval_years=3
    )

    assert computed.next_inspection_on == date(2028, 3, 1)
    assert given.next_inspection_on == date(2027, 1, 1)
    assert not computed.scrapped
    assert not computed.life_extended


def test_a_failed_inspection_scraps_the_cylinder_and_it_is_never_due_again() -> None:
    outcome = inspection_outcome(failing(date(2022, 6, 1)), LPG_CYLINDER, interval_years=4)

    assert outcome.scrap_reason is ScrapReason.inspection_failed
    assert outcome.next_inspection_on is None
    assert not outcome.life_extended
    assert outcome.life_extension_years == 0


def test_lpg_life_is_extended_by_a_passing_inspection_from_a_year_before_its_end() -> None:
    too_early = passing(date(2025, 6, 14))  # a year and a day before the 8th anniversary
    first_day = passing(date(2025, 6, 15))
    after_end = passing(date(2027, 1, 10))

    assert not extends_lpg_life(too_early, LPG_CYLINDER)
    assert extends_lpg_life(first_day, LPG_CYLINDER)
    assert extends_lpg_life(after_end, LPG_CYLINDER)


def test_an_extended_lpg_cylinder_serves_until_twelve_years() -> None:
    outcome = inspection_outcome(passing(date(2026, 6, 1)), LPG_CYLINDER, interval_years=4)

    assert outcome.life_extended
    assert outcome.life_extension_years == 4
    assert outcome.service_life_ends_on == date(2030, 6, 15)
    assert outcome.next_inspection_on == date(2030, 6, 1)
    assert not outcome.scrapped


def test_lpg_life_is_extended_once_only() -> None:
    extended = replace(LPG_CYLINDER, life_extension_years=4)
    outcome = inspection_outcome(passing(date(2029, 6, 1)), extended, interval_years=4)

    assert not extends_lpg_life(passing(date(2029, 6, 1)), extended)
    assert not outcome.life_extended
    assert outcome.life_extension_years == 4
    assert outcome.service_life_ends_on == date(2030, 6, 15)


def test_a_failed_inspection_extends_nothing() -> None:
    assert not extends_lpg_life(failing(date(2026, 6, 1)), LPG_CYLINDER)


def test_an_lpg_cylinder_is_scrapped_at_twelve_years_even_when_it_passes() -> None:
    extended = replace(LPG_CYLINDER, life_extension_years=4)
    day_before = inspection_outcome(passing(date(2030, 6, 14)), extended, interval_years=4)
    twelfth = inspection_outcome(passing(date(2030, 6, 15)), extended, interval_years=4)
    never_extended = inspection_outcome(passing(date(2030, 6, 15)), LPG_CYLINDER, interval_years=4)

    assert not day_before.scrapped
    assert twelfth.scrap_reason is ScrapReason.service_life_ended
    assert twelfth.next_inspection_on is None
    assert never_extended.scrap_reason is ScrapReason.service_life_ended


def test_other_media_are_not_extended_and_are_scrapped_past_their_design_life() -> None:
    cng = replace(LPG_CYLINDER, medium="CNG", design_life_years=15)
    in_life = inspection_outcome(passing(date(2033, 6, 14)), cng, interval_years=3)
    past_life = inspection_outcome(passing(date(2033, 6, 15)), cng, interval_years=3)

    assert not in_life.life_extended
    assert in_life.next_inspection_on == date(2036, 6, 14)
    assert past_life.scrap_reason is ScrapReason.service_life_ended


def test_an_lpg_cylinder_registered_with_a_longer_life_still_ends_at_twelve() -> None:
    assert service_life_ends_on(
        medium="LPG", manufactured_on=MADE, design_life_years=15, life_extension_years=0
    ) == date(2030, 6, 15)  # fmt: skip
    assert service_life_ends_on(
        medium="O2", manufactured_on=MADE, design_life_years=15, life_extension_years=0
    ) == date(2033, 6, 15)  # fmt: skip


def test_a_recordable_inspection_has_no_violations() -> None:
    assert check_inspection(passing(date(2026, 6, 1)), LPG_CYLINDER, today=TODAY) == []


def test_inspections_that_cannot_be_recorded_name_their_field() -> None:
    def codes(inspection: InspectionFacts, cylinder: CylinderLife | None) -> list[tuple[str, str]]:
        return [(v.field, v.code) for v in check_inspection(inspection, cylinder, today=TODAY)]

    scrapped = replace(LPG_CYLINDER, status="scrapped")
    assert codes(passing(date(2026, 6, 1)), None) == [
        ("cylinder_code", InspectionReason.unknown_cylinder)
    ]
    assert codes(passing(date(2026, 6, 1)), scrapped) == [
        ("cylinder_code", InspectionReason.cylinder_scrapped)
    ]
    assert codes(passing(date(2026, 11, 21)), LPG_CYLINDER) == [
        ("inspected_on", InspectionReason.date_in_future)
    ]
    assert codes(passing(date(2018, 6, 14)), LPG_CYLINDER) == [
        ("inspected_on", InspectionReason.dates_inconsistent)
    ]
    assert codes(passing(date(2022, 5, 31)), LPG_CYLINDER) == [
        ("inspected_on", InspectionReason.dates_inconsistent)
    ]
    assert codes(passing(date(2022, 6, 1)), LPG_CYLINDER) == []  # the same day again
    assert codes(passing(date(2026, 6, 1), date(2026, 6, 1)), LPG_CYLINDER) == [
        ("next_inspection_on", InspectionReason.dates_inconsistent)
    ]


def test_the_reason_codes_are_stable_strings() -> None:
    assert [r.value for r in InspectionReason] == [
        "unknown_cylinder",
        "cylinder_scrapped",
        "date_in_future",
        "dates_inconsistent",
        "report_number_taken",
    ]
    assert [r.value for r in ScrapReason] == ["inspection_failed", "service_life_ended"]
    assert [r.value for r in InspectionResult] == ["pass", "fail"]
