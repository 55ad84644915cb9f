"""HTTP for risk grades (风险分级) of use units: the bureau and other government systems read."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from inspection.inspections.access import BusinessToday
from inspection.risk_grades import service
from inspection.risk_grades.rules import Grading, RiskGrade, last_year
from inspection.risk_grades.schemas import GRADE_DESCRIPTION, RiskGradePage, RiskGradeRead
from tzsb_common.auth import SupervisoryPrincipal
from tzsb_common.days import QueryDay
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/risk-grades", tags=["risk grades 风险分级"])


async def _grading(request: Request) -> Grading:
    return service.grading_from(request.app.state.settings)


async def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.business_timezone)


CurrentGrading = Annotated[Grading, Depends(_grading)]
"""The weights and bands of the bureau's settings."""
BusinessZone = Annotated[ZoneInfo, Depends(_zone)]

AsOf = Annotated[
    QueryDay | None,
    Query(description="grade as of this day (the year ending on it); today if omitted"),
]


class _GradeCursor(BaseModel):
    use_unit_id: uuid.UUID


@router.get("", response_model=RiskGradePage)
async def list_risk_grades(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    grading: CurrentGrading,
    zone: BusinessZone,
    today: BusinessToday,
    as_of: AsOf = None,
    grade: Annotated[RiskGrade | None, Query(description=GRADE_DESCRIPTION)] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """使用单位风险分级 — every use unit's grade, in unit id order."""
    day = as_of or today
    after = decode_cursor_as(cursor, _GradeCursor).use_unit_id if cursor else None
    items = await service.list_grades(
        database,
        grading=grading,
        as_of=day,
        zone=zone,
        grade=grade,
        after=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda g: {"use_unit_id": str(g.use_unit_id)})
    year = last_year(day)
    return record_response(
        RiskGradePage(
            items=page, next_cursor=next_cursor, as_of=day, year_from=year[0], year_to=year[1]
        )
    )


@router.get("/{unit_id}", response_model=RiskGradeRead)
async def get_risk_grade(
    _: SupervisoryPrincipal,
    unit_id: Annotated[uuid.UUID, Path(description="使用单位 id")],
    database: CurrentDatabase,
    grading: CurrentGrading,
    zone: BusinessZone,
    today: BusinessToday,
    as_of: AsOf = None,
) -> Response:
    """One unit's grade with the figures, weights and bands behind it."""
    record = await service.get_grade(
        database, grading=grading, as_of=as_of or today, zone=zone, use_unit_id=unit_id
    )
    if record is None:
        raise NotFound(f"nothing is known of use unit {unit_id}: no equipment, no findings")
    return record_response(record)
