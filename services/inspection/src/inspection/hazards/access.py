"""Who may see and act on which hazards: pure decisions on the caller, and the typed
dependencies routes declare in their signatures."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from inspection.hazards import service
from inspection.hazards.schemas import HazardRead
from inspection.inspections.access import BusinessToday
from tzsb_common.auth import CallerKind, CurrentPrincipal, Principal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound

_READ_ALL = frozenset({CallerKind.bureau, CallerKind.government_system})


def readable_unit(principal: Principal) -> uuid.UUID | None:
    """None: every hazard. Any other organisation sees the hazards it answers for: those of
    its equipment (a use unit) and those raised against it (a maintenance company, a station)."""
    return None if principal.kind in _READ_ALL else principal.organisation_id


def may_read(principal: Principal, hazard: HazardRead) -> bool:
    unit = readable_unit(principal)
    return unit is None or unit in (hazard.use_unit_id, hazard.unit_id)


def answers_for(principal: Principal, hazard: HazardRead) -> bool:
    """The unit that must rectify: the hazard's own unit, or the use unit of its equipment."""
    if hazard.unit_id is not None:
        return principal.organisation_id == hazard.unit_id
    return principal.kind is CallerKind.use_unit and principal.organisation_id == hazard.use_unit_id


def may_add_evidence(principal: Principal, hazard: HazardRead) -> bool:
    """The answerable unit proves its rectification; the bureau adds what its inspectors saw."""
    return principal.kind is CallerKind.bureau or answers_for(principal, hazard)


HazardId = Annotated[uuid.UUID, Path(description="隐患 id")]


async def _readable_hazard(
    hazard_id: HazardId,
    principal: CurrentPrincipal,
    database: CurrentDatabase,
    today: BusinessToday,
) -> HazardRead:
    hazard = await service.get_hazard(database, hazard_id=hazard_id, today=today)
    # Someone else's hazard answers exactly like a missing one.
    if hazard is None or not may_read(principal, hazard):
        raise NotFound(f"no hazard {hazard_id}")
    return hazard


ReadableHazard = Annotated[HazardRead, Depends(_readable_hazard)]
"""The hazard named in the path, if this caller may see it; 404 otherwise."""


async def _answerable_hazard(hazard: ReadableHazard, principal: CurrentPrincipal) -> HazardRead:
    if not answers_for(principal, hazard):
        raise Forbidden("only the unit answerable for this hazard reports its rectification")
    return hazard


AnswerableHazard = Annotated[HazardRead, Depends(_answerable_hazard)]
"""The hazard named in the path, if the caller is the unit that must rectify it."""


async def _evidence_target(hazard: ReadableHazard, principal: CurrentPrincipal) -> HazardRead:
    if not may_add_evidence(principal, hazard):
        raise Forbidden("only the answerable unit or the bureau adds evidence to this hazard")
    return hazard


EvidenceTarget = Annotated[HazardRead, Depends(_evidence_target)]


async def _hazard_reader(principal: CurrentPrincipal) -> uuid.UUID | None:
    return readable_unit(principal)


HazardReader = Annotated[uuid.UUID | None, Depends(_hazard_reader)]
"""Whose hazards the caller may list: None for every hazard, else its organisation."""
