"""HTTP for the elevator indicators: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from reporting.indicators import service
from reporting.indicators.cache import CurrentReportCache
from reporting.indicators.schemas import (
    ElevatorIndicatorRanking,
    ElevatorIndicators,
    ExportFormat,
    IndicatorGrouping,
    QueryDay,
    Region,
)
from tzsb_common.auth import SupervisoryPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/indicators", tags=["indicators 监管指标"])

_NAME = {"min_length": 1, "max_length": 100}


@router.get(
    "/elevators",
    response_model=ElevatorIndicators | ElevatorIndicatorRanking,
    responses={
        200: {
            "content": {"text/csv": {}},
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
        ExportFormat, Query(alias="format", description="json, or csv to download the table")
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
        report = await service.elevator_report(
            database,
            period_start=period_start,
            period_end=period_end,
            region=region,
            group_by=group_by,
            default_interval_days=interval,
        )
        cache.put(key, report)
    if export_format is ExportFormat.csv:
        name = f"elevator-indicators-{period_start}-{period_end}.csv"
        return Response(
            service.indicators_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return record_response(report)
