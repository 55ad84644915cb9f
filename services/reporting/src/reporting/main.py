"""The reporting (统计报告) service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from reporting.annual_report.routes import router as annual_report_router
from reporting.db import inbox, load_metadata, outbox
from reporting.indicators.routes import router as indicators_router
from reporting.indicators.snapshots import snapshot_refresh_hook
from reporting.rankings.routes import router as rankings_router
from reporting.ratings.routes import router as ratings_router
from reporting.read_models.consumers import read_model_consumers
from reporting.safety_events.consumers import safety_event_consumers
from reporting.settings import ReportingSettings
from tzsb_common.app import ServiceDefinition, create_service_app


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    zone = ZoneInfo(settings.business_timezone)
    load_metadata()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="tzsb reporting 统计报告",
            description=("监管指标、排名与年度报告 — indicators, rankings and the annual report."),
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[indicators_router, rankings_router, ratings_router, annual_report_router],
            consumers=[*read_model_consumers(zone), *safety_event_consumers(zone)],
            hooks=[snapshot_refresh_hook(settings)],
        )
    )
