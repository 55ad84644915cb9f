from __future__ import annotations

from pydantic import Field

from tzsb_common.settings import ServiceSettings


class CylinderTraceSettings(ServiceSettings):
    service_name: str = "cylinder-trace"
    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_cylinder_trace"

    business_timezone: str = "Asia/Shanghai"
    """Fill dates, licence and certificate validity and the fill months are dates in this zone."""
    fill_months_check_interval_s: float = Field(default=3600.0, gt=0)
    """How often a replica makes sure the coming months' fill partitions exist."""
    fill_statistics_publish_interval_s: float = Field(default=1.0, gt=0)
    """How often the station-days whose fill counts changed are published (at most one event
    per day and interval, however many batches)."""
