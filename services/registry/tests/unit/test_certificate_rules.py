"""Identity numbers (居民身份证号), masking and who reads which certificates."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from registry.certificates.rules import (
    IdNumberReason,
    NoCertificateAccess,
    employer_violation,
    id_number_check_character,
    id_number_problem,
    mask_id_number,
    readable_employer,
    sees_full_id_number,
)
from tzsb_common.auth import CallerKind, Principal

TODAY = date(2026, 11, 26)


def principal(kind: CallerKind) -> Principal:
    return Principal(client_id="c", organisation_id=uuid.uuid4(), kind=kind)


@pytest.mark.parametrize(
    ("first_17", "check"),
    [
        ("11010519491231002", "X"),  # GB 11643-1999's own example
        ("44052418800101001", "4"),  # the example most references quote
    ],
)
def test_check_character_is_iso_7064_mod_11_2(first_17: str, check: str) -> None:
    assert id_number_check_character(first_17) == check


def test_every_remainder_has_its_own_check_character() -> None:
    seen = {id_number_check_character(f"{n:017d}") for n in range(0, 200)}
    assert seen == set("0123456789X")


def test_a_well_formed_identity_number_passes() -> None:
    assert id_number_problem("11010519491231002X", today=TODAY) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", IdNumberReason.id_number_format),  # 17 characters
        ("11010519491231002XX", IdNumberReason.id_number_format),
        ("1101051949123100AX", IdNumberReason.id_number_format),
        ("11010519491231002x", IdNumberReason.id_number_format),  # upper-cased by the schema
        ("110105194912310021", IdNumberReason.id_number_check_character),
        ("110105194902300020", IdNumberReason.id_number_birth_date),  # 30 February
        ("110105194913010020", IdNumberReason.id_number_birth_date),  # month 13
        ("110105189912310020", IdNumberReason.id_number_birth_date),  # before 1900
        ("110105202612010020", IdNumberReason.id_number_birth_date),  # after today
    ],
)
def test_a_malformed_identity_number_is_refused_with_its_reason(
    value: str, reason: IdNumberReason
) -> None:
    problem = id_number_problem(value, today=TODAY)
    assert problem is not None
    assert problem[0] is reason


def test_a_birth_date_of_29_february_in_a_leap_year_is_real() -> None:
    body = "11010520000229001"
    assert id_number_problem(body + id_number_check_character(body), today=TODAY) is None


def test_masking_keeps_the_first_four_and_last_four_characters() -> None:
    assert mask_id_number("620102199003071234") == "6201**********1234"
    assert len(mask_id_number("11010519491231002X")) == 18
    assert mask_id_number("1234") == "****"


def test_only_the_bureau_sees_identity_numbers_in_full() -> None:
    assert sees_full_id_number(principal(CallerKind.bureau))
    for kind in CallerKind:
        if kind is not CallerKind.bureau:
            assert not sees_full_id_number(principal(kind)), kind


def test_employers_read_their_own_workers_and_supervisors_read_everyone() -> None:
    for kind in (CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency):
        assert readable_employer(principal(kind)) is None
    for kind in (CallerKind.maintenance_company, CallerKind.filling_station):
        caller = principal(kind)
        assert readable_employer(caller) == caller.organisation_id
    with pytest.raises(NoCertificateAccess):
        readable_employer(principal(CallerKind.use_unit))


def test_the_employer_is_a_registered_unit_that_runs_maintains_or_fills() -> None:
    assert employer_violation("maintenance_company") is None
    assert employer_violation("filling_station") is None
    assert employer_violation("use_unit") is None
    unknown = employer_violation(None)
    assert unknown is not None
    assert unknown.code == "unknown_employer"
    bureau = employer_violation("bureau")
    assert bureau is not None
    assert bureau.code == "employer_kind_not_allowed"
