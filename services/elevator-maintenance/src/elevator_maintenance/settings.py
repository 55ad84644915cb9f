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
