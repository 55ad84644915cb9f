from __future__ import annotations

import itertools

from pydantic import Field, field_validator

from tzsb_common.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_reporting"

    consumer_fetch_gather_ms: int = Field(default=500, ge=0, le=5_000)
    """The read models feed reports and indicators that are cached for half a minute and more
    (below): an event may wait half a second to be gathered with others. Three of the consumers
    read the maintenance topic, where every swipe that ends a visit publishes. Answered at each
    event, their fetches made reporting and the broker spend 0.42–0.47 ms of CPU per single
    swipe at 32 clients, a third of the platform's; gathering, 0.16–0.28 ms."""

    business_timezone: str = "Asia/Shanghai"
    """A visit counts on the business date of its start in this zone (ARCHITECTURE.md)."""
    maintenance_interval_days: int = Field(default=15, gt=0)
    """TSG T5002: the longest gap between two visits that the on-time maintenance rate (按期维保率)
    allows, unless the elevator's contract sets its own (按需维保)."""
    report_cache_seconds: float = Field(default=30.0, ge=0)
    """How long a process answers a repeated report request (indicators, rankings) from its
    last answer; 0 computes every request afresh."""
    indicator_snapshot_seconds: float = Field(default=300.0, ge=0)
    """How long the elevator indicators of a period, counted per park over every elevator, are
    answered from that stored count (`indicator_snapshots`) by every process, for any region or
    grouping, instead of counting the read models again; a figure is at most this much older
    than the read models. 0 counts every request afresh."""
    indicator_count_timeout_s: float = Field(default=60.0, gt=0)
    """The statement time-out of a count over every elevator (the stored counts' refresh, or a
    request for a period not stored yet): a million elevators take seconds, longer than the
    request path's `database_statement_timeout_s`."""
    star_rating_floors: tuple[float, float, float, float] = (790.0, 760.0, 720.0, 680.0)
    """星级评定: the lowest score for five, four, three and two stars (a company below the last
    has one star). The Lanzhou plan proposes the rating without figures; these are defaults for
    a bureau to set."""

    rating_rescue_breach_points: float = Field(default=5.0, ge=0, le=100)
    """维保单位季度评级: points off a company's quarterly score per 96333 rescue it did not reach
    by the arrival deadline (30 minutes urban, 60 elsewhere)."""
    rating_min_elevators: int = Field(default=5, ge=1)
    """维保单位季度评级: a company maintaining fewer elevators on a quarter's last day is listed
    but not rated (EMSD rates only contractors with enough lifts to judge)."""

    annual_report_region_name: str = Field(default="本辖区", min_length=1, max_length=50)
    """The jurisdiction the annual report is titled for, e.g. 兰州新区."""

    @field_validator("star_rating_floors")
    @classmethod
    def _floors_descend(cls, floors: tuple[float, ...]) -> tuple[float, ...]:
        if any(lower >= higher for higher, lower in itertools.pairwise(floors)):
            raise ValueError("each star's floor must be below the one above it")
        return floors
