"""HTTP for swipes: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from fastapi import Request
from pydantic_core import to_json
from starlette.responses import Response

from elevator_maintenance.swipes import service
from elevator_maintenance.swipes.access import SwipePoster
from elevator_maintenance.swipes.ingestion import IngestionDatabase
from elevator_maintenance.swipes.schemas import (
    BodyShapeError,
    SwipeResults,
    read_swipes,
    request_body_openapi,
)
from tzsb_common.batch import BatchTooLarge
from tzsb_common.json_bodies import (
    DuplicateKeyError,
    parse_json_refusing_duplicate_keys,
    unsupported_media_type,
)
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.problems import ValidationFailed
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
    database: IngestionDatabase,
    outbox: CurrentOutbox,
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
    answers = await service.ingest_swipes(
        database,
        outbox,
        company_id=principal.organisation_id,
        client_id=principal.client_id,
        items=items,
        settings=settings,
    )
    return Response(to_json(_answer(answers)), media_type="application/json")
