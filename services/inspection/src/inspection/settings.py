from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

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

    evidence_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    """The largest evidence file (整改证据: a photo, a PDF) a hazard takes; larger is a 413."""
    seal_max_days: int = Field(default=15, ge=1)
    """查封: a seal lasts at most this many days (DOMAIN.md, "Hazards and orders")."""
    seal_extension_max_days: int = Field(default=30, ge=1)
    """…and may be extended once, by at most this many days."""
    bureau_name: str = "市场监督管理局"
    """The issuing authority printed on a supervision order (监察指令书)."""
    order_number_prefix: str = Field(default="市监特令", min_length=1, max_length=20)
    """文号 prefix of supervision orders: 市监特令〔2026〕第12号."""

    # 风险分级 of use units: a score from the last year's findings, and the bands that grade it.
    risk_weight_general_hazard: int = Field(default=1, ge=0)
    """Points per general hazard (一般隐患) found at the unit in the last year."""
    risk_weight_major_hazard: int = Field(default=5, ge=0)
    """Points per major hazard (重大隐患) found at the unit in the last year."""
    risk_weight_overdue_equipment: int = Field(default=3, ge=0)
    """Points per piece of the unit's equipment that went overdue (超期未检) in the last year."""
    risk_weight_failed_inspection: int = Field(default=3, ge=0)
    """Points per failed inspection (不合格) of the unit's equipment in the last year."""
    risk_grade_b_from: int = Field(default=3, ge=1)
    """The lowest score graded B; below it a unit is A (lowest risk)."""
    risk_grade_c_from: int = Field(default=8, ge=1)
    risk_grade_d_from: int = Field(default=15, ge=1)
    """The lowest score graded D (highest risk)."""
    spot_check_weight_a: int = Field(default=1, ge=1)
    """How many lots a unit of each grade holds in a spot-check draw (双随机): a D unit is
    drawn about eight times as often as an A unit by default."""
    spot_check_weight_b: int = Field(default=2, ge=1)
    spot_check_weight_c: int = Field(default=4, ge=1)
    spot_check_weight_d: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _bands_ascend(self) -> InspectionSettings:
        if not self.risk_grade_b_from < self.risk_grade_c_from < self.risk_grade_d_from:
            raise ValueError("risk grade bands must ascend: b_from < c_from < d_from")
        return self
