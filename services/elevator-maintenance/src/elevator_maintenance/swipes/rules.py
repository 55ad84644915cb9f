"""Pure decisions on a swipe: is it acceptable, and why not (DOMAIN.md, "Elevator maintenance";
TSG T5002 and the local attendance rules: a certified worker of the contracted company, at the
elevator, at a believable time)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

ELEVATOR_ITEM = "T"
"""作业项目代号 of elevator repair and maintenance (TSG Z6001)."""
IN_USE = "in_use"
_EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")


class SwipeReason(StrEnum):
    """Why a swipe is rejected. Values are stable API: other systems are built against them."""

    invalid = "invalid"
    unknown_equipment = "unknown_equipment"
    equipment_not_in_use = "equipment_not_in_use"
    no_valid_contract = "no_valid_contract"
    unknown_certificate = "unknown_certificate"
    certificate_expired = "certificate_expired"
    certificate_wrong_item = "certificate_wrong_item"
    certificate_other_employer = "certificate_other_employer"
    time_in_future = "time_in_future"
    time_too_old = "time_too_old"
    outside_geofence = "outside_geofence"


@dataclass(frozen=True, slots=True)
class SwipeFacts:
    """What the client said: the fields a decision needs."""

    equipment_code: str
    certificate_number: str
    at: datetime
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Elevator:
    status: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class ContractTerm:
    """One contract of the swiping company for the elevator."""

    valid_from: date
    in_force_until: date
    """included: the contract's end, or the day it was terminated"""
    maintenance_interval_days: int | None = None


@dataclass(frozen=True, slots=True)
class Certificate:
    item: str
    employer_id: uuid.UUID
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True)
class SwipeLimits:
    """The thresholds of the rules; settings, so a city can set its own."""

    future_tolerance: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=30)
    geofence_m: float = 200.0
    zone: ZoneInfo = BUSINESS_ZONE


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) on the mean earth sphere; within 0.5 % of WGS-84's
    ellipsoid, which is far below a phone's GPS error at a 200 m fence."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def has_valid_contract(contracts: list[ContractTerm], on: date) -> bool:
    """A contract of the company covers the elevator on that (business) day, ends included."""
    return any(c.valid_from <= on <= c.in_force_until for c in contracts)


def check_swipe(
    swipe: SwipeFacts,
    *,
    company_id: uuid.UUID,
    elevator: Elevator | None,
    contracts: list[ContractTerm],
    certificate: Certificate | None,
    now: datetime,
    limits: SwipeLimits,
) -> list[SwipeReason]:
    """Every reason that applies, in a fixed order; empty when the swipe is accepted.

    The contract and the certificate are judged on the business day (Asia/Shanghai) of the
    swipe's own time, not of its arrival: a terminal that was offline posts yesterday's visit
    today, and yesterday's contract is what counts.
    """
    return [
        *standing_reasons(
            company_id=company_id,
            elevator=elevator,
            contracts=contracts,
            certificate=certificate,
            on=swipe.at.astimezone(limits.zone).date(),
        ),
        *time_and_place_reasons(swipe, elevator=elevator, now=now, limits=limits),
    ]


def standing_reasons(
    *,
    company_id: uuid.UUID,
    elevator: Elevator | None,
    contracts: list[ContractTerm],
    certificate: Certificate | None,
    on: date,
) -> list[SwipeReason]:
    """check_swipe's reasons about the elevator, the contract and the certificate on the
    business day `on` — the same for every swipe of one worker at one elevator that day, so a
    batch judges them once per such triple."""
    reasons: list[SwipeReason] = []
    if elevator is None:
        reasons.append(SwipeReason.unknown_equipment)
    elif elevator.status != IN_USE:
        reasons.append(SwipeReason.equipment_not_in_use)
    if not has_valid_contract(contracts, on):
        reasons.append(SwipeReason.no_valid_contract)
    if certificate is None:
        reasons.append(SwipeReason.unknown_certificate)
    else:
        if not certificate.valid_from <= on <= certificate.valid_to:
            reasons.append(SwipeReason.certificate_expired)
        if certificate.item != ELEVATOR_ITEM:
            reasons.append(SwipeReason.certificate_wrong_item)
        if certificate.employer_id != company_id:
            reasons.append(SwipeReason.certificate_other_employer)
    return reasons


def time_and_place_reasons(
    swipe: SwipeFacts, *, elevator: Elevator | None, now: datetime, limits: SwipeLimits
) -> list[SwipeReason]:
    """check_swipe's reasons about the swipe's own time and position, after standing_reasons'."""
    reasons: list[SwipeReason] = []
    if swipe.at > now + limits.future_tolerance:
        reasons.append(SwipeReason.time_in_future)
    if swipe.at < now - limits.max_age:
        reasons.append(SwipeReason.time_too_old)
    if (
        elevator is not None
        and elevator.lat is not None
        and elevator.lon is not None
        and swipe.lat is not None
        and swipe.lon is not None
        and distance_m(swipe.lat, swipe.lon, elevator.lat, elevator.lon) > limits.geofence_m
    ):
        reasons.append(SwipeReason.outside_geofence)
    return reasons
