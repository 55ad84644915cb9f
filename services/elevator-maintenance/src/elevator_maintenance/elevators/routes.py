"""HTTP for the elevator list: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from elevator_maintenance.elevators import service
from elevator_maintenance.elevators.rules import listed_company
from elevator_maintenance.elevators.schemas import ElevatorCursor, ElevatorPage
from elevator_maintenance.visits.access import BusinessToday, VisitReader
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/elevators", tags=["elevators 维保电梯"])


@router.get("", response_model=ElevatorPage)
async def list_elevators(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    today: BusinessToday,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="only the overdue (true) or the in-time (false) ones")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """维保电梯 — elevators by code, each with its last visit, allowed interval and since when
    it is overdue. A maintenance company lists those it holds a contract in force for today;
    the bureau every elevator, or one company's with `company_id`."""
    if scope.company_id is not None and company_id not in (None, scope.company_id):
        raise Forbidden("a maintenance company lists only the elevators it maintains")
    settings = request.app.state.settings
    after = decode_cursor_as(cursor, ElevatorCursor) if cursor else None
    items = await service.list_elevators(
        database,
        company_id=listed_company(caller_company=scope.company_id, asked_company=company_id),
        today=today,
        after=after.equipment_code if after else None,
        overdue=overdue,
        limit=limit + 1,
        zone=ZoneInfo(settings.business_timezone),
        regular_interval_days=settings.maintenance_interval_days,
    )
    page, next_cursor = keyset_page(items, limit, lambda e: {"equipment_code": e.equipment_code})
    return record_response(ElevatorPage(items=page, next_cursor=next_cursor))
