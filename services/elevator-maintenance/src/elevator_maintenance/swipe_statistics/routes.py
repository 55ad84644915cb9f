"""HTTP for the daily swipe statistics: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from elevator_maintenance.swipe_statistics import service
from elevator_maintenance.swipe_statistics.schemas import SwipeStatisticsPage
from elevator_maintenance.visits.access import VisitReader
from tzsb_common.days import QueryDay
from tzsb_common.pagination import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/swipe-statistics", tags=["swipe statistics 刷卡统计"])

BUSINESS_DAY = "营业日 YYYY-MM-DD (Asia/Shanghai), included"


@router.get("", response_model=SwipeStatisticsPage)
async def swipe_statistics(
    scope: VisitReader,
    database: CurrentDatabase,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    first: Annotated[QueryDay | None, Query(alias="from", description=BUSINESS_DAY)] = None,
    last: Annotated[QueryDay | None, Query(alias="to", description=BUSINESS_DAY)] = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
) -> Response:
    """刷卡统计 — swipes per maintenance company and business day: accepted (受理), rejected
    (被拒) and rejections by reason (被拒原因), by day then company. A swipe is counted once, on
    the day (Asia/Shanghai) of its time `at`; malformed swipes are never stored and never
    counted. A maintenance company reads its own (another company's `company_id` is 403); the
    bureau every company's, or one's with `company_id`."""
    if first is not None and last is not None and last < first:
        raise ValidationFailed.at(["query", "to"], "`to` is before `from`", "dates_inconsistent")
    if scope.company_id is not None:
        if company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company reads its own swipe statistics only")
        company_id = scope.company_id
    page = await service.swipe_statistics(
        database, company_id=company_id, first=first, last=last, cursor=cursor, limit=limit
    )
    return record_response(page)
