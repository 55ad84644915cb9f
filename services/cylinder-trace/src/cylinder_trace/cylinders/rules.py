"""Pure decisions about cylinder records: which media, dates and owners a registration may
have, and when a cylinder is next due for inspection. No I/O; `today` is passed in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from cylinder_trace.cylinders.schemas import CylinderCreate


class CylinderReason(StrEnum):
    """Why a cylinder was refused. Values are stable API."""

    invalid = "invalid"
    unknown_medium = "unknown_medium"
    permitted_fill_required = "permitted_fill_required"
    dates_inconsistent = "dates_inconsistent"
    date_in_future = "date_in_future"
    not_own_cylinder = "not_own_cylinder"
    cylinder_code_taken = "cylinder_code_taken"


@dataclass(frozen=True)
class Medium:
    """A row of the media reference table."""

    code: str
    liquefied: bool
    inspection_interval_years: int


@dataclass(frozen=True)
class Violation:
    field: tuple[str | int, ...]
    code: CylinderReason
    message: str


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_new_cylinder(
    cylinder: CylinderCreate,
    media: Mapping[str, Medium],
    *,
    station_id: uuid.UUID | None,
    today: date,
) -> list[Violation]:
    """Every violation of a registration. `station_id`: the registering station, None for the
    bureau (which registers any owner's cylinders)."""
    violations: list[Violation] = []
    medium = media.get(cylinder.medium)
    if medium is None:
        violations.append(
            Violation(
                ("medium",),
                CylinderReason.unknown_medium,
                f"{cylinder.medium!r} is not a medium of the reference table",
            )
        )
    elif medium.liquefied and cylinder.permitted_fill_kg is None:
        # TSG 23: a liquefied gas is filled by mass, up to the cylinder's permitted fill.
        violations.append(
            Violation(
                ("permitted_fill_kg",),
                CylinderReason.permitted_fill_required,
                f"a cylinder for {medium.code} (liquefied) needs its permitted fill",
            )
        )
    if cylinder.manufactured_on > today:
        violations.append(
            Violation(
                ("manufactured_on",),
                CylinderReason.date_in_future,
                "the manufacture date is in the future",
            )
        )
    last = cylinder.last_inspected_on
    if last is not None and last < cylinder.manufactured_on:
        violations.append(
            Violation(
                ("last_inspected_on",),
                CylinderReason.dates_inconsistent,
                "inspected before it was made",
            )
        )
    if last is not None and last > today:
        violations.append(
            Violation(
                ("last_inspected_on",), CylinderReason.date_in_future, "inspected in the future"
            )
        )
    following = cylinder.next_inspection_on
    if following is not None and following <= (last or cylinder.manufactured_on):
        violations.append(
            Violation(
                ("next_inspection_on",),
                CylinderReason.dates_inconsistent,
                "the next inspection must come after the last one (or manufacture)",
            )
        )
    if station_id is not None and cylinder.owner_id != station_id:
        violations.append(
            Violation(
                ("owner_id",),
                CylinderReason.not_own_cylinder,
                "a station registers its own cylinders; others' are registered by the bureau",
            )
        )
    return violations


def next_inspection_on(cylinder: CylinderCreate, medium: Medium) -> date:
    """The date given, else the last inspection (or manufacture) plus the medium's interval
    (GB/T 13004 and the media standards; DOMAIN.md "Gas cylinders and filling")."""
    if cylinder.next_inspection_on is not None:
        return cylinder.next_inspection_on
    basis = cylinder.last_inspected_on or cylinder.manufactured_on
    return add_years(basis, medium.inspection_interval_years)


LPG = "LPG"
LPG_DESIGN_LIFE_YEARS = 8
"""GB/T 5842, TSG 23: an LPG steel cylinder is designed for 8 years of service."""
LPG_LIFE_EXTENSION_YEARS = 4
"""…extendable once by 4 years after a passing inspection…"""
LPG_SCRAP_AGE_YEARS = 12
"""…and scrapped at 12 years from manufacture, whatever its inspections say."""


def service_life_ends_on(
    *, medium: str, manufactured_on: date, design_life_years: int, life_extension_years: int
) -> date:
    """The first day the cylinder is past its service life (设计使用年限): the anniversary of
    manufacture after its design life and any extension. An LPG cylinder never serves beyond
    `LPG_SCRAP_AGE_YEARS`, whatever life it was registered with."""
    years = design_life_years + life_extension_years
    if medium == LPG:
        years = min(years, LPG_SCRAP_AGE_YEARS)
    return add_years(manufactured_on, years)


TRACE_RANK = {"registration": 0, "inspection": 1, "scrapping": 2, "fill": 3, "refusal": 3}
"""Among entries at one instant: an inspection (dated to the start of its day) and the
scrapping it caused come before the day's fills, which they govern."""
REGISTERED_SCRAPPED = "registered_scrapped"
"""The scrapping reason of a cylinder registered as scrapped: no inspection of ours did it."""


def trace_key(kind: str, at: datetime) -> tuple[int, datetime, int]:
    """The registration opens the trace whenever it was recorded (a terminal may post fills
    made before it); everything after is in time order."""
    return (0 if kind == "registration" else 1, at, TRACE_RANK[kind])
