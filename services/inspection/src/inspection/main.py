"""The inspection (检验) service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from inspection.db import inbox, load_metadata, outbox
from inspection.due.queries import due_rule
from inspection.due.routes import router as due_scans_router
from inspection.hazards.queries import hazard_deadline_rule, seal_expiry_rule
from inspection.hazards.routes import router as hazards_router
from inspection.hazards.signals import hazard_signals
from inspection.inspection_rules.routes import router as inspection_rules_router
from inspection.inspections.routes import router as inspections_router
from inspection.orders.routes import router as orders_router
from inspection.patrol.routes import router as patrol_router
from inspection.patrol.sightings import sightings_consumer
from inspection.rates.routes import router as rates_router
from inspection.replicas.contracts import contract_replica
from inspection.replicas.equipment import equipment_replica
from inspection.replicas.organisations import organisation_replica
from inspection.risk_grades.routes import router as risk_grades_router
from inspection.settings import InspectionSettings
from inspection.spot_checks.routes import router as spot_checks_router
from tzsb_common.app import ServiceDefinition, create_service_app
from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardOverdueV1, HazardSealExpiredV1
from tzsb_common.deadlines import DeadlineScanner, daily_scans


def deadline_scanner(settings: InspectionSettings) -> DeadlineScanner:
    """Inspection's clocks: the due workflow, hazard deadlines (an order's deadline becomes its
    hazards') and seals running out."""
    return DeadlineScanner(
        [
            due_rule(
                reminder_months=settings.due_reminder_months,
                hazard_topic=settings.topic(HAZARD_TOPIC),
            ),
            hazard_deadline_rule(event_type=HazardOverdueV1.event_type, topic=HAZARD_TOPIC),
            seal_expiry_rule(event_type=HazardSealExpiredV1.event_type, topic=HAZARD_TOPIC),
        ],
        settings=settings,
        outbox_table=outbox,
        pass_timeout_s=settings.due_scan_timeout_s,
    )


def create_app(settings: InspectionSettings | None = None) -> FastAPI:
    settings = settings or InspectionSettings()
    load_metadata()
    zone = ZoneInfo(settings.business_timezone)
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
            routers=[
                inspection_rules_router,
                inspections_router,
                due_scans_router,
                hazards_router,
                orders_router,
                patrol_router,
                risk_grades_router,
                spot_checks_router,
                rates_router,
            ],
            consumers=[
                equipment_replica(zone),
                hazard_signals(),
                contract_replica(),
                organisation_replica(),
                sightings_consumer(),
            ],
            hooks=[
                daily_scans(
                    lambda _: deadline_scanner(settings),
                    at=settings.due_scan_time,
                    zone=zone,
                    check_interval_s=settings.due_scan_check_interval_s,
                )
            ],
        )
    )
