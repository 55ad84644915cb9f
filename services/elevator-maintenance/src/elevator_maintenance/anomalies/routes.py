"""HTTP for anomalies: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from elevator_maintenance.anomalies import service
from elevator_maintenance.anomalies.rules import AnomalyKind
from elevator_maintenance.anomalies.schemas import AnomalyCursor, AnomalyPage, AnomalyRead
from elevator_maintenance.visits.access import VisitReader
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

router = feature_router("/anomalies", tags=["anomalies 维保异常"])


@router.get("", response_model=AnomalyPage)
async def list_anomalies(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    kind: Annotated[AnomalyKind | None, Query(description="异常类型")] = None,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    ] = None,
    certificate_number: Annotated[
        str | None, Query(min_length=1, max_length=64, description="作业人员证编号")
    ] = None,
    from_: Annotated[
        QueryDay | None, Query(alias="from", description="anomalies observed on or after this day")
    ] = None,
    to: Annotated[QueryDay | None, Query(description="observed on or before this day")] = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """维保异常 — anomalies found when visits formed, newest first. A maintenance company lists
    its own; the bureau all, or one company's with `company_id`."""
    if scope.company_id is not None:
        if company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company lists only its own anomalies")
        company_id = scope.company_id
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    after = decode_cursor_as(cursor, AnomalyCursor) if cursor else None
    items = await service.list_anomalies(
        database,
        company_id=company_id,
        kind=kind.value if kind else None,
        equipment_code=equipment_code,
        certificate_number=certificate_number,
        since=datetime.combine(from_, time(0), tzinfo=zone) if from_ else None,
        until=datetime.combine(to, time(0), tzinfo=zone) + timedelta(days=1) if to else None,
        after=(after.observed_at, after.id) if after else None,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(
        items, limit, lambda a: {"observed_at": a.observed_at, "id": str(a.id)}
    )
    return record_response(AnomalyPage(items=page, next_cursor=next_cursor))


@router.get("/{anomaly_id}", response_model=AnomalyRead)
async def get_anomaly(
    scope: VisitReader, database: CurrentDatabase, anomaly_id: uuid.UUID
) -> Response:
    """One anomaly; another company's is not found."""
    anomaly = await service.get_anomaly(database, anomaly_id)
    if anomaly is None or scope.company_id not in (None, anomaly.company_id):
        raise NotFound("no anomaly of yours has this id")
    return record_response(anomaly)
