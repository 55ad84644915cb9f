from __future__ import annotations

from tzsb_common.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_reporting"
