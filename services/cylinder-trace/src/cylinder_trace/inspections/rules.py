"""Pure decisions about a cylinder's periodic inspection (气瓶定期检验, GB/T 13004 and the
media standards; TSG 23; DOMAIN.md "Gas cylinders and filling"): whether it may be recorded,
when the next one is due, and what it does to the cylinder's life — an extension of an LPG
cylinder's life, or scrapping. No I/O; `today` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cylinder_trace.cylinders.rules import (
    LPG,
    LPG_LIFE_EXTENSION_YEARS,
    add_years,
    service_life_ends_on,
)

EXTENSION_LEAD_YEARS = 1
"""How long before the end of its design life an LPG cylinder's inspection may extend it: the
inspection that closes the design life is often made some months early, and one made years
early says nothing about the cylinder at its end."""


class InspectionReason(StrEnum):
    """Why an inspection is refused. Values are stable API."""

    unknown_cylinder = "unknown_cylinder"
    cylinder_scrapped = "cylinder_scrapped"
    date_in_future = "date_in_future"
    dates_inconsistent = "dates_inconsistent"
    report_number_taken = "report_number_taken"


class InspectionResult(StrEnum):
    passed = "pass"  # 合格
    failed = "fail"  # 不合格


class ScrapReason(StrEnum):
    """Why an inspection scrapped the cylinder (报废). Values are stable API."""

    inspection_failed = "inspection_failed"  # 检验不合格
    service_life_ended = "service_life_ended"  # 超过使用年限 (an LPG cylinder at 12 years)


@dataclass(frozen=True, slots=True)
class CylinderLife:
    """What the rules need of the cylinder inspected."""

    medium: str
    status: str
    manufactured_on: date
    design_life_years: int
    life_extension_years: int
    last_inspected_on: date | None


@dataclass(frozen=True, slots=True)
class InspectionFacts:
    inspected_on: date
    result: InspectionResult
    next_inspection_on: date | None
    """Given by the agency, or None: computed from the medium's interval."""


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    code: InspectionReason
    message: str


@dataclass(frozen=True, slots=True)
class InspectionOutcome:
    """What the inspection does to the cylinder."""

    next_inspection_on: date | None
    """None once scrapped: a scrapped cylinder is never due again."""
    life_extension_years: int
    life_extended: bool
    service_life_ends_on: date
    scrap_reason: ScrapReason | None

    @property
    def scrapped(self) -> bool:
        return self.scrap_reason is not None


def check_inspection(
    inspection: InspectionFacts, cylinder: CylinderLife | None, *, today: date
) -> list[Violation]:
    """Every reason the inspection cannot be recorded; empty: it can."""
    violations: list[Violation] = []
    on = inspection.inspected_on
    if on > today:
        violations.append(
            Violation("inspected_on", InspectionReason.date_in_future, "inspected in the future")
        )
    following = inspection.next_inspection_on
    if following is not None and following <= on:
        violations.append(
            Violation(
                "next_inspection_on",
                InspectionReason.dates_inconsistent,
                "the next inspection must come after this one",
            )
        )
    if cylinder is None:
        violations.append(
            Violation("cylinder_code", InspectionReason.unknown_cylinder, "no such cylinder")
        )
        return violations
    if cylinder.status == "scrapped":
        violations.append(
            Violation(
                "cylinder_code",
                InspectionReason.cylinder_scrapped,
                "the cylinder is scrapped (报废) and is not inspected again",
            )
        )
    if on < cylinder.manufactured_on:
        violations.append(
            Violation(
                "inspected_on", InspectionReason.dates_inconsistent, "inspected before it was made"
            )
        )
    elif cylinder.last_inspected_on is not None and on < cylinder.last_inspected_on:
        violations.append(
            Violation(
                "inspected_on",
                InspectionReason.dates_inconsistent,
                "the cylinder was inspected later already; its dates would go backwards",
            )
        )
    return violations


def extends_lpg_life(inspection: InspectionFacts, cylinder: CylinderLife) -> bool:
    """TSG 23 / GB/T 8334: an LPG cylinder's design life (8 years) is extended once, by 4
    years, by a passing inspection made at the end of it — within `EXTENSION_LEAD_YEARS`
    before it ends, or after."""
    if cylinder.medium != LPG or cylinder.life_extension_years > 0:
        return False
    if inspection.result is not InspectionResult.passed:
        return False
    design_life_ends_on = add_years(cylinder.manufactured_on, cylinder.design_life_years)
    return inspection.inspected_on >= add_years(design_life_ends_on, -EXTENSION_LEAD_YEARS)


def inspection_outcome(
    inspection: InspectionFacts, cylinder: CylinderLife, *, interval_years: int
) -> InspectionOutcome:
    """What a recordable inspection does: a failed one scraps the cylinder; so does one made
    on or after the end of its service life (an LPG cylinder at 12 years, whatever it shows);
    a passing one at the end of an LPG cylinder's design life extends it once. The next
    inspection is the date given, else the inspection date plus the medium's interval."""
    extended = extends_lpg_life(inspection, cylinder)
    extension = cylinder.life_extension_years + (LPG_LIFE_EXTENSION_YEARS if extended else 0)
    life_ends_on = service_life_ends_on(
        medium=cylinder.medium,
        manufactured_on=cylinder.manufactured_on,
        design_life_years=cylinder.design_life_years,
        life_extension_years=extension,
    )
    scrap_reason: ScrapReason | None = None
    if inspection.result is InspectionResult.failed:
        scrap_reason = ScrapReason.inspection_failed
    elif inspection.inspected_on >= life_ends_on:
        scrap_reason = ScrapReason.service_life_ended
    if scrap_reason is not None:
        return InspectionOutcome(
            next_inspection_on=None,
            life_extension_years=cylinder.life_extension_years,
            life_extended=False,
            service_life_ends_on=life_ends_on,
            scrap_reason=scrap_reason,
        )
    return InspectionOutcome(
        next_inspection_on=inspection.next_inspection_on
        or next_inspection_on(inspection.inspected_on, interval_years),
        life_extension_years=extension,
        life_extended=extended,
        service_life_ends_on=life_ends_on,
        scrap_reason=None,
    )


def next_inspection_on(inspected_on: date, interval_years: int) -> date:
    """GB/T 13004 and the media standards: 2 years for corrosive media, 5 for inert gases, 4
    for LPG steel cylinders, 3 for CNG vehicle cylinders and the others (the media table)."""
    return add_years(inspected_on, interval_years)
