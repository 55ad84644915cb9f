"""HTTP for swipes: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from pydantic_core import to_json
from starlette.responses import Response

from elevator_maintenance.swipes import service
from elevator_maintenance.swipes.access import SwipePoster
from elevator_maintenance.swipes.ingestion import SwipeWriter
from elevator_maintenance.swipes.rules import SwipeReason
from elevator_maintenance.swipes.schemas import (
    BodyShapeError,
    SwipeCursor,
    SwipePage,
    SwipeResults,
    read_swipes,
    request_body_openapi,
)
from elevator_maintenance.visits.access import VisitReader
from tzsb_common.batch import BatchTooLarge
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.days import QueryDay
from tzsb_common.json_bodies import (
    DuplicateKeyError,
    parse_json_refusing_duplicate_keys,
    unsupported_media_type,
)
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/swipes", tags=["swipes 刷卡"])


def _answer(answers: list[service.SwipeAnswer]) -> dict[str, object]:
    results = []
    for a in answers:
        result: dict[str, object] = {
            "swipe_id": a.swipe_id,
            "status": a.status,
            "reasons": list(a.reasons),
        }
        if a.first_status is not None:
            result["first_status"] = a.first_status
        if a.field is not None:
            result["field"] = a.field
            result["detail"] = a.detail
        results.append(result)
    return {"results": results}


@router.post(
    "",
    response_model=SwipeResults,
    openapi_extra=request_body_openapi(),
    responses={413: {"description": "more than 1,000 swipes in one batch"}},
)
async def post_swipes(
    request: Request,
    principal: SwipePoster,
    write: SwipeWriter,
) -> Response:
    """维保刷卡 — a maintenance company posts one swipe or a batch of up to 1,000 (a terminal
    that was offline). Each is answered in order: `accepted`, `rejected` with every reason that
    applies (stored too, as evidence), or `duplicate` with the first answer to its `swipe_id`."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise unsupported_media_type()
    raw = await request.body()
    try:
        document = parse_json_refusing_duplicate_keys(raw)
    except DuplicateKeyError as exc:
        raise ValidationFailed.at(
            ("body",), f"the key {exc.key!r} is repeated", code="duplicate_key"
        ) from None
    except (ValueError, RecursionError):
        raise ValidationFailed.at(("body",), "the body is not JSON", code="json_invalid") from None
    settings = request.app.state.settings
    try:
        items, _, count = read_swipes(raw, document, max_items=settings.max_batch_items)
    except BodyShapeError as exc:
        raise ValidationFailed.at(exc.location, exc.message, code="body_shape") from None
    if count > settings.max_batch_items:
        raise BatchTooLarge(items=count, max_items=settings.max_batch_items)
    answers = await write((principal.organisation_id, principal.client_id), items)
    return Response(to_json(_answer(answers)), media_type="application/json")


@router.get("", response_model=SwipePage)
async def list_swipes(
    request: Request,
    scope: VisitReader,
    database: CurrentDatabase,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    ] = None,
    status: Annotated[
        Literal["accepted", "rejected"] | None, Query(description="accepted | rejected 被拒")
    ] = None,
    reason: Annotated[
        SwipeReason | None,
        Query(description="rejections with this reason (被拒原因), e.g. no_valid_contract"),
    ] = None,
    from_: Annotated[QueryDay | None, Query(alias="from", description="swipes on or after")] = None,
    to: Annotated[QueryDay | None, Query(description="swipes on or before this day")] = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """刷卡记录 — swipes, newest first, rejections with their reasons (`status=rejected`, and
    `reason` for one of them). A maintenance company lists its own; the bureau all, or one
    company's with `company_id`."""
    if scope.company_id is not None:
        if company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company lists only its own swipes")
        company_id = scope.company_id
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    after = decode_cursor_as(cursor, SwipeCursor) if cursor else None
    items = await service.list_swipes(
        database,
        company_id=company_id,
        equipment_code=equipment_code,
        status=status,
        since=datetime.combine(from_, time(0), tzinfo=zone) if from_ else None,
        until=datetime.combine(to, time(0), tzinfo=zone) + timedelta(days=1) if to else None,
        after=(after.at, after.company_id, after.swipe_id) if after else None,
        limit=limit + 1,
        reason=reason.value if reason else None,
    )
    page, next_cursor = keyset_page(
        items,
        limit,
        lambda s: {"at": s.at, "company_id": str(s.company_id), "swipe_id": s.swipe_id},
    )
    return record_response(SwipePage(items=page, next_cursor=next_cursor))
