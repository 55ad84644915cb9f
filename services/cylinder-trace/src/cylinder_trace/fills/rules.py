"""Whether a fill may be made: every refusal reason that applies, as a pure function of the
fill, the cylinder, the station's filling licences and the filler's certificate (TSG 23,
TSG Z6001; DOMAIN.md "Gas cylinders and filling"). No I/O; dates are passed in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple

from cylinder_trace.cylinders.rules import LPG, service_life_ends_on

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


class FillFacts(NamedTuple):
    """What the rules need of a fill. The facts are named tuples, not frozen dataclasses:
    as immutable, and built several times faster, which tells on a batch of 1,000 fills."""

    medium: str
    fill_date: date
    """The business date (Asia/Shanghai) the fill started on."""
    prefill_passed: bool
    filled_mass_kg: float | None


class CylinderFacts(NamedTuple):
    medium: str
    status: str
    next_inspection_on: date
    manufactured_on: date
    design_life_years: int
    owner_id: uuid.UUID
    permitted_fill_kg: float | None
    life_extension_years: int = 0
    """Years a passing inspection added to an LPG cylinder's life (once, 4)."""


class LicenceFacts(NamedTuple):
    """A filling licence (充装许可证) of the station."""

    scope: frozenset[str]
    valid_from: date
    valid_to: date
    status: str
    """active | suspended | revoked — the current status."""
    status_changed_on: date | None


class CertificateFacts(NamedTuple):
    item: str
    employer_id: uuid.UUID
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True)
class Malformed:
    """A fill that cannot be judged: the field at fault and why."""

    field: str
    message: str


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
    on = fill.fill_date
    return _reasons(
        fill,
        station_id=station_id,
        cylinder=cylinder,
        life_ends_on=None if cylinder is None else cylinder_life_ends_on(cylinder),
        licence_reasons=licence_reasons(licences, medium=fill.medium, on=on),
        filler_certified=filler_certified(certificate, station_id=station_id, on=on),
    )


def cylinder_life_ends_on(cylinder: CylinderFacts) -> date:
    return service_life_ends_on(
        medium=cylinder.medium,
        manufactured_on=cylinder.manufactured_on,
        design_life_years=cylinder.design_life_years,
        life_extension_years=cylinder.life_extension_years,
    )


def licence_reasons(
    licences: Sequence[LicenceFacts], *, medium: str, on: date
) -> tuple[FillReason, ...]:
    """What the station's filling licences say against filling `medium` on `on`."""
    reasons: tuple[FillReason, ...] = ()
    in_force = [licence for licence in licences if licence_in_force(licence, on)]
    # The medium is judged against the licences in force; with none in force, against any the
    # station holds, so a station never licensed for the medium is told both.
    judged = in_force or licences
    if not any(medium in licence.scope for licence in judged):
        reasons += (FillReason.medium_outside_licence,)
    if not in_force:
        reasons += (FillReason.licence_invalid,)
    return reasons


def _reasons(
    fill: FillFacts,
    *,
    station_id: uuid.UUID,
    cylinder: CylinderFacts | None,
    life_ends_on: date | None,
    licence_reasons: tuple[FillReason, ...],
    filler_certified: bool,
) -> list[FillReason]:
    reasons: list[FillReason] = []
    on = fill.fill_date
    if cylinder is None:
        reasons.append(FillReason.unknown_cylinder)
    else:
        if cylinder.status == "scrapped":
            reasons.append(FillReason.cylinder_scrapped)
        if cylinder.next_inspection_on < on:
            reasons.append(FillReason.inspection_overdue)
        if life_ends_on is not None and on >= life_ends_on:
            reasons.append(FillReason.past_design_life)
        if fill.medium != cylinder.medium:
            reasons.append(FillReason.medium_mismatch)
    reasons.extend(licence_reasons)
    if not filler_certified:
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


class BatchJudge:
    """`fill_reasons` over the fills of one batch of one station, which share its licences
    and a few fillers and dates: what depends only on those is worked out once per medium
    and date, or per filler and date, instead of once per fill. Pure, like `fill_reasons`."""

    def __init__(
        self,
        *,
        station_id: uuid.UUID,
        licences: Sequence[LicenceFacts],
        cylinders: Mapping[str, CylinderFacts],
        certificates: Mapping[str, CertificateFacts],
    ) -> None:
        self._station_id = station_id
        self._licences = licences
        self._cylinders = cylinders
        self._certificates = certificates
        self._licence_reasons: dict[tuple[str, date], tuple[FillReason, ...]] = {}
        self._certified: dict[tuple[str, date], bool] = {}

    def reasons(
        self, fill: FillFacts, *, cylinder_code: str, filler_certificate: str
    ) -> list[FillReason]:
        on = fill.fill_date
        licence_key = (fill.medium, on)
        licence = self._licence_reasons.get(licence_key)
        if licence is None:
            licence = licence_reasons(self._licences, medium=fill.medium, on=on)
            self._licence_reasons[licence_key] = licence
        filler_key = (filler_certificate, on)
        certified = self._certified.get(filler_key)
        if certified is None:
            certified = filler_certified(
                self._certificates.get(filler_certificate), station_id=self._station_id, on=on
            )
            self._certified[filler_key] = certified
        cylinder = self._cylinders.get(cylinder_code)
        return _reasons(
            fill,
            station_id=self._station_id,
            cylinder=cylinder,
            life_ends_on=None if cylinder is None else cylinder_life_ends_on(cylinder),
            licence_reasons=licence,
            filler_certified=certified,
        )


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


_PAPERWORK_ONLY = frozenset(
    {
        FillReason.medium_outside_licence,
        FillReason.licence_invalid,
        FillReason.filler_not_certified,
        FillReason.lpg_not_own_property,
    }
)
"""Refusals about the station's papers, not about the cylinder in the filler's hands."""
REFUSED_FILL_SIGNAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tzsb:signal:refused-fill")
"""Fixed forever: a signal's id is derived from it, so a re-sent signal keeps its id."""


def filled_anyway(
    reasons: Sequence[FillReason], *, filled_mass_kg: float | None, final_pressure_mpa: float | None
) -> bool:
    """A refused fill whose post-fill reading (充装后复核: the mass or the final pressure) shows
    gas went in: the station filled a cylinder the rules told it not to (TSG 23 拒充仍充装). A
    station that stops posts its refusal with a zero mass or pressure."""
    quantity = filled_mass_kg if filled_mass_kg is not None else final_pressure_mpa
    return bool(reasons) and quantity is not None and quantity > 0


def refused_fill_severity(reasons: Sequence[FillReason]) -> Literal["general", "major"]:
    """重大 major when the cylinder itself was unfit to fill (scrapped, untraceable, overdue,
    past its life, wrong medium, overfilled, a failed pre-fill check); 一般 general when only
    the station's licence, filler or ownership was wrong."""
    return "general" if set(reasons) <= _PAPERWORK_ONLY else "major"


def refused_fill_signal_id(station_id: uuid.UUID, fill_id: str) -> uuid.UUID:
    """One observation per (station, fill id): the same fill never raises two signals."""
    return uuid.uuid5(REFUSED_FILL_SIGNAL_NAMESPACE, f"{station_id}\n{fill_id}")
