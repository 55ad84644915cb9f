"""Tables of the hazard, anomaly and rescue read models. Every row comes from an event."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
)

from reporting.db import metadata
from reporting.read_models.tables import READ_MODEL

hazards = Table(
    "hazards",
    metadata,
    Column("hazard_id", Uuid, primary_key=True),  # 隐患
    Column("source", Text),  # inspection | due_workflow | online_patrol | maintenance | …
    Column("severity", Text),  # general 一般 | major 重大
    Column("equipment_code", Text),  # null for a hazard of a unit
    Column("use_unit_id", Uuid),
    Column("unit_id", Uuid),  # the answerable unit when not the use unit
    Column("state", Text, nullable=False),  # open | order_issued | rectified | closed
    Column("state_rank", Integer, nullable=False),  # orders the states: a later one never regresses
    Column("found_at", DateTime(timezone=True)),
    Column("deadline", Date),  # 整改期限 set when found
    Column("order_number", Text),  # 监察指令书文号
    Column("order_deadline", Date),  # 整改期限 named in the order
    Column("order_issued_at", DateTime(timezone=True)),
    Column("rectified_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),  # 销号
    Column("rectified_within_deadline", Boolean),
    Column("overdue_on", Date),  # 整改超期: the scan's business day
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_hazards_state", "state", "severity"),
    info=READ_MODEL,
)
"""One row per hazard, filled in by each event of its lifecycle whatever order they come in:
each event sets the columns it knows, and the state moves only forward."""

maintenance_anomalies = Table(
    "maintenance_anomalies",
    metadata,
    Column("anomaly_id", Uuid, primary_key=True),  # 维保异常
    Column("kind", Text, nullable=False),  # short_visit | impossible_travel | too_many_visits | …
    Column("maintenance_company_id", Uuid, nullable=False),
    Column("equipment_code", Text, nullable=False),
    Column("certificate_number", Text),
    Column("visit_id", Uuid, nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("observed_on", Date, nullable=False),  # business date (Asia/Shanghai)
    Index("ix_maintenance_anomalies_observed_on", "observed_on"),
    info=READ_MODEL,
)
"""Maintenance anomalies: facts with stable ids, one row each."""

rescue_incidents = Table(
    "rescue_incidents",
    metadata,
    Column("incident_id", Uuid, primary_key=True),  # 困人事件
    Column("equipment_code", Text, nullable=False),
    Column("maintenance_company_id", Uuid),
    Column("source", Text),  # call_centre | government_system | monitoring_alarm
    Column("urban", Boolean),  # 城区: a 30-minute arrival limit, else 60
    Column("state", Text, nullable=False),  # dispatched | acknowledged | arrived | released
    Column("state_rank", Integer, nullable=False),
    Column("reported_at", DateTime(timezone=True)),
    Column("dispatched_at", DateTime(timezone=True)),
    Column("arrival_due_at", DateTime(timezone=True)),  # 到达时限: 30 min urban, 60 elsewhere
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_in_time", Boolean),
    Column("acknowledgement_overdue", Boolean, nullable=False),  # 响应超时
    Column("arrived_at", DateTime(timezone=True)),
    Column("arrived_in_time", Boolean),
    Column("escalation_reason", Text),  # not_arrived | no_valid_contract
    Column("released_at", DateTime(timezone=True)),  # 解困
    Column("people_freed", Integer),
    Column("fault_cause", Text),
    Column("arrival_minutes", Float),
    Column("rescue_minutes", Float),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rescue_incidents_dispatched_at", "dispatched_at"),
    info=READ_MODEL,
)
"""One row per trapped-passenger incident, filled in by its events as hazards are."""
