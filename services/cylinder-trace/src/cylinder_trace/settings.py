from __future__ import annotations

from tzsb_common.settings import ServiceSettings


class CylinderTraceSettings(ServiceSettings):
    service_name: str = "cylinder-trace"
    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_cylinder_trace"

    business_timezone: str = "Asia/Shanghai"
    """Fill dates, licence and certificate validity are dates in this zone."""
