"""Every reason a swipe is rejected for, one at a time and together (DOMAIN.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from elevator_maintenance.swipes.rules import (
    Certificate,
    ContractTerm,
    Elevator,
    SwipeFacts,
    SwipeLimits,
    SwipeReason,
    check_swipe,
    distance_m,
)

COMPANY = uuid.uuid4()
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 11, 25)
LAT, LON = 36.51, 103.62
LIMITS = SwipeLimits()
AT_THE_LIFT = Elevator("in_use", LAT, LON)
CERTIFIED = Certificate("T", COMPANY, date(2025, 1, 1), date(2029, 12, 31))


def judge(
    *,
    at: datetime = NOW - timedelta(minutes=10),
    lat: float | None = LAT + 0.001,  # about 111 m north
    lon: float | None = LON,
    elevator: Elevator | None = AT_THE_LIFT,
    contracts: list[ContractTerm] | None = None,
    certificate: Certificate | None = CERTIFIED,
    limits: SwipeLimits = LIMITS,
) -> list[SwipeReason]:
    return check_swipe(
        SwipeFacts("311000000000000001", "TS0001", at, lat, lon),
        company_id=COMPANY,
        elevator=elevator,
        contracts=[ContractTerm(date(2026, 1, 1), date(2026, 12, 31))]
        if contracts is None
        else contracts,
        certificate=certificate,
        now=NOW,
        limits=limits,
    )


def test_a_swipe_at_a_contracted_elevator_in_use_by_a_certified_worker_is_accepted() -> None:
    assert judge() == []


def test_an_unknown_elevator_is_rejected() -> None:
    assert judge(elevator=None) == [SwipeReason.unknown_equipment]


@pytest.mark.parametrize("status", ["suspended", "scrapped", "deregistered"])
def test_an_elevator_not_in_use_is_rejected(status: str) -> None:
    assert judge(elevator=Elevator(status, LAT, LON)) == [SwipeReason.equipment_not_in_use]


def test_a_swipe_without_any_contract_of_the_company_is_rejected() -> None:
    assert judge(contracts=[]) == [SwipeReason.no_valid_contract]


def test_a_contract_counts_on_the_business_day_of_the_swipe_not_of_its_arrival() -> None:
    ended_yesterday = [ContractTerm(date(2026, 1, 1), TODAY - timedelta(days=1))]
    yesterday_evening = datetime(2026, 11, 24, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    today_early = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)  # 00:01 in Shanghai

    assert judge(at=yesterday_evening, contracts=ended_yesterday) == []
    assert judge(at=today_early, contracts=ended_yesterday) == [SwipeReason.no_valid_contract]


def test_a_contract_not_yet_in_force_is_no_valid_contract() -> None:
    assert judge(contracts=[ContractTerm(TODAY + timedelta(days=1), date(2027, 12, 31))]) == [
        SwipeReason.no_valid_contract
    ]


def test_an_unknown_certificate_is_rejected_and_not_judged_further() -> None:
    assert judge(certificate=None) == [SwipeReason.unknown_certificate]


def test_an_expired_certificate_is_rejected() -> None:
    expired = Certificate("T", COMPANY, date(2020, 1, 1), TODAY - timedelta(days=1))
    assert judge(certificate=expired) == [SwipeReason.certificate_expired]


def test_a_certificate_valid_through_the_swipe_day_is_accepted() -> None:
    assert judge(certificate=Certificate("T", COMPANY, date(2020, 1, 1), TODAY)) == []


def test_a_certificate_for_another_item_is_rejected() -> None:
    filler = Certificate("P", COMPANY, date(2025, 1, 1), date(2029, 12, 31))
    assert judge(certificate=filler) == [SwipeReason.certificate_wrong_item]


def test_a_certificate_of_another_employer_is_rejected() -> None:
    lent = Certificate("T", uuid.uuid4(), date(2025, 1, 1), date(2029, 12, 31))
    assert judge(certificate=lent) == [SwipeReason.certificate_other_employer]


def test_a_time_more_than_five_minutes_ahead_is_rejected() -> None:
    assert judge(at=NOW + timedelta(minutes=5)) == []
    assert judge(at=NOW + timedelta(minutes=5, seconds=1)) == [SwipeReason.time_in_future]


def test_a_time_more_than_thirty_days_old_is_rejected() -> None:
    # Thirty days back the contract and certificate are still valid; only the age counts.
    assert judge(at=NOW - timedelta(days=30)) == []
    assert judge(at=NOW - timedelta(days=30, seconds=1)) == [SwipeReason.time_too_old]


def test_a_position_farther_than_200_m_is_rejected() -> None:
    assert judge(lat=LAT + 0.0017) == []  # about 189 m
    assert judge(lat=LAT + 0.0019) == [SwipeReason.outside_geofence]  # about 211 m


@pytest.mark.parametrize(
    ("lat", "lon", "elevator"),
    [
        (None, None, Elevator("in_use", LAT, LON)),
        (LAT + 1, None, Elevator("in_use", LAT, LON)),
        (LAT + 1, LON, Elevator("in_use", None, None)),
    ],
)
def test_the_fence_applies_only_when_both_positions_are_known(
    lat: float | None, lon: float | None, elevator: Elevator
) -> None:
    assert judge(lat=lat, lon=lon, elevator=elevator) == []


def test_the_limits_are_settings() -> None:
    strict = SwipeLimits(future_tolerance=timedelta(0), max_age=timedelta(days=1), geofence_m=50.0)
    assert judge(limits=strict, at=NOW + timedelta(seconds=1)) == [
        SwipeReason.time_in_future,
        SwipeReason.outside_geofence,
    ]


def test_every_reason_that_applies_is_given_in_a_fixed_order() -> None:
    reasons = judge(
        elevator=Elevator("scrapped", LAT, LON),
        contracts=[],
        certificate=Certificate("P", uuid.uuid4(), date(2020, 1, 1), date(2021, 1, 1)),
        at=NOW + timedelta(hours=1),
        lat=LAT + 1,
    )
    assert reasons == [
        SwipeReason.equipment_not_in_use,
        SwipeReason.no_valid_contract,
        SwipeReason.certificate_expired,
        SwipeReason.certificate_wrong_item,
        SwipeReason.certificate_other_employer,
        SwipeReason.time_in_future,
        SwipeReason.outside_geofence,
    ]
    assert judge(elevator=None, at=NOW - timedelta(days=31), certificate=None) == [
        SwipeReason.unknown_equipment,
        SwipeReason.unknown_certificate,
        SwipeReason.time_too_old,
    ]


def test_the_reason_codes_are_the_contract_strings() -> None:
    assert {r.value for r in SwipeReason} == {
        "invalid", "unknown_equipment", "equipment_not_in_use", "no_valid_contract",
        "unknown_certificate", "certificate_expired", "certificate_wrong_item",
        "certificate_other_employer", "time_in_future", "time_too_old", "outside_geofence",
    }  # fmt: skip


def test_distance_is_the_great_circle_distance() -> None:
    assert distance_m(LAT, LON, LAT, LON) == 0
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(LAT, LON, LAT + 0.001, LON) == pytest.approx(111.2, rel=1e-2)
