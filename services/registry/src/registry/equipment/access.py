"""Who may see and change which equipment records: pure decisions on the caller, and the typed
dependencies routes declare in their signatures so that authorisation happens before the body
is even validated."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from registry.equipment import service
from registry.equipment.schemas import EQUIPMENT_CODE, EquipmentRead
from tzsb_common.auth import CallerKind, CurrentPrincipal, Principal
from tzsb_common.pg import Database
from tzsb_common.problems import Forbidden, NotFound

WRITE_SCOPE = "registry:write"
"""Government systems that push registrations carry this scope."""

_READ_ALL = frozenset(
    {CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency}
)


def may_write_equipment(principal: Principal) -> bool:
    if principal.kind is CallerKind.bureau:
        return True
    return principal.kind is CallerKind.government_system and WRITE_SCOPE in principal.scopes


def readable_use_unit(principal: Principal) -> uuid.UUID | None:
    """None: every record. A use unit sees only its own equipment.

    Raises PermissionError for callers that see no equipment through this API yet
    (maintenance companies and filling stations reach theirs through their contracts).
    """
    if principal.kind in _READ_ALL:
        return None
    if principal.kind is CallerKind.use_unit:
        return principal.organisation_id
    raise PermissionError(principal.kind)


def may_read(principal: Principal, use_unit_id: uuid.UUID) -> bool:
    try:
        own = readable_use_unit(principal)
    except PermissionError:
        return False
    return own is None or own == use_unit_id


# -- typed dependencies -----------------------------------------------------------------------

EquipmentCode = Annotated[str, Path(pattern=EQUIPMENT_CODE, description="设备代码, 18 digits")]


async def _equipment_writer(principal: CurrentPrincipal) -> Principal:
    if not may_write_equipment(principal):
        raise Forbidden("only the bureau or a government system with registry:write may do this")
    return principal


EquipmentWriter = Annotated[Principal, Depends(_equipment_writer)]
"""The bureau, or a government system pushing registrations (scope `registry:write`)."""


class ReadScope:
    """Which equipment a caller may list: `use_unit_id` None means every record."""

    def __init__(self, use_unit_id: uuid.UUID | None) -> None:
        self.use_unit_id = use_unit_id


async def _equipment_reader(principal: CurrentPrincipal) -> ReadScope:
    try:
        return ReadScope(readable_use_unit(principal))
    except PermissionError:
        raise Forbidden("this kind of caller cannot list equipment") from None


EquipmentReader = Annotated[ReadScope, Depends(_equipment_reader)]


async def _readable_equipment(
    equipment_code: EquipmentCode, principal: CurrentPrincipal, request: Request
) -> EquipmentRead:
    # The database straight from the app, not through CurrentDatabase: FastAPI solves every
    # dependency anew on each request (13 µs each here), and this one serves the registry's
    # hottest read.
    database: Database = request.app.state.database
    record = await service.get_equipment(database, equipment_code=equipment_code)
    # Someone else's record answers exactly like a missing one: a caller learns nothing of it.
    if record is None or not may_read(principal, record.use_unit_id):
        raise NotFound(f"no equipment with code {equipment_code}")
    return record


ReadableEquipment = Annotated[EquipmentRead, Depends(_readable_equipment)]
"""The record named in the path, if this caller may see it; 404 otherwise."""
