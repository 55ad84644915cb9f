"""Who may see and change which equipment records — pure decisions on the caller."""

from __future__ import annotations

import uuid

from tzsb_common.auth import CallerKind, Principal

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
