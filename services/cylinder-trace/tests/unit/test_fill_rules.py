"""The refusal rules of a fill, alone and together, as a pure function (TSG 23)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from cylinder_trace.cylinders.rules import add_years
from cylinder_trace.fills.rules import (
    BatchJudge,
    CertificateFacts,
    CylinderFacts,
    FillFacts,
    FillReason,
    LicenceFacts,
    fill_reasons,
    filled_anyway,
    licence_in_force,
    malformed,
    refused_fill_severity,
    refused_fill_signal_id,
)

STATION = uuid.uuid4()
OTHER = uuid.uuid4()
DAY = date(2026, 11, 20)

FILL = FillFacts(medium="LPG", fill_date=DAY, prefill_passed=True, filled_mass_kg=14.2)
CYLINDER = CylinderFacts(
    medium="LPG",
    status="in_use",
    next_inspection_on=date(2027, 3, 1),
    manufactured_on=date(2022, 3, 1),
    design_life_years=8,
    owner_id=STATION,
    permitted_fill_kg=14.5,
)
LICENCE = LicenceFacts(
    scope=frozenset({"LPG", "O2"}),
    valid_from=date(2024, 1, 1),
    valid_to=date(2030, 12, 31),
    status="active",
    status_changed_on=None,
)
CERTIFICATE = CertificateFacts(
    item="P", employer_id=STATION, valid_from=date(2024, 1, 1), valid_to=date(2028, 1, 1)
)


def reasons(
    fill: FillFacts = FILL,
    cylinder: CylinderFacts | None = CYLINDER,
    licences: tuple[LicenceFacts, ...] = (LICENCE,),
    certificate: CertificateFacts | None = CERTIFICATE,
) -> list[FillReason]:
    return fill_reasons(
        fill, station_id=STATION, cylinder=cylinder, licences=licences, certificate=certificate
    )


def test_a_fill_that_keeps_every_rule_is_accepted() -> None:
    assert reasons() == []


def test_an_unknown_cylinder_is_refused_and_its_own_checks_are_not_made() -> None:
    assert reasons(cylinder=None) == [FillReason.unknown_cylinder]


def test_a_scrapped_cylinder_is_refused() -> None:
    assert reasons(cylinder=CYLINDER._replace(status="scrapped")) == [FillReason.cylinder_scrapped]


def test_inspection_overdue_when_the_next_inspection_was_before_the_fill_date() -> None:
    overdue = CYLINDER._replace(next_inspection_on=DAY - timedelta(days=1))
    due_today = CYLINDER._replace(next_inspection_on=DAY)

    assert reasons(cylinder=overdue) == [FillReason.inspection_overdue]
    assert reasons(cylinder=due_today) == []


def test_past_design_life_from_the_anniversary_of_manufacture_on() -> None:
    last_day = CYLINDER._replace(manufactured_on=date(2018, 11, 21))
    ended = CYLINDER._replace(manufactured_on=date(2018, 11, 20))

    assert reasons(cylinder=last_day) == []
    assert reasons(cylinder=ended) == [FillReason.past_design_life]


def test_medium_mismatch_when_the_fill_medium_is_not_the_cylinders() -> None:
    oxygen = CYLINDER._replace(medium="O2", owner_id=OTHER)
    assert reasons(cylinder=oxygen) == [FillReason.medium_mismatch]


def test_medium_outside_licence_when_the_licence_in_force_does_not_list_it() -> None:
    oxygen_only = LICENCE._replace(scope=frozenset({"O2"}))
    assert reasons(licences=(oxygen_only,)) == [FillReason.medium_outside_licence]


def test_a_lapsed_licence_for_the_medium_does_not_cover_it_beside_one_in_force() -> None:
    lapsed_lpg = LICENCE._replace(valid_to=date(2025, 12, 31))
    oxygen_in_force = LICENCE._replace(scope=frozenset({"O2"}))
    assert reasons(licences=(lapsed_lpg, oxygen_in_force)) == [FillReason.medium_outside_licence]


@pytest.mark.parametrize(
    "licence",
    [
        LICENCE._replace(valid_to=DAY - timedelta(days=1)),
        LICENCE._replace(valid_from=DAY + timedelta(days=1)),
        LICENCE._replace(status="suspended", status_changed_on=date(2026, 11, 1)),
        LICENCE._replace(status="revoked", status_changed_on=DAY),
    ],
    ids=["expired", "not_yet_valid", "suspended", "revoked_that_day"],
)
def test_licence_invalid_when_not_in_force_on_the_fill_date(licence: LicenceFacts) -> None:
    assert reasons(licences=(licence,)) == [FillReason.licence_invalid]


def test_a_fill_made_before_a_suspension_took_effect_was_licensed() -> None:
    suspended_later = LICENCE._replace(status="suspended", status_changed_on=DAY + timedelta(1))
    assert licence_in_force(suspended_later, DAY)
    assert reasons(licences=(suspended_later,)) == []


def test_a_station_without_any_filling_licence_is_outside_licence_and_unlicensed() -> None:
    assert reasons(licences=()) == [FillReason.medium_outside_licence, FillReason.licence_invalid]


@pytest.mark.parametrize(
    "certificate",
    [
        None,
        CERTIFICATE._replace(valid_to=DAY - timedelta(days=1)),
        CERTIFICATE._replace(item="T"),
        CERTIFICATE._replace(employer_id=OTHER),
    ],
    ids=["unknown", "expired", "not_item_p", "another_stations_employee"],
)
def test_filler_not_certified(certificate: CertificateFacts | None) -> None:
    assert reasons(certificate=certificate) == [FillReason.filler_not_certified]


def test_an_lpg_cylinder_owned_by_someone_else_is_not_filled() -> None:
    assert reasons(cylinder=CYLINDER._replace(owner_id=OTHER)) == [FillReason.lpg_not_own_property]


def test_another_owners_oxygen_cylinder_may_be_filled() -> None:
    oxygen = CYLINDER._replace(medium="O2", owner_id=OTHER, permitted_fill_kg=None)
    assert reasons(fill=FILL._replace(medium="O2", filled_mass_kg=None), cylinder=oxygen) == []


def test_a_failed_prefill_check_refuses_the_fill() -> None:
    assert reasons(fill=FILL._replace(prefill_passed=False)) == [FillReason.prefill_check_failed]


def test_overfilled_above_the_permitted_fill_and_not_at_it() -> None:
    assert reasons(fill=FILL._replace(filled_mass_kg=14.6)) == [FillReason.overfilled]
    assert reasons(fill=FILL._replace(filled_mass_kg=14.5)) == []


def test_every_reason_that_applies_is_given_in_the_contracts_order() -> None:
    cylinder = CYLINDER._replace(
        status="scrapped",
        next_inspection_on=date(2025, 1, 1),
        manufactured_on=date(2010, 1, 1),
        medium="LPG",
        owner_id=OTHER,
        permitted_fill_kg=10.0,
    )
    fill = FillFacts(medium="H2", fill_date=DAY, prefill_passed=False, filled_mass_kg=12.0)
    lapsed = LICENCE._replace(status="revoked", status_changed_on=date(2026, 1, 1))

    assert reasons(fill, cylinder, (lapsed,), None) == [
        FillReason.cylinder_scrapped,
        FillReason.inspection_overdue,
        FillReason.past_design_life,
        FillReason.medium_mismatch,
        FillReason.medium_outside_licence,
        FillReason.licence_invalid,
        FillReason.filler_not_certified,
        FillReason.lpg_not_own_property,
        FillReason.prefill_check_failed,
        FillReason.overfilled,
    ]


def test_an_unknown_cylinder_with_station_and_filler_faults_gives_all_of_them() -> None:
    fill = FILL._replace(prefill_passed=False)
    assert reasons(fill, None, (), CERTIFICATE._replace(item="T")) == [
        FillReason.unknown_cylinder,
        FillReason.medium_outside_licence,
        FillReason.licence_invalid,
        FillReason.filler_not_certified,
        FillReason.prefill_check_failed,
    ]


def test_the_reason_codes_are_the_contracts_strings() -> None:
    assert [reason.value for reason in FillReason] == [
        "invalid",
        "unknown_cylinder",
        "cylinder_scrapped",
        "inspection_overdue",
        "past_design_life",
        "medium_mismatch",
        "medium_outside_licence",
        "licence_invalid",
        "filler_not_certified",
        "lpg_not_own_property",
        "prefill_check_failed",
        "overfilled",
    ]


def test_design_life_from_29_february_ends_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 8) == date(2032, 2, 29)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_malformed_fills_name_their_field() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)

    backwards = malformed(
        started_at=start,
        ended_at=start - timedelta(minutes=1),
        filled_mass_kg=1.0,
        final_pressure_mpa=None,
        now=now,
    )
    future = malformed(
        started_at=now + timedelta(days=2),
        ended_at=now + timedelta(days=2),
        filled_mass_kg=None,
        final_pressure_mpa=15.0,
        now=now,
    )
    no_amount = malformed(
        started_at=start, ended_at=start, filled_mass_kg=None, final_pressure_mpa=None, now=now
    )

    too_old = malformed(
        started_at=now - timedelta(days=400),
        ended_at=now - timedelta(days=400),
        filled_mass_kg=1.0,
        final_pressure_mpa=None,
        now=now,
    )

    assert [p.field for p in backwards] == ["ended_at"]
    assert [p.field for p in too_old] == ["started_at"]
    assert [p.field for p in future] == ["started_at"]
    assert [p.field for p in no_amount] == ["filled_mass_kg"]


def test_an_lpg_cylinder_extended_once_is_filled_until_twelve_years_and_never_after() -> None:
    extended = CYLINDER._replace(manufactured_on=date(2016, 11, 21), life_extension_years=4)
    at_twelve = CYLINDER._replace(manufactured_on=date(2014, 11, 20), life_extension_years=4)
    long_life = CYLINDER._replace(
        manufactured_on=date(2014, 11, 20), design_life_years=15, life_extension_years=0
    )

    assert reasons(cylinder=extended) == []
    assert reasons(cylinder=at_twelve) == [FillReason.past_design_life]
    assert reasons(cylinder=long_life) == [FillReason.past_design_life]


def test_a_refused_fill_with_gas_in_it_was_filled_anyway_and_one_without_was_not() -> None:
    scrapped = [FillReason.cylinder_scrapped]

    assert filled_anyway(scrapped, filled_mass_kg=14.0, final_pressure_mpa=None)
    assert filled_anyway(scrapped, filled_mass_kg=None, final_pressure_mpa=15.0)
    assert not filled_anyway(scrapped, filled_mass_kg=0.0, final_pressure_mpa=None)
    assert not filled_anyway(scrapped, filled_mass_kg=None, final_pressure_mpa=0.0)
    assert not filled_anyway([], filled_mass_kg=14.0, final_pressure_mpa=None)


def test_a_refused_fill_is_a_major_hazard_unless_only_the_papers_were_wrong() -> None:
    assert refused_fill_severity([FillReason.filler_not_certified]) == "general"
    assert refused_fill_severity(
        [FillReason.licence_invalid, FillReason.lpg_not_own_property]
    ) == "general"  # fmt: skip
    assert refused_fill_severity([FillReason.licence_invalid, FillReason.overfilled]) == "major"
    assert refused_fill_severity([FillReason.inspection_overdue]) == "major"


def test_a_fills_signal_id_is_the_same_every_time_and_differs_per_station() -> None:
    assert refused_fill_signal_id(STATION, "F-1") == refused_fill_signal_id(STATION, "F-1")
    assert refused_fill_signal_id(STATION, "F-1") != refused_fill_signal_id(OTHER, "F-1")


def test_a_batch_is_judged_fill_by_fill_as_each_would_be_alone() -> None:
    """The batch judge works out the licences and fillers once per date; every combination of
    cylinder, filler, medium, date, checks and mass still gets exactly `fill_reasons`."""
    cylinders = {
        "own": CYLINDER,
        "scrapped-overdue": CYLINDER._replace(
            status="scrapped", next_inspection_on=DAY - timedelta(days=1)
        ),
        "old": CYLINDER._replace(manufactured_on=add_years(DAY, -12)),
        "others-lpg": CYLINDER._replace(owner_id=OTHER),
        "others-o2": CYLINDER._replace(medium="O2", owner_id=OTHER, permitted_fill_kg=None),
    }
    certificates = {
        "P-OWN": CERTIFICATE,
        "P-OTHER": CERTIFICATE._replace(employer_id=OTHER),
        "P-LAPSED": CERTIFICATE._replace(valid_to=DAY - timedelta(days=1)),
    }
    licences = (
        LICENCE,
        LICENCE._replace(scope=frozenset({"H2"}), valid_to=DAY + timedelta(days=1)),
    )
    judge = BatchJudge(
        station_id=STATION, licences=licences, cylinders=cylinders, certificates=certificates
    )
    combinations = itertools.product(
        [*cylinders, "unknown"],
        [*certificates, "P-UNKNOWN"],
        ["LPG", "O2", "H2", "CNG"],
        [DAY, DAY + timedelta(days=2), date(2031, 1, 1)],
        [True, False],
        [14.2, 15.0, None],
    )
    judged = 0
    for code, number, medium, day, prefill_passed, mass in combinations:
        fill = FillFacts(
            medium=medium, fill_date=day, prefill_passed=prefill_passed, filled_mass_kg=mass
        )
        alone = fill_reasons(
            fill,
            station_id=STATION,
            cylinder=cylinders.get(code),
            licences=licences,
            certificate=certificates.get(number),
        )
        assert judge.reasons(fill, cylinder_code=code, filler_certificate=number) == alone
        judged += 1
    assert judged == 6 * 4 * 4 * 3 * 2 * 3
