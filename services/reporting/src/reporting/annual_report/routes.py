"""HTTP for the annual report: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Header, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from reporting.annual_report import render, service
from reporting.annual_report.rules import FIRST_REPORT_YEAR, LAST_REPORT_YEAR
from reporting.annual_report.schemas import AnnualReport, PlanRead, PlanUpdate, ReportFormat
from reporting.annual_report.service import PlanVersionMismatch
from tzsb_common.auth import BureauPrincipal, SupervisoryPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound, PreconditionFailed, ServiceUnavailable
from tzsb_common.responses import (
    CONDITIONAL_WRITE_RESPONSES,
    READ_RESPONSES,
    matching_versions,
    record_or_not_modified,
    record_response,
)
from tzsb_common.routing import feature_router

router = feature_router("/reports/annual", tags=["annual report 年度报告"])

ReportYear = Annotated[
    int, Path(ge=FIRST_REPORT_YEAR, le=LAST_REPORT_YEAR, description="报告年度, e.g. 2020")
]


@router.get(
    "/{year}",
    response_model=AnnualReport,
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "the report as HTML (default), PDF, or its figures as JSON",
        }
    },
)
async def get_annual_report(
    _: SupervisoryPrincipal,
    request: Request,
    database: CurrentDatabase,
    year: ReportYear,
    report_format: Annotated[
        ReportFormat,
        Query(alias="format", description="html (default), pdf, or json: the figures alone"),
    ] = ReportFormat.html,
) -> Response:
    """年度特种设备安全状况分析报告 — the year's report shaped like the Lanzhou one: equipment
    by category and park with growth, licensed units, elevator management (Table 3, Table 4),
    inspections and the yearly average inspection rate, hazard rates, certificates, the due
    workflow's counts and the bureau's plan. Every figure is computed from the read models."""
    settings = request.app.state.settings
    report = await service.annual_report(
        database,
        year=year,
        default_interval_days=settings.maintenance_interval_days,
        star_floors=settings.star_rating_floors,
        business_timezone=settings.business_timezone,
        now=datetime.now(UTC),
    )
    if report_format is ReportFormat.json:
        return record_response(report)
    region_name = settings.annual_report_region_name
    if report_format is ReportFormat.pdf:
        try:
            pdf = await run_in_threadpool(render.report_pdf, report, region_name=region_name)
        except render.PdfUnavailable as exc:
            raise ServiceUnavailable(
                "PDF rendering needs Pango and the Noto CJK fonts on this host "
                "(Debian: libpango-1.0-0 fonts-noto-cjk); the HTML report is available.",
                slug="pdf-unavailable",
            ) from exc
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="annual-report-{year}.pdf"'},
        )
    html = await run_in_threadpool(render.report_html, report, region_name=region_name)
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/{year}/plan", response_model=PlanRead, responses=READ_RESPONSES)
async def get_annual_report_plan(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    year: ReportYear,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """工作计划 as it stands, with its version as the ETag to send back in `If-Match`."""
    plan = await service.get_plan(database, year=year)
    if plan is None:
        raise NotFound(f"no plan written for {year}")
    return record_or_not_modified(plan, version=plan.version, if_none_match=if_none_match)


@router.put("/{year}/plan", response_model=PlanRead, responses=CONDITIONAL_WRITE_RESPONSES)
async def put_annual_report_plan(
    principal: BureauPrincipal,
    database: CurrentDatabase,
    year: ReportYear,
    plan: PlanUpdate,
    if_match: Annotated[str | None, Header(description='the plan\'s ETag, e.g. "v2"')] = None,
) -> Response:
    """工作计划 — the bureau writes the plan text printed as the report's last section. Each
    write is a new version, kept with who wrote it (the audit trail); `If-Match` guards
    against overwriting a version the caller has not seen."""
    try:
        saved = await service.save_plan(
            database,
            year=year,
            plan=plan,
            written_by=principal,
            expected_versions=matching_versions(if_match),
        )
    except PlanVersionMismatch:
        raise PreconditionFailed("the plan has changed since the version named") from None
    return record_response(saved, version=saved.version)
