"""Who may read visits: the typed dependencies routes declare."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from tzsb_common.auth import CallerKind, Principal, require_kind


@dataclass(frozen=True)
class VisitScope:
    """`company_id` None: the bureau (or a government system) sees every company's visits."""

    company_id: uuid.UUID | None


async def _visit_scope(
    principal: Annotated[
        Principal,
        Depends(
            require_kind(
                CallerKind.maintenance_company, CallerKind.bureau, CallerKind.government_system
            )
        ),
    ],
) -> VisitScope:
    if principal.kind is CallerKind.maintenance_company:
        return VisitScope(company_id=principal.organisation_id)
    return VisitScope(company_id=None)


VisitReader = Annotated[VisitScope, Depends(_visit_scope)]


async def _business_today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.business_timezone)).date()


BusinessToday = Annotated[date, Depends(_business_today)]
