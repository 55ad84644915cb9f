"""HTTP for the integrity check: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from elevator_maintenance.integrity import service
from elevator_maintenance.integrity.schemas import IntegrityRead
from elevator_maintenance.visits.access import VisitReader
from tzsb_common.days import QueryDay
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/integrity", tags=["integrity 防篡改校验"])


@router.get("", response_model=IntegrityRead)
async def verify_integrity(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    company: Annotated[
        uuid.UUID | None,
        Query(description="维保单位 whose chain to verify; a company may omit it (its own)"),
    ] = None,
    from_: Annotated[
        QueryDay | None, Query(alias="from", description="swipes received on or after this day")
    ] = None,
    to: Annotated[
        QueryDay | None, Query(description="swipes received on or before this day")
    ] = None,
) -> Response:
    """刷卡防篡改校验 — verify a company's chain of accepted swipes over the days they were
    received (the chain's order), and report the first broken link: a row altered, a hash
    rewritten, a row deleted. Without `to` the check runs to the chain's newest row."""
    if scope.company_id is not None:
        if company not in (None, scope.company_id):
            raise Forbidden("a maintenance company verifies only its own swipes")
        company = scope.company_id
    if company is None:
        raise ValidationFailed.at(("query", "company"), "name the company", code="missing")
    if from_ is not None and to is not None and to < from_:
        raise ValidationFailed.at(("query", "to"), "a day before `from`", code="range_invalid")
    settings = request.app.state.settings
    zone = ZoneInfo(settings.business_timezone)
    result = await service.verify_chain(
        database,
        company_id=company,
        received_from=from_,
        received_to=to,
        since=datetime.combine(from_, time(0), tzinfo=zone) if from_ else None,
        until=datetime.combine(to, time(0), tzinfo=zone) + timedelta(days=1) if to else None,
        max_rows=settings.integrity_max_rows,
    )
    return record_response(result)
