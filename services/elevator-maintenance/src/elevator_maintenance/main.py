"""The elevator-maintenance (电梯维保) service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from elevator_maintenance.anomalies.routes import router as anomalies_router
from elevator_maintenance.db import inbox, load_metadata, outbox
from elevator_maintenance.elevators.routes import router as elevators_router
from elevator_maintenance.integrity.routes import router as integrity_router
from elevator_maintenance.monitoring.routes import router as monitoring_router
from elevator_maintenance.overdue.queries import overdue_rule
from elevator_maintenance.overdue.routes import router as overdue_router
from elevator_maintenance.replicas.consumers import replica_consumers
from elevator_maintenance.rescue.routes import router as rescue_router
from elevator_maintenance.rescue.service import clock_scanner
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipe_statistics.publishing import swipe_statistics_hook
from elevator_maintenance.swipe_statistics.routes import router as swipe_statistics_router
from elevator_maintenance.swipes.ingestion import ingestion_pool
from elevator_maintenance.swipes.partitions import swipe_partitions
from elevator_maintenance.swipes.routes import router as swipes_router
from elevator_maintenance.visits.routes import router as visits_router
from tzsb_common.app import ServiceDefinition, create_service_app
from tzsb_common.contracts.hazard import HAZARD_TOPIC
from tzsb_common.deadlines import DeadlineScanner, daily_scans, frequent_scans


def deadline_scanner(settings: ElevatorMaintenanceSettings) -> DeadlineScanner:
    """Maintenance's clocks: the maintenance interval (TSG T5002)."""
    return DeadlineScanner(
        [
            overdue_rule(
                zone=settings.business_timezone,
                regular_interval_days=settings.maintenance_interval_days,
                hazard_topic=settings.topic(HAZARD_TOPIC),
                outbox_table=outbox.name,
            )
        ],
        settings=settings,
        outbox_table=outbox,
        pass_timeout_s=settings.overdue_scan_timeout_s,
    )


def create_app(settings: ElevatorMaintenanceSettings | None = None) -> FastAPI:
    settings = settings or ElevatorMaintenanceSettings()
    load_metadata()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="tzsb elevator-maintenance 电梯维保",
            description=(
                "电梯维保刷卡、维保记录与应急救援 — "
                "elevator maintenance swipes, visits and emergency rescue."
            ),
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[
                swipes_router,
                swipe_statistics_router,
                visits_router,
                elevators_router,
                anomalies_router,
                integrity_router,
                overdue_router,
                rescue_router,
                monitoring_router,
            ],
            consumers=replica_consumers(),
            hooks=[
                ingestion_pool,
                swipe_partitions,
                swipe_statistics_hook(settings),
                frequent_scans(
                    lambda _: clock_scanner(settings, outbox),
                    every_s=settings.rescue_clock_interval_s,
                    state_attribute="rescue_clock_scanner",
                ),
                daily_scans(
                    lambda _: deadline_scanner(settings),
                    at=settings.overdue_scan_time,
                    zone=ZoneInfo(settings.business_timezone),
                    check_interval_s=settings.overdue_scan_check_interval_s,
                ),
            ],
        )
    )
