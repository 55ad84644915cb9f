"""HTTP for visits and an elevator's maintenance: parse, authorise, call the service, shape."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path, Query, Request
from starlette.responses import Response

from elevator_maintenance.visits import service
from elevator_maintenance.visits.access import BusinessToday, VisitReader
from elevator_maintenance.visits.schemas import (
    MaintenanceRead,
    VisitCursor,
    VisitPage,
    VisitRead,
)
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.days import QueryDay
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router(tags=["visits 维保记录"])

EquipmentCode = Annotated[str, Path(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")]


def _start_of(day: object, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)  # type: ignore[arg-type]


@router.get("/visits", response_model=VisitPage)
async def list_visits(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    ] = None,
    from_: Annotated[
        QueryDay | None, Query(alias="from", description="visits ending on or after this day")
    ] = None,
    to: Annotated[
        QueryDay | None, Query(description="visits starting on or before this day")
    ] = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """维保记录 — visits, newest first. A maintenance company lists its own; the bureau all,
    or one company's with `company_id`."""
    if scope.company_id is not None:
        if company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company lists only its own visits")
        company_id = scope.company_id
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    after = decode_cursor_as(cursor, VisitCursor) if cursor else None
    items = await service.list_visits(
        database,
        company_id=company_id,
        equipment_code=equipment_code,
        since=_start_of(from_, zone) if from_ else None,
        until=_start_of(to, zone) + timedelta(days=1) if to else None,
        after=(after.ended_at, after.id) if after else None,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(
        items, limit, lambda v: {"ended_at": v.ended_at, "id": str(v.id)}
    )
    return record_response(VisitPage(items=page, next_cursor=next_cursor))


@router.get("/visits/{visit_id}", response_model=VisitRead)
async def get_visit(scope: VisitReader, database: CurrentDatabase, visit_id: uuid.UUID) -> Response:
    """One visit; another company's is not found."""
    visit = await service.get_visit(database, visit_id)
    if visit is None or scope.company_id not in (None, visit.company_id):
        raise NotFound("no visit of yours has this id")
    return record_response(visit)


@router.get("/elevators/{equipment_code}/maintenance", response_model=MaintenanceRead)
async def get_elevator_maintenance(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    today: BusinessToday,
    equipment_code: EquipmentCode,
) -> Response:
    """电梯维保状况 — the last visit, the allowed interval (15 days, or the contract's on-demand
    interval) and since when maintenance is overdue. A company sees the elevators it holds a
    contract in force for today."""
    if scope.company_id is not None and not await service.maintains(
        database, company_id=scope.company_id, equipment_code=equipment_code, today=today
    ):
        raise NotFound("no elevator you maintain has this code")
    settings = request.app.state.settings
    standing = await service.elevator_maintenance(
        database,
        equipment_code=equipment_code,
        today=today,
        zone=ZoneInfo(settings.business_timezone),
        regular_interval_days=settings.maintenance_interval_days,
    )
    if standing is None:
        raise NotFound("no elevator has this code")
    return record_response(standing)
