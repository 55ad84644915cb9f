"""HTTP for the quarterly contractor rating: parse, authorise, call the service, shape the
answer."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query, Request, status
from starlette.responses import Response

from reporting.ratings import service
from reporting.ratings.rules import RatingReason
from reporting.ratings.schemas import (
    AppealCreate,
    AppealDecision,
    AppealRead,
    QuarterRatings,
    RatingPublish,
    RatingRead,
)
from reporting.ratings.service import RatingMissing, RatingRefused
from tzsb_common.auth import (
    BureauPrincipal,
    CallerKind,
    CurrentPrincipal,
    Principal,
    require_kind,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/ratings", tags=["ratings 维保单位季度评级"])

AppealingPrincipal = Annotated[
    Principal, Depends(require_kind(CallerKind.bureau, CallerKind.maintenance_company))
]


def _refusal(exc: RatingRefused) -> Exception:
    codes = {v.code for v in exc.violations}
    if RatingReason.not_own_rating in codes:
        return Forbidden("a company appeals its own rating", code=RatingReason.not_own_rating)
    fields = [v for v in exc.violations if v.field is not None]
    if fields:
        return ValidationFailed(
            [field_error(["body", str(v.field)], v.message, v.code) for v in fields]
        )
    first = exc.violations[0]
    return Conflict(first.message, code=first.code.value)


def _rating_settings(request: Request) -> service.RatingSettings:
    settings = request.app.state.settings
    return service.RatingSettings(
        default_interval_days=settings.maintenance_interval_days,
        star_floors=settings.star_rating_floors,
        minimum=settings.rating_min_elevators,
        rescue_breach_points=Decimal(str(settings.rating_rescue_breach_points)),
        business_timezone=settings.business_timezone,
    )


@router.get("/maintenance-companies", response_model=QuarterRatings)
async def get_quarter_ratings(
    _: CurrentPrincipal,
    request: Request,
    database: CurrentDatabase,
    year: Annotated[int, Query(ge=1990, le=2999, description="年度")],
    quarter: Annotated[int, Query(ge=1, le=4, description="季度 1–4")],
) -> Response:
    """维保单位季度评级 — per maintenance company, its score for the quarter with the formula
    beside it (the eight rates over the elevators it maintains on the quarter's last day, plus
    bonus points), the stars and the rank; only companies maintaining at least
    RATING_MIN_ELEVATORS elevators are rated. Before the bureau publishes the quarter this is a
    preview (`published: false`, no rating ids)."""
    ratings = await service.quarter_ratings(
        database, year=year, quarter=quarter, rating=_rating_settings(request)
    )
    return record_response(ratings)


@router.post(
    "/maintenance-companies", status_code=status.HTTP_201_CREATED, response_model=QuarterRatings
)
async def publish_quarter_ratings(
    principal: BureauPrincipal,
    request: Request,
    body: RatingPublish,
    database: CurrentDatabase,
) -> Response:
    """发布 — the bureau publishes a quarter's ratings; they are stored as computed now and
    never recomputed (409 `already_published` the second time; 409 `nothing_to_rate` when no
    company maintains enough elevators)."""
    try:
        ratings = await service.publish_quarter(
            database,
            year=body.year,
            quarter=body.quarter,
            published_by=principal,
            rating=_rating_settings(request),
        )
    except RatingRefused as exc:
        raise _refusal(exc) from None
    return record_response(ratings, status_code=status.HTTP_201_CREATED)


@router.get("/{rating_id}", response_model=RatingRead)
async def get_rating(
    _: CurrentPrincipal, rating_id: uuid.UUID, database: CurrentDatabase
) -> Response:
    """One published rating with its appeals and their outcomes."""
    try:
        return record_response(await service.get_rating(database, rating_id))
    except RatingMissing as exc:
        raise NotFound(str(exc)) from None


@router.post("/{rating_id}/appeals", status_code=status.HTTP_201_CREATED, response_model=AppealRead)
async def lodge_appeal(
    principal: AppealingPrincipal,
    rating_id: uuid.UUID,
    appeal: AppealCreate,
    database: CurrentDatabase,
) -> Response:
    """申诉 — the rated company appeals its rating with a reason (the bureau may record one on
    its behalf); one appeal at a time awaits a decision (409 `appeal_pending`)."""
    try:
        record = await service.lodge_appeal(
            database, rating_id=rating_id, appeal=appeal, lodged_by=principal
        )
    except RatingMissing as exc:
        raise NotFound(str(exc)) from None
    except RatingRefused as exc:
        raise _refusal(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED)


@router.post("/{rating_id}/appeals/{appeal_id}/decision", response_model=AppealRead)
async def decide_appeal(
    principal: BureauPrincipal,
    rating_id: uuid.UUID,
    appeal_id: uuid.UUID,
    decision: AppealDecision,
    database: CurrentDatabase,
) -> Response:
    """处理 — the bureau upholds (申诉成立, optionally with a corrected score) or dismisses
    (驳回) an appeal, with its reason; once (409 `appeal_decided`)."""
    try:
        record = await service.decide_appeal(
            database,
            rating_id=rating_id,
            appeal_id=appeal_id,
            decision=decision,
            decided_by=principal,
        )
    except RatingMissing as exc:
        raise NotFound(str(exc)) from None
    except RatingRefused as exc:
        raise _refusal(exc) from None
    return record_response(record)
