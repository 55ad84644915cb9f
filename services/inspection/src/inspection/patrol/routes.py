"""HTTP for the online patrol (网上巡查): the counts and the equipment behind each question.

Read by the bureau and by other government systems (the provincial platform, the city's
operations centre), as the equipment and staff counts are; not by inspection agencies or units,
since the lists name every unit's failings.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Query, status
from pydantic import BaseModel, Field
from starlette.responses import Response

from inspection.inspections.access import BusinessToday
from inspection.patrol import service
from inspection.patrol.rules import PatrolQuestion
from inspection.patrol.schemas import (
    PatrolCounts,
    PatrolHazardsCreate,
    PatrolHazardsRead,
    PatrolPage,
)
from inspection.patrol.service import PatrolHazardsRefused
from tzsb_common.auth import BureauPrincipal, SupervisoryPrincipal
from tzsb_common.days import QueryDay
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/patrol", tags=["online patrol 网上巡查"])

AsOf = Annotated[
    QueryDay | None,
    Query(description="巡查日期, the day asked about; today (Asia/Shanghai) if omitted"),
]
Park = Annotated[str | None, Query(min_length=1, max_length=100, description="园区")]
UseUnit = Annotated[uuid.UUID | None, Query(description="使用单位 id")]


class _PatrolCursor(BaseModel):
    equipment_code: str = Field(min_length=1, max_length=40)


@router.get("", response_model=PatrolCounts)
async def count_patrol_questions(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    today: BusinessToday,
    as_of: AsOf = None,
    park: Park = None,
    use_unit_id: UseUnit = None,
) -> Response:
    """网上巡查 — the patrol's questions, counted: in use past due, in use never inspected,
    elevators in use without a valid maintenance contract, in use after a failed inspection,
    and equipment seen in use but not registered. `as_of` dates the questions; the standing
    they are asked of (status, due dates, contracts) is the one held now."""
    counts = await service.count_questions(
        database, as_of=as_of or today, park=park, use_unit_id=use_unit_id
    )
    return record_response(counts)


Question = Annotated[
    PatrolQuestion,
    Path(
        description="past_due 超期未检 | never_inspected 未检验 | no_maintenance_contract "
        "无有效维保合同 | failed_inspection 检验不合格 | unregistered_in_use 未登记使用"
    ),
]


@router.get("/{question}", response_model=PatrolPage)
async def list_patrol_question(
    _: SupervisoryPrincipal,
    question: Question,
    database: CurrentDatabase,
    today: BusinessToday,
    as_of: AsOf = None,
    park: Park = None,
    use_unit_id: UseUnit = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """The equipment behind one question, in code order, a page at a time."""
    day = as_of or today
    after = decode_cursor_as(cursor, _PatrolCursor).equipment_code if cursor else None
    items = await service.list_question(
        database,
        question=question,
        as_of=day,
        park=park,
        use_unit_id=use_unit_id,
        after=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda i: {"equipment_code": i.equipment_code})
    return record_response(
        PatrolPage(items=page, next_cursor=next_cursor, as_of=day, question=question.value)
    )


@router.post(
    "/{question}/hazards",
    status_code=status.HTTP_200_OK,
    response_model=PatrolHazardsRead,
    responses={422: {"description": "neither or both of equipment_codes and all; a past deadline"}},
)
async def open_patrol_hazards(
    principal: BureauPrincipal,
    question: Question,
    data: PatrolHazardsCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
) -> Response:
    """网上巡查发现隐患 — open a hazard (source online_patrol) on each listed code, or on all the
    equipment the question names (`all: true`, narrowed by park and unit), each published as
    `tzsb.hazard.found.v1`. A code keeps one open hazard per question, so asking again opens
    nothing twice; the answer says per code what happened."""
    try:
        answer = await service.open_hazards(
            database, outbox, principal=principal, question=question, data=data, today=today
        )
    except PatrolHazardsRefused as exc:
        raise ValidationFailed(
            [field_error(["body", v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return record_response(answer)
