from __future__ import annotations

from datetime import time

from pydantic import Field

from tzsb_common.settings import ServiceSettings


class InspectionSettings(ServiceSettings):
    service_name: str = "inspection"
    http_port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_inspection"

    business_timezone: str = "Asia/Shanghai"
    """Business dates (due dates, today's scan) are dates in this zone (ARCHITECTURE.md)."""
    due_scan_time: time = time(1, 0)
    """Local time after which each replica runs the day's due scan if no replica has yet."""
    due_scan_check_interval_s: float = Field(default=300.0, gt=0)
    """How often a replica checks whether today's scan is done (jittered)."""
    due_scan_timeout_s: float = Field(default=600.0, gt=0)
    """Statement time-out of one scan pass (a million equipment take seconds, not minutes)."""
    due_reminder_months: int = Field(default=2, ge=1, le=12)
    """Reminder lead time: the use unit is reminded this many calendar months before the due
    date (the Lanzhou three-step workflow: two)."""
