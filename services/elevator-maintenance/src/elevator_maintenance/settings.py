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
    swipe_statistics_fold_interval_s: float = Field(default=1.0, gt=0)
    """How often the swipe counts the batches left pending are added to their company-days and
    published (at most one event per day and interval, however many batches)."""
    swipe_coalesce_max_items: int = Field(default=32, ge=0)
    """A post of at most this many swipes is written in one transaction with the company's other
    small posts waiting at that moment (tzsb_common.coalescing); larger ones, and every post
    when 0, are written alone."""
    swipe_coalesce_gather_ms: float = Field(default=1.0, ge=0, le=1000)
    """Under load, a company's next shared transaction waits this long for the posts that the
    answers of the one before set off (tzsb_common.coalescing); 0 starts it at once."""
    swipe_pool_size: int = Field(default=10, gt=0)
    """Connections of the ingestion pool (see swipes/ingestion.py)."""

    rescue_acknowledge_minutes: float = Field(default=3.0, gt=0)
    """96333: the company acknowledges a dispatch within this (the 3-minute response rate)."""
    rescue_escalate_minutes: float = Field(default=20.0, gt=0)
    """Nobody arrived this long after dispatch: the bureau's backup team is sent (level 2)."""
    rescue_arrival_urban_minutes: float = Field(default=30.0, gt=0)
    """Local elevator regulations: arrival within 30 minutes in urban districts…"""
    rescue_arrival_other_minutes: float = Field(default=60.0, gt=0)
    """…and within an hour elsewhere (a district the bureau has not marked urban)."""
    rescue_backup_team: str = Field(default="96333 应急救援备用队伍", min_length=1)
    """The bureau's backup rescue team, named in the escalation event."""
    rescue_clock_interval_s: float = Field(default=15.0, gt=0)
    """How often a replica runs the rescue clocks for the current instant."""
    rescue_time_tolerance_s: float = Field(default=300.0, ge=0)
    """A step reported with a time this far ahead of the server's clock is refused."""

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
