"""Whether a fill may be made: every refusal reason that applies, as a pure function of the
fill, the cylinder, the station's filling licences and the filler's certificate (TSG 23,
TSG Z6001; DOMAIN.md "Gas cylinders and filling"). No I/O; dates are passed in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

LPG = "LPG"
FILLER_ITEM = "P"  # 作业项目 P 气瓶充装 (TSG Z6001)
CLOCK_SKEW = timedelta(days=1)
"""How far in the future a fill may start before it is taken for a wrong clock."""
OLDEST_FILL = timedelta(days=366)
"""How long after a fill its record may still be posted: terminals post what they kept while
offline, not years of history, and a wrong clock must not open a partition for a year long
past."""


class FillReason(StrEnum):
    """Why a fill is refused. Values are stable API (issue contract)."""

    invalid = "invalid"
    unknown_cylinder = "unknown_cylinder"
    cylinder_scrapped = "cylinder_scrapped"
    inspection_overdue = "inspection_overdue"
    past_design_life = "past_design_life"
    medium_mismatch = "medium_mismatch"
    medium_outside_licence = "medium_outside_licence"
    licence_invalid = "licence_invalid"
    filler_not_certified = "filler_not_certified"
    lpg_not_own_property = "lpg_not_own_property"
    prefill_check_failed = "prefill_check_failed"
    overfilled = "overfilled"


@dataclass(frozen=True, slots=True)
class FillFacts:
    """What the rules need of a fill."""

    medium: str
    fill_date: date
    """The business date (Asia/Shanghai) the fill started on."""
    prefill_passed: bool
    filled_mass_kg: float | None


@dataclass(frozen=True, slots=True)
class CylinderFacts:
    medium: str
    status: str
    next_inspection_on: date
    manufactured_on: date
    design_life_years: int
    owner_id: uuid.UUID
    permitted_fill_kg: float | None


@dataclass(frozen=True, slots=True)
class LicenceFacts:
    """A filling licence (充装许可证) of the station."""

    scope: frozenset[str]
    valid_from: date
    valid_to: date
    status: str
    """active | suspended | revoked — the current status."""
    status_changed_on: date | None


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    item: str
    employer_id: uuid.UUID
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True)
class Malformed:
    """A fill that cannot be judged: the field at fault and why."""

    field: str
    message: str


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def licence_in_force(licence: LicenceFacts, on: date) -> bool:
    """Within its validity, and not suspended or revoked by then. A suspension or revocation
    takes effect on its `status_changed_on`; fills made before it, posted late, were licensed."""
    if not licence.valid_from <= on <= licence.valid_to:
        return False
    if licence.status == "active":
        return True
    return licence.status_changed_on is not None and on < licence.status_changed_on


def filler_certified(
    certificate: CertificateFacts | None, *, station_id: uuid.UUID, on: date
) -> bool:
    """Certified for cylinder filling (item P), in date, and employed by this station."""
    return (
        certificate is not None
        and certificate.item == FILLER_ITEM
        and certificate.employer_id == station_id
        and certificate.valid_from <= on <= certificate.valid_to
    )


def fill_reasons(
    fill: FillFacts,
    *,
    station_id: uuid.UUID,
    cylinder: CylinderFacts | None,
    licences: Sequence[LicenceFacts],
    certificate: CertificateFacts | None,
) -> list[FillReason]:
    """Every reason that applies, in the contract's order; empty: the fill is accepted."""
    reasons: list[FillReason] = []
    on = fill.fill_date
    if cylinder is None:
        reasons.append(FillReason.unknown_cylinder)
    else:
        if cylinder.status == "scrapped":
            reasons.append(FillReason.cylinder_scrapped)
        if cylinder.next_inspection_on < on:
            reasons.append(FillReason.inspection_overdue)
        if on >= add_years(cylinder.manufactured_on, cylinder.design_life_years):
            reasons.append(FillReason.past_design_life)
        if fill.medium != cylinder.medium:
            reasons.append(FillReason.medium_mismatch)
    in_force = [licence for licence in licences if licence_in_force(licence, on)]
    # The medium is judged against the licences in force; with none in force, against any the
    # station holds, so a station never licensed for the medium is told both.
    judged = in_force or licences
    if not any(fill.medium in licence.scope for licence in judged):
        reasons.append(FillReason.medium_outside_licence)
    if not in_force:
        reasons.append(FillReason.licence_invalid)
    if not filler_certified(certificate, station_id=station_id, on=on):
        reasons.append(FillReason.filler_not_certified)
    if cylinder is not None and cylinder.medium == LPG and cylinder.owner_id != station_id:
        # TSG 23: an LPG station fills only the cylinders it owns (产权).
        reasons.append(FillReason.lpg_not_own_property)
    if not fill.prefill_passed:
        reasons.append(FillReason.prefill_check_failed)
    if (
        cylinder is not None
        and cylinder.permitted_fill_kg is not None
        and fill.filled_mass_kg is not None
        and fill.filled_mass_kg > cylinder.permitted_fill_kg
    ):
        reasons.append(FillReason.overfilled)
    return reasons


def malformed(
    *,
    started_at: datetime,
    ended_at: datetime,
    filled_mass_kg: float | None,
    final_pressure_mpa: float | None,
    now: datetime,
) -> list[Malformed]:
    """What a well-typed fill may still get wrong; such a fill is answered `invalid`."""
    problems: list[Malformed] = []
    if ended_at < started_at:
        problems.append(Malformed("ended_at", "the fill ends before it starts"))
    if started_at > now + CLOCK_SKEW:
        problems.append(Malformed("started_at", "the fill starts in the future"))
    elif started_at < now - OLDEST_FILL:
        problems.append(Malformed("started_at", "the fill is more than a year old"))
    if filled_mass_kg is None and final_pressure_mpa is None:
        problems.append(Malformed("filled_mass_kg", "give filled_mass_kg or final_pressure_mpa"))
    return problems
