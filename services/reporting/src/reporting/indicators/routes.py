"""HTTP for the elevator indicators: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, status
from pydantic import BaseModel
from starlette.responses import Response

from reporting.indicators import service
from reporting.indicators.cache import CurrentReportCache
from reporting.indicators.rules import NoDefinition
from reporting.indicators.schemas import (
    ElevatorIndicatorRanking,
    ElevatorIndicators,
    ExportFormat,
    IndicatorDefinitionList,
    IndicatorGrouping,
    PublicationCreate,
    PublicationPage,
    PublicationRead,
    Region,
)
from reporting.indicators.workbook import XLSX_MEDIA_TYPE
from tzsb_common.auth import BureauPrincipal, SupervisoryPrincipal
from tzsb_common.days import QueryDay
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Conflict, NotFound, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/indicators", tags=["indicators 监管指标"])

_NAME = {"min_length": 1, "max_length": 100}


@router.get(
    "/elevators",
    response_model=ElevatorIndicators | ElevatorIndicatorRanking,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
            "description": "the figures; with `group_by`, one ranked row per region",
        }
    },
)
async def get_elevator_indicators(
    _: SupervisoryPrincipal,
    request: Request,
    database: CurrentDatabase,
    cache: CurrentReportCache,
    period_start: Annotated[QueryDay, Query(description="统计期起 (included), YYYY-MM-DD")],
    period_end: Annotated[
        QueryDay, Query(description="统计期止 (included): elevators in use on this day are counted")
    ],
    province: Annotated[str | None, Query(description="省", **_NAME)] = None,
    city: Annotated[str | None, Query(description="市", **_NAME)] = None,
    district: Annotated[str | None, Query(description="区县", **_NAME)] = None,
    park: Annotated[str | None, Query(description="园区", **_NAME)] = None,
    group_by: Annotated[
        IndicatorGrouping | None,
        Query(description="综合排位: one row per park, district or city, ranked by composite"),
    ] = None,
    export_format: Annotated[
        ExportFormat,
        Query(alias="format", description="json, or csv or xlsx to download the table"),
    ] = ExportFormat.json,
) -> Response:
    """在用电梯综合管理指标 (Table 3) — the eight rates over the elevators in use on the
    period's last day, each a percentage rounded half-up to two decimals, and their sum (综合得分).
    A region without elevators in use answers `elevators_in_use: 0` with null rates and
    composite."""
    if period_end < period_start:
        raise ValidationFailed.at(
            ["query", "period_end"], "the period ends before it starts", "period_end_before_start"
        )
    region = Region(province=province, city=city, district=district, park=park)
    interval = request.app.state.settings.maintenance_interval_days
    key = ("elevators", period_start, period_end, *region.model_dump().values(), group_by)
    report: ElevatorIndicators | ElevatorIndicatorRanking | None = cache.get(key)
    if report is None:
        try:
            report = await service.elevator_report(
                database,
                period_start=period_start,
                period_end=period_end,
                region=region,
                group_by=group_by,
                default_interval_days=interval,
                snapshot_seconds=request.app.state.settings.indicator_snapshot_seconds,
                count_timeout_s=request.app.state.settings.indicator_count_timeout_s,
            )
        except NoDefinition as exc:
            raise Conflict(str(exc), code="no_definition_in_effect") from None
        cache.put(key, report)
    if export_format is ExportFormat.xlsx:
        name = f"elevator-indicators-{period_start}-{period_end}.xlsx"
        return Response(
            service.indicators_xlsx(report),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if export_format is ExportFormat.csv:
        name = f"elevator-indicators-{period_start}-{period_end}.csv"
        return Response(
            service.indicators_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return record_response(report)


@router.get("/definitions", response_model=IndicatorDefinitionList)
async def list_indicator_definitions(
    _: SupervisoryPrincipal, database: CurrentDatabase
) -> Response:
    """指标口径 — every version of every indicator's definition; a period is computed by the
    versions in effect on its last day (`definition_versions` in each answer)."""
    return record_response(await service.list_definitions(database))


@router.post(
    "/elevators/publications",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicationRead,
)
async def publish_elevator_indicators(
    principal: BureauPrincipal,
    request: Request,
    publication: PublicationCreate,
    database: CurrentDatabase,
) -> Response:
    """公布 — the bureau publishes a period's Table 3 figures: they are computed now and stored
    as answered, with the version of each definition they used."""
    if publication.period_end < publication.period_start:
        raise ValidationFailed.at(
            ["body", "period_end"], "the period ends before it starts", "period_end_before_start"
        )
    try:
        record = await service.publish_figures(
            database,
            publication=publication,
            published_by=principal,
            default_interval_days=request.app.state.settings.maintenance_interval_days,
        )
    except NoDefinition as exc:
        raise Conflict(str(exc), code="no_definition_in_effect") from None
    return record_response(record, status_code=status.HTTP_201_CREATED)


class _PublicationCursor(BaseModel):
    seq: int


@router.get("/elevators/publications", response_model=PublicationPage)
async def list_elevator_indicator_publications(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """已公布的指标 — the published figures, newest first."""
    before = decode_cursor_as(cursor, _PublicationCursor).seq if cursor else None
    rows = await service.list_publications(database, before_seq=before, limit=limit + 1)
    page, next_cursor = keyset_page(rows, limit, lambda row: {"seq": row[0]})
    return record_response(PublicationPage(items=[p for _, p in page], next_cursor=next_cursor))


@router.get("/elevators/publications/{publication_id}", response_model=PublicationRead)
async def get_elevator_indicator_publication(
    _: SupervisoryPrincipal, publication_id: uuid.UUID, database: CurrentDatabase
) -> Response:
    """One publication, exactly as published."""
    record = await service.get_publication(database, publication_id)
    if record is None:
        raise NotFound(f"no publication {publication_id}")
    return record_response(record)
