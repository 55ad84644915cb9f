"""The inspection (检验) service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from inspection.db import inbox, load_metadata, outbox
from inspection.inspection_rules.routes import router as inspection_rules_router
from inspection.inspections.routes import router as inspections_router
from inspection.replicas.equipment import equipment_replica
from inspection.settings import InspectionSettings
from tzsb_common.app import ServiceDefinition, create_service_app


def create_app(settings: InspectionSettings | None = None) -> FastAPI:
    settings = settings or InspectionSettings()
    load_metadata()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="tzsb inspection 检验",
            description=(
                "定期检验、检验结果、隐患与监察指令 — "
                "the inspection schedule, results, hazards and supervision orders."
            ),
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[inspection_rules_router, inspections_router],
            consumers=[equipment_replica(ZoneInfo(settings.business_timezone))],
        )
    )
