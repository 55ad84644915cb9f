"""Maintenance contracts: one company per elevator at a time, elevators only, early ends."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from registry.contracts.rules import (
    HeldElevator,
    NoContractAccess,
    Period,
    company_violation,
    elevator_violations,
    in_force_until,
    overlap_violations,
    readable_company,
    termination_violation,
)
from tzsb_common.auth import CallerKind, Principal

A, B, C = "311000000000000001", "311000000000000002", "311000000000000003"
YEAR_2026 = Period(date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("other", "overlaps"),
    [
        (Period(date(2025, 1, 1), date(2025, 12, 31)), False),  # ends the day before
        (Period(date(2027, 1, 1), date(2027, 12, 31)), False),  # starts the day after
        (Period(date(2025, 1, 1), date(2026, 1, 1)), True),  # shares the first day
        (Period(date(2026, 12, 31), date(2027, 6, 30)), True),  # shares the last day
        (Period(date(2026, 3, 1), date(2026, 3, 31)), True),  # inside
        (Period(date(2025, 1, 1), date(2028, 1, 1)), True),  # around
        (Period(date(2026, 6, 1), date(2026, 5, 31)), False),  # voided before it began
    ],
)
def test_periods_overlap_when_they_share_a_day(other: Period, overlaps: bool) -> None:
    assert YEAR_2026.overlaps(other) is overlaps
    assert other.overlaps(YEAR_2026) is overlaps


def test_an_elevator_under_another_contract_is_refused_at_its_place_in_the_list() -> None:
    held = [
        HeldElevator(B, uuid.uuid4(), Period(date(2025, 7, 1), date(2026, 6, 30))),
        HeldElevator(C, uuid.uuid4(), Period(date(2025, 1, 1), date(2025, 12, 31))),
    ]
    violations = overlap_violations([A, B, C], YEAR_2026, held)
    assert [(v.field, v.code) for v in violations] == [
        (("equipment_codes", 1), "contract_overlaps")
    ]


def test_an_elevator_is_reported_once_however_many_contracts_overlap() -> None:
    held = [HeldElevator(A, uuid.uuid4(), YEAR_2026), HeldElevator(A, uuid.uuid4(), YEAR_2026)]
    assert len(overlap_violations([A], YEAR_2026, held)) == 1


def test_a_contract_ended_early_frees_the_days_after_its_end() -> None:
    ended = HeldElevator(A, uuid.uuid4(), Period(date(2026, 1, 1), in_force_until(
        date(2026, 12, 31), date(2026, 6, 30))))  # fmt: skip
    after = Period(date(2026, 7, 1), date(2027, 6, 30))
    assert overlap_violations([A], after, [ended]) == []
    assert in_force_until(date(2026, 12, 31), None) == date(2026, 12, 31)


def test_only_registered_elevators_in_service_can_be_contracted() -> None:
    found = {
        A: ("3000", "in_use"),
        B: ("4000", "in_use"),
        C: ("3000", "scrapped"),
    }
    missing = "311000000000000009"
    violations = elevator_violations([A, B, C, missing, A], found)
    assert [(v.field[1], v.code) for v in violations] == [
        (1, "not_an_elevator"),
        (2, "equipment_out_of_service"),
        (3, "unknown_equipment"),
        (4, "duplicate_equipment_code"),
    ]


def test_the_holder_is_a_registered_maintenance_company() -> None:
    assert company_violation("maintenance_company") is None
    unknown = company_violation(None)
    assert unknown is not None
    assert unknown.code == "unknown_maintenance_company"
    station = company_violation("filling_station")
    assert station is not None
    assert station.code == "not_a_maintenance_company"


@pytest.mark.parametrize(
    ("terminated_on", "allowed"),
    [
        (date(2025, 12, 31), True),  # voids a contract that has not begun
        (date(2026, 1, 1), True),
        (date(2026, 12, 30), True),
        (date(2026, 12, 31), False),  # its own end: nothing is terminated
        (date(2025, 12, 30), False),
        (date(2027, 1, 1), False),
    ],
)
def test_a_termination_falls_within_the_term(terminated_on: date, allowed: bool) -> None:
    violation = termination_violation(
        valid_from=YEAR_2026.first, valid_to=YEAR_2026.last, terminated_on=terminated_on
    )
    assert (violation is None) is allowed
    if violation is not None:
        assert violation.code == "termination_date_out_of_range"


def test_a_maintenance_company_reads_only_the_contracts_it_holds() -> None:
    def caller(kind: CallerKind) -> Principal:
        return Principal(client_id="c", organisation_id=uuid.uuid4(), kind=kind)

    for kind in (CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency):
        assert readable_company(caller(kind)) is None
    company = caller(CallerKind.maintenance_company)
    assert readable_company(company) == company.organisation_id
    for kind in (CallerKind.use_unit, CallerKind.filling_station):
        with pytest.raises(NoContractAccess):
            readable_company(caller(kind))
