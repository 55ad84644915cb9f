from __future__ import annotations

from tzsb_common.settings import ServiceSettings


class InspectionSettings(ServiceSettings):
    service_name: str = "inspection"
    http_port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_inspection"
