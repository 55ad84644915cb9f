from __future__ import annotations

from pydantic import Field

from tzsb_common.settings import ServiceSettings


class ElevatorMaintenanceSettings(ServiceSettings):
    service_name: str = "elevator-maintenance"
    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_elevator_maintenance"

    business_timezone: str = "Asia/Shanghai"
    """Contracts and certificates are valid on business dates in this zone (ARCHITECTURE.md)."""
    swipe_future_tolerance_s: float = Field(default=300.0, ge=0)
    """A swipe more than this ahead of the server's clock is rejected `time_in_future`."""
    swipe_max_age_days: float = Field(default=30.0, gt=0)
    """A swipe older than this is rejected `time_too_old`."""
    swipe_geofence_m: float = Field(default=200.0, gt=0)
    """A swipe farther than this from the elevator's registered position (both known) is
    rejected `outside_geofence`."""
    visit_pairing_window_hours: float = Field(default=8.0, gt=0)
    """An end swipe pairs with the nearest unpaired start at most this long before it."""
    maintenance_interval_days: int = Field(default=15, gt=0)
    """TSG T5002: the longest gap between two visits, unless a contract sets its own (按需维保)."""
    swipe_partitions_ahead_months: int = Field(default=2, ge=1, le=24)
    """Monthly partitions of the swipes table are kept made this many months ahead."""
    swipe_partition_check_interval_s: float = Field(default=6 * 3600.0, gt=0)
    """How often a replica makes sure the coming months' partitions exist."""
    swipe_pool_size: int = Field(default=10, gt=0)
    """Connections of the ingestion pool (see swipes/ingestion.py)."""
