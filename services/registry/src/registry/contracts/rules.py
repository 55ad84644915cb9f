"""Pure decisions about maintenance contracts (维保合同): who may hold one, what it may cover,
when two would overlap, and who may read it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from registry.equipment.catalogue import Category
from registry.equipment.rules import Violation
from registry.equipment.schemas import EquipmentStatus
from registry.organisations.schemas import OrganisationKind
from tzsb_common.auth import CallerKind, Principal


class ContractReason(StrEnum):
    """Why a contract or its termination was refused. Values are stable API."""

    unknown_maintenance_company = "unknown_maintenance_company"
    not_a_maintenance_company = "not_a_maintenance_company"
    duplicate_equipment_code = "duplicate_equipment_code"
    unknown_equipment = "unknown_equipment"
    not_an_elevator = "not_an_elevator"
    equipment_out_of_service = "equipment_out_of_service"
    contract_overlaps = "contract_overlaps"
    termination_date_out_of_range = "termination_date_out_of_range"
    already_terminated = "already_terminated"


@dataclass(frozen=True)
class Period:
    """Days a contract is in force, both ends included. `last < first` is an empty period (a
    contract voided before it began)."""

    first: date
    last: date

    def overlaps(self, other: Period) -> bool:
        if self.last < self.first or other.last < other.first:
            return False
        return self.first <= other.last and other.first <= self.last


def in_force_until(valid_to: date, terminated_on: date | None) -> date:
    """The last day a contract is in force: its term, or the day it was ended early."""
    return terminated_on if terminated_on is not None else valid_to


@dataclass(frozen=True)
class HeldElevator:
    """An elevator under an existing contract, as the overlap check needs it."""

    equipment_code: str
    contract_id: uuid.UUID
    period: Period


def overlap_violations(
    equipment_codes: Sequence[str], period: Period, held: Sequence[HeldElevator]
) -> list[Violation]:
    """One violation per requested elevator already under a contract for any of the days.

    An elevator has one maintenance company at a time (特种设备安全法 Art. 45: the use unit
    entrusts its maintenance to a qualified unit): the maintenance service decides whose visits
    count and who answers for an overdue one by the contract in force that day, and two would
    make that answer ambiguous. A handover therefore ends the old contract first
    (`terminated_on` the day before the new one begins); back-to-back periods do not overlap.
    """
    position = {code: index for index, code in enumerate(equipment_codes)}
    violations: list[Violation] = []
    reported: set[str] = set()
    for other in sorted(held, key=lambda h: (position.get(h.equipment_code, 0), h.period.first)):
        index = position.get(other.equipment_code)
        if index is None or other.equipment_code in reported or not period.overlaps(other.period):
            continue
        reported.add(other.equipment_code)
        violations.append(
            Violation(
                ("equipment_codes", index),
                ContractReason.contract_overlaps,
                f"elevator {other.equipment_code} is under contract {other.contract_id} from "
                f"{other.period.first.isoformat()} to {other.period.last.isoformat()}",
            )
        )
    return violations


def company_violation(organisation_kind: str | None) -> Violation | None:
    if organisation_kind is None:
        return Violation(
            ("maintenance_company_id",),
            ContractReason.unknown_maintenance_company,
            "no organisation with this id is registered",
        )
    if organisation_kind != OrganisationKind.maintenance_company:
        return Violation(
            ("maintenance_company_id",),
            ContractReason.not_a_maintenance_company,
            f"the organisation is a {organisation_kind}, not a maintenance company (维保单位)",
        )
    return None


_OUT_OF_SERVICE = frozenset({EquipmentStatus.scrapped, EquipmentStatus.deregistered})


def elevator_violations(
    equipment_codes: Sequence[str], found: Mapping[str, tuple[str, str]]
) -> list[Violation]:
    """`found`: category and status of each registered equipment code among those asked for."""
    violations: list[Violation] = []
    seen: set[str] = set()
    for index, code in enumerate(equipment_codes):
        where = ("equipment_codes", index)
        if code in seen:
            violations.append(
                Violation(where, ContractReason.duplicate_equipment_code, "named twice")
            )
            continue
        seen.add(code)
        if code not in found:
            violations.append(
                Violation(where, ContractReason.unknown_equipment, f"no equipment with code {code}")
            )
            continue
        category, status = found[code]
        if category != Category.elevator:
            violations.append(
                Violation(
                    where,
                    ContractReason.not_an_elevator,
                    f"{code} is of category {category}; maintenance contracts cover elevators "
                    "(3000)",
                )
            )
        elif status in _OUT_OF_SERVICE:
            violations.append(
                Violation(
                    where,
                    ContractReason.equipment_out_of_service,
                    f"elevator {code} is {status} and needs no maintenance",
                )
            )
    return violations


def termination_violation(
    *, valid_from: date, valid_to: date, terminated_on: date
) -> Violation | None:
    """A contract ends early within its term; the day before it begins voids it whole."""
    earliest = valid_from - timedelta(days=1)
    if earliest <= terminated_on < valid_to:
        return None
    return Violation(
        ("terminated_on",),
        ContractReason.termination_date_out_of_range,
        f"terminated_on must lie from {earliest.isoformat()} to the day before valid_to "
        f"({(valid_to - timedelta(days=1)).isoformat()})",
    )


# -- who may read ---------------------------------------------------------------------------

_READ_EVERY_CONTRACT = frozenset(
    {CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency}
)


class NoContractAccess(Exception):
    """This kind of caller reads no contracts at all (a 403, not a 404)."""


def readable_company(principal: Principal) -> uuid.UUID | None:
    """Whose contracts the caller may read: None for every company's; a maintenance company
    only those it holds. Raises NoContractAccess for every other kind."""
    if principal.kind in _READ_EVERY_CONTRACT:
        return None
    if principal.kind is CallerKind.maintenance_company:
        return principal.organisation_id
    raise NoContractAccess(principal.kind)
