from __future__ import annotations

from tzsb_common.settings import ServiceSettings


class ElevatorMaintenanceSettings(ServiceSettings):
    service_name: str = "elevator-maintenance"
    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_elevator_maintenance"
