"""HTTP for the maintenance-company ranking and bonus points: parse, authorise, call the
service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query, Request, status
from pydantic import BaseModel
from starlette.responses import Response

from reporting.indicators.cache import CurrentReportCache
from reporting.indicators.rules import NoDefinition
from reporting.indicators.schemas import ExportFormat, Region
from reporting.indicators.workbook import XLSX_MEDIA_TYPE
from reporting.rankings import service
from reporting.rankings.schemas import (
    BonusCreate,
    BonusPage,
    BonusRead,
    MaintenanceCompanyRanking,
)
from reporting.rankings.service import BonusRefused
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
from tzsb_common.problems import Conflict, ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("", tags=["rankings 维保排名"])

_NAME = {"min_length": 1, "max_length": 100}
_RANKING = "maintenance-companies"


class _BonusCursor(BaseModel):
    seq: int


def _require_ordered_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ValidationFailed.at(
            ["query", "period_end"], "the period ends before it starts", "period_end_before_start"
        )


@router.post("/bonuses", status_code=status.HTTP_201_CREATED, response_model=BonusRead)
async def award_bonus(
    principal: BureauPrincipal,
    bonus: BonusCreate,
    database: CurrentDatabase,
    cache: CurrentReportCache,
) -> Response:
    """加分 — the bureau awards (or, with negative points, deducts) points to a maintenance
    company, with the reason. Recorded with the awarding client and never changed: a mistake
    is corrected by a further award."""
    try:
        record = await service.award_bonus(database, bonus=bonus, awarded_by=principal)
    except BonusRefused as exc:
        raise ValidationFailed(
            [field_error(["body", v.field], v.message, v.code) for v in exc.violations]
        ) from None
    cache.forget(lambda key: isinstance(key, tuple) and key[0] == _RANKING)
    return record_response(record, status_code=status.HTTP_201_CREATED)


@router.get("/bonuses", response_model=BonusPage)
async def list_bonuses(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    maintenance_company_id: Annotated[uuid.UUID | None, Query(description="维保单位")] = None,
    awarded_from: Annotated[QueryDay | None, Query(description="awarded on or after")] = None,
    awarded_to: Annotated[QueryDay | None, Query(description="awarded on or before")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """加分记录 — every bonus, in the order awarded (the audit trail)."""
    after = decode_cursor_as(cursor, _BonusCursor).seq if cursor else None
    rows = await service.list_bonuses(
        database,
        maintenance_company_id=maintenance_company_id,
        awarded_from=awarded_from,
        awarded_to=awarded_to,
        after_seq=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(rows, limit, lambda row: {"seq": row[0]})
    return record_response(BonusPage(items=[b for _, b in page], next_cursor=next_cursor))


@router.get(
    "/rankings/maintenance-companies",
    response_model=MaintenanceCompanyRanking,
    responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}},
)
async def rank_maintenance_companies(
    _: SupervisoryPrincipal,
    request: Request,
    database: CurrentDatabase,
    cache: CurrentReportCache,
    period_start: Annotated[QueryDay, Query(description="统计期起 (included), YYYY-MM-DD")],
    period_end: Annotated[QueryDay, Query(description="统计期止 (included)")],
    province: Annotated[str | None, Query(description="省", **_NAME)] = None,
    city: Annotated[str | None, Query(description="市", **_NAME)] = None,
    district: Annotated[str | None, Query(description="区县", **_NAME)] = None,
    park: Annotated[str | None, Query(description="园区", **_NAME)] = None,
    export_format: Annotated[
        ExportFormat,
        Query(alias="format", description="json, or csv or xlsx to download the table"),
    ] = ExportFormat.json,
) -> Response:
    """在用电梯维保综合排位 (Table 4) — per maintenance company, over the in-use elevators in
    the region it holds a contract for on the period's last day: the eight rates, their sum,
    the bonus points awarded within the period, the score (sum + bonus), a standard
    competition rank (1, 2, 2, 2, 5) and a star rating (星级) by the configured score bands."""
    _require_ordered_period(period_start, period_end)
    settings = request.app.state.settings
    region = Region(province=province, city=city, district=district, park=park)
    key = (_RANKING, period_start, period_end, *region.model_dump().values())
    ranking: MaintenanceCompanyRanking | None = cache.get(key)
    if ranking is None:
        try:
            ranking = await service.maintenance_company_ranking(
                database,
                period_start=period_start,
                period_end=period_end,
                region=region,
                default_interval_days=settings.maintenance_interval_days,
                star_floors=settings.star_rating_floors,
            )
        except NoDefinition as exc:
            raise Conflict(str(exc), code="no_definition_in_effect") from None
        cache.put(key, ranking)
    if export_format is ExportFormat.xlsx:
        name = f"maintenance-company-ranking-{period_start}-{period_end}.xlsx"
        return Response(
            service.ranking_xlsx(ranking),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if export_format is ExportFormat.csv:
        name = f"maintenance-company-ranking-{period_start}-{period_end}.csv"
        return Response(
            service.ranking_csv(ranking),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return record_response(ranking)
