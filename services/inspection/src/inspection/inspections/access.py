"""Who may record inspections: the typed dependency routes declare."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from tzsb_common.auth import CallerKind, Principal, require_kind

# An inspection agency only: the agency is the token's organisation, so a report is always
# signed by who made it. The bureau supervises and does not inspect; entering an agency's paper
# report on its behalf would need the agency named in the body, a separate endpoint.
InspectionRecorder = Annotated[Principal, Depends(require_kind(CallerKind.inspection_agency))]


async def _business_today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.business_timezone)).date()


BusinessToday = Annotated[date, Depends(_business_today)]
"""Today in the bureau's time zone (Asia/Shanghai): business dates are dates there."""
