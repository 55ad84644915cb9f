from __future__ import annotations

from datetime import time

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

    anomaly_min_visit_minutes: float = Field(default=20.0, ge=0)
    """A visit shorter than this is recorded as anomaly `short_visit` (perfunctory maintenance)."""
    anomaly_max_travel_kmh: float = Field(default=120.0, gt=0)
    """One certificate at two elevators farther apart than it could travel at this speed in
    the time between its visits: anomaly `impossible_travel`."""
    anomaly_same_site_km: float = Field(default=1.0, ge=0)
    """Elevators closer than this are one site (one building's or one estate's): walking
    between them is never judged as travel."""
    anomaly_max_visits_per_day: int = Field(default=12, gt=0)
    """One certificate in more visits than this on a business day: anomaly `too_many_visits`."""
    overdue_scan_time: time = time(1, 30)
    """When each business day the overdue-maintenance pass runs (Asia/Shanghai)."""
    overdue_scan_check_interval_s: float = Field(default=300.0, gt=0)
    """How often a replica checks whether today's overdue pass is done."""
    overdue_scan_timeout_s: float = Field(default=300.0, gt=0)
    """The bound of one overdue pass (it outlasts the request path's statement time-out)."""
    integrity_max_rows: int = Field(default=200_000, gt=0)
    """The most chained swipes one integrity check walks; a longer range is checked in parts."""
