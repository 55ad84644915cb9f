from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from elevator_maintenance.db import metadata

fault_causes = Table(
    "fault_causes",
    metadata,
    Column("code", Text, primary_key=True),  # 故障原因代码
    Column("name", Text, nullable=False),  # 中文名称
    Column("category", Text, nullable=False),  # 部件 / 使用 / 外部
)
"""The fault-cause code table a release names its cause from (the closed loop: every
trapping gets a cause); seeded by the migration, extended by the bureau in SQL."""

rescue_regions = Table(
    "rescue_regions",
    metadata,
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("urban", Boolean, nullable=False),  # 城区: 30 minutes to arrive, else 60
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("province", "city", "district"),
)
"""The bureau's list of districts and whether each is urban; a district not listed is not."""

rescue_incidents = Table(
    "rescue_incidents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("equipment_code", Text, nullable=False),
    Column("rescue_code", Text),  # 救援识别码 as the elevator carried it
    Column("source", Text, nullable=False),  # call_centre | government_system | monitoring_alarm
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("trapped_people", Integer),  # 被困人数 as reported
    Column("caller_phone", Text),  # 报警人电话: the bureau's alone, never in events
    Column("reported_by", Text, nullable=False),  # the API client that reported it
    Column("monitoring_event_id", Uuid),
    Column("maintenance_company_id", Uuid),  # 维保单位 dispatched to (level 1); null: none
    Column("use_unit_id", Uuid, nullable=False),
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("urban", Boolean, nullable=False),
    Column("dispatched_at", DateTime(timezone=True), nullable=False),
    Column("acknowledge_due_at", DateTime(timezone=True), nullable=False),
    Column("escalate_at", DateTime(timezone=True), nullable=False),
    Column("arrival_due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),  # dispatched | acknowledged | arrived | released
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("arrived_at", DateTime(timezone=True)),
    Column("arrival_lat", Float),
    Column("arrival_lon", Float),
    Column("arrival_distance_m", Float),
    Column("released_at", DateTime(timezone=True)),
    Column("people_freed", Integer),
    Column("fault_cause", Text, ForeignKey("fault_causes.code")),
    Column("fault_note", Text),
    Column("acknowledgement_overdue_at", DateTime(timezone=True)),  # set by the clock
    Column("escalated_at", DateTime(timezone=True)),  # set by the clock (or at dispatch)
    Column("backup_team", Text),  # 备用救援队伍, level 2
    Column("breached_at", DateTime(timezone=True)),  # set by the clock: 救援超时
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "status IN ('dispatched', 'acknowledged', 'arrived', 'released')", name="status"
    ),
    CheckConstraint(
        "source IN ('call_centre', 'government_system', 'monitoring_alarm')", name="source"
    ),
    # One open incident per elevator: a second call about the same trapping joins the first.
    Index(
        "uq_rescue_incidents_open",
        "equipment_code",
        unique=True,
        postgresql_where=text("status <> 'released'"),
    ),
    Index("ix_rescue_incidents_company", "maintenance_company_id", "dispatched_at"),
    Index("ix_rescue_incidents_dispatched", "dispatched_at"),
    # The clocks look only at incidents nobody has arrived at yet.
    Index(
        "ix_rescue_incidents_waiting",
        "dispatched_at",
        postgresql_where=text("arrived_at IS NULL"),
    ),
)
"""困人事件: one trapping, from the call (or alarm) to the passengers' release."""
