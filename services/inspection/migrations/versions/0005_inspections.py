"""inspection records, hazards, the due schedule and drafted supervision orders

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("report_number", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("next_due_kind", sa.Text(), nullable=True),
        sa.Column("next_due_computed", sa.Boolean(), nullable=False),
        sa.Column("legal_source", sa.Text(), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('periodic', 'first', 'installation_supervision', 'self_test')",
            name=op.f("ck_inspections_kind"),
        ),
        sa.CheckConstraint(
            "conclusion IN ('pass', 'pass_after_reinspection', 'fail', 'monitored_use')",
            name=op.f("ck_inspections_conclusion"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("agency_id", "report_number", name="uq_inspections_agency_report"),
    )
    op.create_index("ix_inspections_equipment", "inspections", ["equipment_code", "inspected_on"])
    op.create_table(
        "hazards",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("use_unit_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("state", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("severity IN ('general', 'major')", name=op.f("ck_hazards_severity")),
        sa.CheckConstraint(
            "source IN ('inspection', 'due_workflow')", name=op.f("ck_hazards_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
    )
    op.create_index("ix_hazards_equipment", "hazards", ["equipment_code", "created_at"])
    op.create_table(
        "due_schedule",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_kind", sa.Text(), nullable=True),
        sa.Column("valid", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_inspection_id", sa.Uuid(), nullable=True),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.Column("last_conclusion", sa.Text(), nullable=True),
        sa.Column("monitored_since", sa.Date(), nullable=True),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "due_kind IN ('periodic', 'self_test')", name=op.f("ck_due_schedule_due_kind")
        ),
        sa.PrimaryKeyConstraint("equipment_code", name=op.f("pk_due_schedule")),
    )
    op.create_index("ix_due_schedule_due_on", "due_schedule", ["due_on"])
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'draft'"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('apply_for_inspection', 'stop_use')",
            name=op.f("ck_supervision_orders_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    op.create_index(
        "ix_supervision_orders_equipment", "supervision_orders", ["equipment_code", "due_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_supervision_orders_equipment", table_name="supervision_orders")
    op.drop_table("supervision_orders")
    op.drop_index("ix_due_schedule_due_on", table_name="due_schedule")
    op.drop_table("due_schedule")
    op.drop_index("ix_hazards_equipment", table_name="hazards")
    op.drop_table("hazards")
    op.drop_index("ix_inspections_equipment", table_name="inspections")
    op.drop_table("inspections")
