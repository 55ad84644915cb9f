"""HTTP for spot checks (双随机、一公开): the bureau keeps the inspector list, draws and records
results; the bureau and other government systems read draws (they are published)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request, status
from pydantic import BaseModel
from starlette.responses import Response

from inspection.inspections.access import BusinessToday
from inspection.risk_grades.routes import BusinessZone, CurrentGrading
from inspection.risk_grades.rules import RiskGrade
from inspection.spot_checks import service
from inspection.spot_checks.schemas import (
    DrawCreate,
    DrawnUnitRead,
    DrawRead,
    InspectorCreate,
    InspectorPage,
    InspectorRead,
    InspectorUpdate,
    SpotCheckResultWrite,
)
from inspection.spot_checks.service import SpotCheckRefused
from tzsb_common.auth import BureauPrincipal, SupervisoryPrincipal
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound, ValidationFailed, field_error
from tzsb_common.responses import STALE_VERSION, matching_versions, record_response
from tzsb_common.routing import feature_router

router = feature_router("/spot-checks", tags=["spot checks 双随机、一公开"])

DrawId = Annotated[uuid.UUID, Path(description="抽取 id")]


async def _lots(request: Request) -> dict[RiskGrade, int]:
    settings = request.app.state.settings
    return {
        RiskGrade.A: settings.spot_check_weight_a,
        RiskGrade.B: settings.spot_check_weight_b,
        RiskGrade.C: settings.spot_check_weight_c,
        RiskGrade.D: settings.spot_check_weight_d,
    }


GradeLots = Annotated[dict[RiskGrade, int], Depends(_lots)]
"""Lots per risk grade in a draw (settings)."""


class _InspectorCursor(BaseModel):
    id: uuid.UUID


def _refused(exc: SpotCheckRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
    )


@router.post("/inspectors", status_code=status.HTTP_201_CREATED, response_model=InspectorRead)
async def add_inspector(
    _: BureauPrincipal, data: InspectorCreate, database: CurrentDatabase
) -> Response:
    """执法检查人员名录 — list an inspector a draw may send."""
    record = await service.add_inspector(database, data=data)
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get("/inspectors", response_model=InspectorPage)
async def list_inspectors(
    _: BureauPrincipal,
    database: CurrentDatabase,
    active: Annotated[bool | None, Query(description="在岗")] = None,
    park: Annotated[str | None, Query(min_length=1, max_length=100, description="园区")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    after = decode_cursor_as(cursor, _InspectorCursor).id if cursor else None
    items = await service.list_inspectors(
        database, active=active, park=park, after=after, limit=limit + 1
    )
    page, next_cursor = keyset_page(items, limit, lambda i: {"id": str(i.id)})
    return record_response(InspectorPage(items=page, next_cursor=next_cursor))


@router.patch("/inspectors/{inspector_id}", response_model=InspectorRead, responses=STALE_VERSION)
async def change_inspector(
    _: BureauPrincipal,
    inspector_id: Annotated[uuid.UUID, Path(description="检查人员 id")],
    changes: InspectorUpdate,
    database: CurrentDatabase,
    if_match: Annotated[
        str | None,
        Header(min_length=1, description='Change only if still at this version, e.g. "v3"'),
    ] = None,
) -> Response:
    """Rename, move or take an inspector off the draw (`active: false`)."""
    try:
        record = await service.change_inspector(
            database,
            inspector_id=inspector_id,
            changes=changes,
            expected_versions=matching_versions(if_match),
        )
    except SpotCheckRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)


@router.post("/draws", status_code=status.HTTP_201_CREATED, response_model=DrawRead)
async def make_draw(
    principal: BureauPrincipal,
    data: DrawCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    grading: CurrentGrading,
    lots: GradeLots,
    zone: BusinessZone,
    today: BusinessToday,
) -> Response:
    """双随机抽取 — draw N use units (weighted by risk grade) and M active inspectors at random.
    The seed and the lists drawn from are kept and published, so the draw can be repeated."""
    try:
        record = await service.make_draw(
            database,
            outbox,
            principal=principal,
            data=data,
            grading=grading,
            lots=lots,
            zone=zone,
            today=today,
        )
    except SpotCheckRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED)


@router.get("/draws/{draw_id}", response_model=DrawRead)
async def get_draw(_: SupervisoryPrincipal, draw_id: DrawId, database: CurrentDatabase) -> Response:
    """A draw, its results so far, and whether drawing again from its seed gives the same."""
    record = await service.get_draw(database, draw_id=draw_id)
    if record is None:
        raise NotFound(f"no spot-check draw with id {draw_id}")
    return record_response(record)


@router.post(
    "/draws/{draw_id}/results",
    status_code=status.HTTP_201_CREATED,
    response_model=DrawnUnitRead,
    responses={
        200: {"description": "the same result again (a retry): the result already held"},
        409: {"description": "a different result is already recorded for this unit"},
    },
)
async def record_result(
    principal: BureauPrincipal,
    draw_id: DrawId,
    data: SpotCheckResultWrite,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    zone: BusinessZone,
    today: BusinessToday,
) -> Response:
    """检查结果 — record and publish the result of checking one drawn unit."""
    try:
        record, created = await service.record_result(
            database,
            outbox,
            principal=principal,
            draw_id=draw_id,
            data=data,
            zone=zone,
            today=today,
        )
    except SpotCheckRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=201 if created else 200)
