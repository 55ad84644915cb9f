"""HTTP for the due scan: the bureau runs a pass for a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from inspection.due import service
from inspection.due.schemas import DueScanCreate, DueScanRead
from tzsb_common.auth import BureauPrincipal
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.pg import CurrentDatabase
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/due-scans", tags=["due schedule 定期检验到期"])


async def _scanner(request: Request) -> DeadlineScanner:
    scanner: DeadlineScanner = request.app.state.deadline_scanner
    return scanner


CurrentScanner = Annotated[DeadlineScanner, Depends(_scanner)]


@router.post("", response_model=DueScanRead)
async def run_due_scan(
    _: BureauPrincipal, data: DueScanCreate, database: CurrentDatabase, scanner: CurrentScanner
) -> Response:
    """到期扫描 — run the three-step workflow for `as_of` (a day the daily scan missed, or any
    day again: each stage fires once per equipment and due date, so a re-run adds only what is
    new). Answers the stages this pass fired."""
    result = await service.run_due_scan(scanner, database, as_of=data.as_of)
    return record_response(result)
