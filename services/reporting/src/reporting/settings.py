from __future__ import annotations

from pydantic import Field

from tzsb_common.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_reporting"

    business_timezone: str = "Asia/Shanghai"
    """A visit counts on the business date of its start in this zone (ARCHITECTURE.md)."""
    maintenance_interval_days: int = Field(default=15, gt=0)
    """TSG T5002: the longest gap between two visits that the on-time maintenance rate (按期维保率)
    allows, unless the elevator's contract sets its own (按需维保)."""
