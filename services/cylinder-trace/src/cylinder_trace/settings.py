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
    fill_coalesce_max_items: int = Field(default=32, ge=0)
    """A post of at most this many well-formed fills is written in one transaction with the
    station's other small posts waiting at that moment (tzsb_common.coalescing); larger ones,
    and every post when 0, are written alone."""
    fill_coalesce_gather_ms: float = Field(default=1.0, ge=0, le=1000)
    """Under load, a station's next shared transaction waits this long for the posts that the
    answers of the one before set off (tzsb_common.coalescing); 0 starts it at once."""
    fill_statistics_publish_interval_s: float = Field(default=1.0, gt=0)
    """How often the station-days whose fill counts changed are published (at most one event
    per day and interval, however many batches)."""
