"""Tables of the read models. Every row comes from an event; none is written by a request."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from reporting.db import metadata

READ_MODEL = {"read_model": True}
"""Marks a table built only from events: `tzsb reporting rebuild` empties every table so marked
and fills it again from the topics. A table a request writes (bonuses, publications, ratings)
must not carry it."""


def read_model_tables() -> list[Table]:
    """Every table of the service marked READ_MODEL, in dependency order."""
    return [table for table in metadata.sorted_tables if table.info.get("read_model")]


equipment = Table(
    "equipment",
    metadata,
    Column("equipment_code", Text, primary_key=True),  # 设备代码
    Column("category", Text, nullable=False),  # 特种设备目录, e.g. 3000 电梯
    Column("variety", Text, nullable=False),  # 品种
    Column("status", Text, nullable=False),  # in_use 在用 | suspended | scrapped | deregistered
    Column("status_since", Date),
    Column("registered", Boolean, nullable=False),  # holds a 使用登记证
    Column("registration_number", Text),  # 使用登记证编号
    Column("registered_on", Date),
    Column("use_unit_id", Uuid, nullable=False),  # 使用单位
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),  # 园区
    Column("manufacturer", Text),
    Column("factory_number", Text),  # 出厂编号
    Column("manufactured_on", Date),
    Column("commissioned_on", Date),
    Column("address", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("rated_load_kg", Float),  # 额定载重量, from the registry's attributes
    Column("rated_speed_ms", Float),  # 额定速度
    Column("stops", Integer),  # 层站数
    Column("rescue_code", Text),  # 96333 应急处置平台 code: the emergency-platform rate
    Column("rescue_sign_posted", Boolean, nullable=False),  # 贴牌: the label rate
    Column("record_complete", Boolean),  # 档案信息完整; null for equipment other than elevators
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_equipment_region", "category", "province", "city", "district", "park"),
    info=READ_MODEL,
)
"""Every piece of equipment the registry holds, all categories; its latest version wins."""

organisations = Table(
    "organisations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("credit_code", Text),  # 统一社会信用代码
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),  # use_unit | maintenance_company | filling_station …
    Column("province", Text),
    Column("city", Text),
    Column("district", Text),
    Column("address", Text),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    info=READ_MODEL,
)

contracts = Table(
    "contracts",
    metadata,
    Column("contract_id", Uuid, primary_key=True),  # 维保合同
    Column("maintenance_company_id", Uuid, nullable=False),  # 维保单位
    Column("equipment_codes", ARRAY(Text), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("in_force_until", Date, nullable=False),  # terminated_on if ended early, else valid_to
    Column("status", Text, nullable=False),
    Column("terminated_on", Date),
    Column("maintenance_interval_days", Integer),  # 按需维保; null: the regular interval
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    info=READ_MODEL,
)

contract_elevators = Table(
    "contract_elevators",
    metadata,
    Column("equipment_code", Text, nullable=False),
    Column("contract_id", Uuid, nullable=False),
    Column("maintenance_company_id", Uuid, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("in_force_until", Date, nullable=False),
    Column("maintenance_interval_days", Integer),
    PrimaryKeyConstraint("equipment_code", "contract_id"),
    Index("ix_contract_elevators_company", "maintenance_company_id", "equipment_code"),
    info=READ_MODEL,
)
"""One row per elevator a contract covers, rewritten with its contract, so "the contract valid
on a day" is an index probe per elevator rather than a search of arrays."""

certificates = Table(
    "certificates",
    metadata,
    Column("number", Text, primary_key=True),  # 作业人员证编号
    Column("holder_name", Text, nullable=False),
    Column("item", Text, nullable=False),  # 作业项目, e.g. T 电梯修理, P 气瓶充装
    Column("employer_id", Uuid, nullable=False),  # 聘用单位
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    info=READ_MODEL,
)

inspections = Table(
    "inspections",
    metadata,
    Column("inspection_id", Uuid, primary_key=True),  # 检验
    Column("equipment_code", Text, nullable=False),
    Column("agency_id", Uuid, nullable=False),  # 检验机构
    Column("report_number", Text, nullable=False),
    Column("kind", Text, nullable=False),  # periodic | first | installation_supervision | self_test
    Column("inspected_on", Date, nullable=False),
    Column("conclusion", Text, nullable=False),  # pass | pass_after_reinspection | fail | …
    Column("valid", Boolean, nullable=False),
    Column("next_due_on", Date),
    Column("next_due_kind", Text),
    Column("hazards_found", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),  # the event's time
    Index("ix_inspections_equipment", "equipment_code", "inspected_on"),
    info=READ_MODEL,
)
"""Inspection results (检验结果): facts, one row per inspection, never changed."""

due_stages = Table(
    "due_stages",
    metadata,
    Column("equipment_code", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("stage", Text, nullable=False),  # reminder 提醒 | warning 预警 | overdue 超期
    Column("due_kind", Text, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("use_unit_id", Uuid, nullable=False),
    Column("category", Text, nullable=False),
    Column("variety", Text, nullable=False),
    Column("park", Text),
    PrimaryKeyConstraint("equipment_code", "due_on", "stage"),
    Index("ix_due_stages_as_of", "as_of"),
    info=READ_MODEL,
)
"""The stages of the three-step due workflow as they fired: each at most once per due date."""

visits = Table(
    "visits",
    metadata,
    Column("visit_id", Uuid, primary_key=True),  # 维保记录
    Column("equipment_code", Text, nullable=False),
    Column("maintenance_company_id", Uuid, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    Column("visit_on", Date, nullable=False),  # business date of the start (Asia/Shanghai)
    Column("kind", Text),  # half_monthly | quarterly | half_yearly | yearly
    Column("workers", Integer, nullable=False),
    Index("ix_visits_equipment", "equipment_code", "visit_on"),
    Index("ix_visits_visit_on", "visit_on"),
    info=READ_MODEL,
)
"""Completed maintenance visits; a visit published again (another worker joined) replaces
itself. The indicators read `elevator_visit_months`, and this table only for the partial months
at the edges of a period that does not start or end on a month boundary."""

elevator_visit_months = Table(
    "elevator_visit_months",
    metadata,
    Column("equipment_code", Text, nullable=False),
    Column("month", Date, nullable=False),  # the first day of the month
    Column("visits", Integer, nullable=False),
    Column("first_visit_on", Date, nullable=False),
    Column("last_visit_on", Date, nullable=False),
    Column("longest_gap_days", Integer, nullable=False),  # between consecutive visits within
    Column("previous_visit_on", Date),  # the elevator's last visit before this month, if any
    PrimaryKeyConstraint("equipment_code", "month"),
    Index("ix_elevator_visit_months_month", "month"),
    info=READ_MODEL,
)
"""Per elevator and month, recomputed from `visits` for the months a chunk of visits touched:
enough to tell, for a run of whole months, whether an elevator was visited and whether any gap
between visits (across month boundaries too, through `previous_visit_on`) exceeded its
interval, with one aggregate over these rows and neither visits nor a window over months."""

licences = Table(
    "licences",
    metadata,
    Column("licence_id", Uuid, primary_key=True),  # 许可证
    Column("organisation_id", Uuid, nullable=False),  # 持证单位
    Column("number", Text, nullable=False),
    Column("kind", Text, nullable=False),  # maintenance | filling | inspection | installation
    Column("scope", ARRAY(Text), nullable=False),  # 许可范围
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("status", Text, nullable=False),  # active | suspended | revoked
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    info=READ_MODEL,
)
"""Licences (许可证) of maintenance companies, filling stations, agencies and installers."""

fill_days = Table(
    "fill_days",
    metadata,
    Column("station_id", Uuid, nullable=False),  # 充装单位
    Column("day", Date, nullable=False),  # business date of the fill's start
    Column("medium", Text, nullable=False),  # 充装介质
    Column("accepted", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    # Of the station-day's statistics event it holds: an older one changes nothing.
    Column("version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("station_id", "day", "medium"),
    Index("ix_fill_days_day", "day"),
    info=READ_MODEL,
)
"""Fills per station, day and medium, from the cylinder-trace service's statistics of each
station-day (`tzsb.cylinder.fill_statistics.v1`): cylinders fill by the hundred million a year,
too many to keep, or to take in as events, one by one."""

fill_refusal_days = Table(
    "fill_refusal_days",
    metadata,
    Column("station_id", Uuid, nullable=False),
    Column("day", Date, nullable=False),
    Column("reason", Text, nullable=False),  # e.g. inspection_overdue, overfilled
    Column("fills", Integer, nullable=False),
    Column("version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("station_id", "day", "reason"),
    info=READ_MODEL,
)
"""Refused fills (拒绝充装) per station, day and reason; a fill refused for two reasons counts
under each."""

staff = Table(
    "staff",
    metadata,
    Column("staff_id", Uuid, primary_key=True),  # 特种设备安全监察人员
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),
    Column("supervision_body", Text),  # 监察机构, e.g. 中川园区市场监督管理局
    Column("certificate_level", Text),  # 安全监察员证 A类 | B类; null without one
    Column("active", Boolean, nullable=False),  # 在岗, as the registry holds it now
    Column("entered_at", DateTime(timezone=True), nullable=False),  # entered in the registry
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    info=READ_MODEL,
)
"""The bureau's supervision staff as the registry publishes them (table 1 of the annual
report); names and certificate numbers stay in the registry, since only counts are reported."""
swipe_days = Table(
    "swipe_days",
    metadata,
    Column("company_id", Uuid, nullable=False),  # 维保单位
    Column("day", Date, nullable=False),  # business date of the swipes' time
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("rejected_by_reason", JSONB, nullable=False),  # {reason code: rejected swipes}
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("company_id", "day"),
    Index("ix_swipe_days_day", "day"),
    info=READ_MODEL,
)
"""Swipes (维保刷卡) per maintenance company and day, accepted and rejected (被拒) by reason: the
day's totals as the elevator-maintenance service last published them (its highest version),
since a rejected swipe is no event of its own."""
