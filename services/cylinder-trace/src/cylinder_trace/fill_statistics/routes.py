"""HTTP for the daily fill statistics: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from cylinder_trace.cylinders.access import CylinderReader
from cylinder_trace.fill_statistics import service
from cylinder_trace.fill_statistics.schemas import FillStatisticsPage
from cylinder_trace.fills.access import recall_station
from cylinder_trace.fills.routes import BUSINESS_DAY
from tzsb_common.days import QueryDay
from tzsb_common.pagination import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/fill-statistics", tags=["fill statistics 充装统计"])


@router.get("", response_model=FillStatisticsPage)
async def fill_statistics(
    scope: CylinderReader,
    database: CurrentDatabase,
    station_id: uuid.UUID | None = None,
    first: Annotated[QueryDay | None, Query(alias="from", description=BUSINESS_DAY)] = None,
    last: Annotated[QueryDay | None, Query(alias="to", description=BUSINESS_DAY)] = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
) -> Response:
    """充装统计 — fills per station and business day: accepted, refused, and refusals by
    reason, by day then station. Fills are counted once, on the day (Asia/Shanghai) they
    started; malformed fills are never stored and never counted. A station reads its own
    (another station's `station_id` is 403)."""
    if first is not None and last is not None and last < first:
        raise ValidationFailed.at(["query", "to"], "`to` is before `from`", "dates_inconsistent")
    page = await service.fill_statistics(
        database,
        station_id=recall_station(scope.station_id, station_id),
        first=first,
        last=last,
        cursor=cursor,
        limit=limit,
    )
    return record_response(page)
