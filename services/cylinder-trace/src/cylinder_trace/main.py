"""The cylinder-trace (气瓶追溯) service."""

from __future__ import annotations

from fastapi import FastAPI

from cylinder_trace.bulk_database import bulk_database_hook
from cylinder_trace.cylinders.routes import router as cylinders_router
from cylinder_trace.db import inbox, load_metadata, outbox
from cylinder_trace.fill_statistics.publishing import fill_statistics_publishing_hook
from cylinder_trace.fill_statistics.routes import router as statistics_router
from cylinder_trace.fills.months import fill_months_hook
from cylinder_trace.fills.routes import router as fills_router
from cylinder_trace.fills.writes import fill_writes_hook
from cylinder_trace.inspections.routes import router as inspections_router
from cylinder_trace.replicas.registry import registry_replica
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.app import ServiceDefinition, create_service_app


def create_app(settings: CylinderTraceSettings | None = None) -> FastAPI:
    settings = settings or CylinderTraceSettings()
    load_metadata()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="tzsb cylinder-trace 气瓶追溯",
            description=(
                "气瓶登记、充装记录与追溯召回 — gas cylinders, their fill records and recalls."
            ),
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[fills_router, cylinders_router, inspections_router, statistics_router],
            consumers=[registry_replica()],
            hooks=[
                bulk_database_hook(settings),
                fill_months_hook(settings),
                fill_writes_hook(settings),
                fill_statistics_publishing_hook(settings),
            ],
        )
    )
