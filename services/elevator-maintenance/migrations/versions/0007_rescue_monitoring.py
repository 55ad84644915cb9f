"""emergency rescue (96333) and the remote-monitoring feed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 故障原因代码: the causes a 96333 platform closes a trapping with.
_FAULT_CAUSES = [
    ("door_system", "门系统故障", "component"),
    ("door_lock", "门锁回路故障", "component"),
    ("control_system", "控制系统故障", "component"),
    ("drive_system", "驱动主机故障", "component"),
    ("brake", "制动器故障", "component"),
    ("safety_circuit", "安全回路故障", "component"),
    ("leveling", "平层装置故障", "component"),
    ("power_failure", "外部停电", "external"),
    ("misuse", "乘客不当使用", "use"),
    ("vandalism", "人为破坏", "use"),
    ("water_ingress", "进水", "external"),
    ("maintenance_error", "维保不当", "maintenance"),
    ("other", "其他", "other"),
]


def _now(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column("elevators", sa.Column("rescue_code", sa.Text(), nullable=True))
    op.create_index("ix_elevators_rescue_code", "elevators", ["rescue_code"])
    causes = op.create_table(
        "fault_causes",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_fault_causes")),
    )
    op.bulk_insert(
        causes,
        [{"code": code, "name": name, "category": cat} for code, name, cat in _FAULT_CAUSES],
    )
    op.create_table(
        "rescue_regions",
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("province", "city", "district", name=op.f("pk_rescue_regions")),
    )
    op.create_table(
        "rescue_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("rescue_code", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trapped_people", sa.Integer(), nullable=True),
        sa.Column("caller_phone", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("monitoring_event_id", sa.Uuid(), nullable=True),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=True),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrival_lat", sa.Float(), nullable=True),
        sa.Column("arrival_lon", sa.Float(), nullable=True),
        sa.Column("arrival_distance_m", sa.Float(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_freed", sa.Integer(), nullable=True),
        sa.Column("fault_cause", sa.Text(), nullable=True),
        sa.Column("fault_note", sa.Text(), nullable=True),
        sa.Column("acknowledgement_overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backup_team", sa.Text(), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "status IN ('dispatched', 'acknowledged', 'arrived', 'released')",
            name=op.f("ck_rescue_incidents_status"),
        ),
        sa.CheckConstraint(
            "source IN ('call_centre', 'government_system', 'monitoring_alarm')",
            name=op.f("ck_rescue_incidents_source"),
        ),
        sa.ForeignKeyConstraint(
            ["fault_cause"],
            ["fault_causes.code"],
            name=op.f("fk_rescue_incidents_fault_cause_fault_causes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescue_incidents")),
    )
    op.create_index(
        "uq_rescue_incidents_open",
        "rescue_incidents",
        ["equipment_code"],
        unique=True,
        postgresql_where=sa.text("status <> 'released'"),
    )
    op.create_index(
        "ix_rescue_incidents_company",
        "rescue_incidents",
        ["maintenance_company_id", "dispatched_at"],
    )
    op.create_index("ix_rescue_incidents_dispatched", "rescue_incidents", ["dispatched_at"])
    op.create_index(
        "ix_rescue_incidents_waiting",
        "rescue_incidents",
        ["dispatched_at"],
        postgresql_where=sa.text("arrived_at IS NULL"),
    )
    op.create_table(
        "monitoring_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("poster_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Text(collation="C"), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("fault_code", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Text(), nullable=False),
        _now("received_at"),
        sa.CheckConstraint(
            "kind IN ('fault', 'trapped_passenger')", name=op.f("ck_monitoring_events_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_events")),
        sa.UniqueConstraint("poster_id", "event_id", name="uq_monitoring_events_poster"),
    )
    op.create_index(
        "ix_monitoring_events_equipment",
        "monitoring_events",
        ["equipment_code", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_events_equipment", table_name="monitoring_events")
    op.drop_table("monitoring_events")
    op.drop_index("ix_rescue_incidents_waiting", table_name="rescue_incidents")
    op.drop_index("ix_rescue_incidents_dispatched", table_name="rescue_incidents")
    op.drop_index("ix_rescue_incidents_company", table_name="rescue_incidents")
    op.drop_index("uq_rescue_incidents_open", table_name="rescue_incidents")
    op.drop_table("rescue_incidents")
    op.drop_table("rescue_regions")
    op.drop_table("fault_causes")
    op.drop_index("ix_elevators_rescue_code", table_name="elevators")
    op.drop_column("elevators", "rescue_code")
