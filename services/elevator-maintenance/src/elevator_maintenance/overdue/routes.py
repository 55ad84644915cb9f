"""HTTP for the overdue pass: the bureau runs a pass for a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from elevator_maintenance.overdue import service
from elevator_maintenance.overdue.schemas import OverdueScanCreate, OverdueScanRead
from tzsb_common.auth import BureauPrincipal
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.pg import CurrentDatabase
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/overdue-scans", tags=["overdue maintenance 维保超期"])


async def _scanner(request: Request) -> DeadlineScanner:
    scanner: DeadlineScanner = request.app.state.deadline_scanner
    return scanner


CurrentScanner = Annotated[DeadlineScanner, Depends(_scanner)]


@router.post("", response_model=OverdueScanRead)
async def run_overdue_scan(
    _: BureauPrincipal,
    data: OverdueScanCreate,
    database: CurrentDatabase,
    scanner: CurrentScanner,
) -> Response:
    """维保超期扫描 — find the elevators in use whose last visit is older than their allowed
    interval on `as_of` (a day the daily pass missed, or any day again: each overdue spell is
    signalled once, so a re-run adds only what is new). Answers the spells this pass found."""
    result = await service.run_overdue_scan(scanner, database, as_of=data.as_of)
    return record_response(result)
