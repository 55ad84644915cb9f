"""The elevator-maintenance (电梯维保) service."""

from __future__ import annotations

from fastapi import FastAPI

from elevator_maintenance.anomalies.routes import router as anomalies_router
from elevator_maintenance.db import inbox, load_metadata, outbox
from elevator_maintenance.integrity.routes import router as integrity_router
from elevator_maintenance.replicas.consumers import replica_consumers
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipes.ingestion import ingestion_pool
from elevator_maintenance.swipes.partitions import swipe_partitions
from elevator_maintenance.swipes.routes import router as swipes_router
from elevator_maintenance.visits.routes import router as visits_router
from tzsb_common.app import ServiceDefinition, create_service_app


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
            routers=[swipes_router, visits_router, anomalies_router, integrity_router],
            consumers=replica_consumers(),
            hooks=[ingestion_pool, swipe_partitions],
        )
    )
