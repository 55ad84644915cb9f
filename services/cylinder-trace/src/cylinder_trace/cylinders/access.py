"""Who may register and read which cylinders: pure decisions on the caller, and the typed
dependencies routes declare."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from cylinder_trace.cylinders.schemas import CYLINDER_CODE
from tzsb_common.auth import CallerKind, CurrentPrincipal, Principal
from tzsb_common.problems import Forbidden

_READ_ALL = frozenset({CallerKind.bureau, CallerKind.government_system})


def own_station(principal: Principal) -> uuid.UUID | None:
    """None: every station's records (the bureau). A station sees only its own.

    Raises PermissionError for callers that see no cylinder records."""
    if principal.kind in _READ_ALL:
        return None
    if principal.kind is CallerKind.filling_station:
        return principal.organisation_id
    raise PermissionError(principal.kind)


def may_read_cylinder(
    station_id: uuid.UUID | None, owner_id: uuid.UUID, registered_by: uuid.UUID
) -> bool:
    """A station reads the cylinders it owns or registered."""
    return station_id is None or station_id in (owner_id, registered_by)


class StationScope:
    """Whose records a caller may read: `station_id` None means every station's."""

    def __init__(self, station_id: uuid.UUID | None) -> None:
        self.station_id = station_id


async def _station_scope(principal: CurrentPrincipal) -> StationScope:
    try:
        return StationScope(own_station(principal))
    except PermissionError:
        raise Forbidden("only the bureau and filling stations read cylinder records") from None


CylinderReader = Annotated[StationScope, Depends(_station_scope)]
"""The bureau (every record), or a filling station (its own)."""


async def _cylinder_registrar(principal: CurrentPrincipal) -> Principal:
    if principal.kind not in (CallerKind.bureau, CallerKind.filling_station):
        raise Forbidden("only the bureau or a filling station registers cylinders")
    return principal


CylinderRegistrar = Annotated[Principal, Depends(_cylinder_registrar)]
"""The bureau (any owner's cylinders), or a filling station (its own)."""

CylinderCode = Annotated[str, Path(pattern=CYLINDER_CODE, description="气瓶编码")]
