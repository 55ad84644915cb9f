"""Who may report, read and answer rescue incidents: the typed dependencies routes declare."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from tzsb_common.auth import CallerKind, Principal, require_kind

# The bureau's 96333 call centre, or another government system (a provincial platform).
RescueReporter = Annotated[
    Principal, Depends(require_kind(CallerKind.bureau, CallerKind.government_system))
]
# The company dispatched to: only its own incidents (checked on each one).
RescueResponder = Annotated[Principal, Depends(require_kind(CallerKind.maintenance_company))]


@dataclass(frozen=True)
class RescueScope:
    """`company_id` None: every incident. Only the bureau sees the caller's phone."""

    company_id: uuid.UUID | None
    sees_caller: bool


async def _rescue_scope(
    principal: Annotated[
        Principal,
        Depends(
            require_kind(
                CallerKind.maintenance_company, CallerKind.bureau, CallerKind.government_system
            )
        ),
    ],
) -> RescueScope:
    if principal.kind is CallerKind.maintenance_company:
        return RescueScope(company_id=principal.organisation_id, sees_caller=False)
    return RescueScope(company_id=None, sees_caller=principal.kind is CallerKind.bureau)


RescueReader = Annotated[RescueScope, Depends(_rescue_scope)]
