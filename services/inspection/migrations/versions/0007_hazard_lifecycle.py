"""the hazard lifecycle: states, signals, evidence, seals, issued supervision orders

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

_SOURCES = (
    "source IN ('inspection', 'due_workflow', 'online_patrol', 'maintenance', 'filling', "
    "'rescue', 'spot_check', 'complaint', 'supervision')"
)
_STATES = "state IN ('open', 'order_issued', 'rectifying', 'rectified', 'closed')"
_ORDER_KINDS = "kind IN ('apply_for_inspection', 'stop_use', 'rectify_hazards')"


def upgrade() -> None:
    op.alter_column("hazards", "equipment_code", existing_type=sa.Text(), nullable=True)
    for column in (
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("signal_id", sa.Uuid(), nullable=True),
        sa.Column("signal_kind", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("rectification_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectification_note", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("supervised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supervision_note", sa.Text(), nullable=True),
        sa.Column("sealed_on", sa.Date(), nullable=True),
        sa.Column("seal_ends_on", sa.Date(), nullable=True),
        sa.Column("seal_extended", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("seal_released_on", sa.Date(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ):
        op.add_column("hazards", column)
    op.drop_constraint(op.f("ck_hazards_source"), "hazards", type_="check")
    op.create_check_constraint(op.f("ck_hazards_source"), "hazards", _SOURCES)
    op.create_check_constraint(op.f("ck_hazards_state"), "hazards", _STATES)
    op.create_unique_constraint("uq_hazards_signal_id", "hazards", ["signal_id"])
    op.create_index("ix_hazards_created", "hazards", ["created_at", "id"])
    op.create_index("ix_hazards_use_unit", "hazards", ["use_unit_id", "created_at"])
    op.create_index("ix_hazards_unit", "hazards", ["unit_id", "created_at"])
    op.create_index(
        "ix_hazards_open_deadline",
        "hazards",
        ["deadline"],
        postgresql_where=sa.text("state IN ('open', 'order_issued', 'rectifying')"),
    )
    op.create_table(
        "hazard_evidence",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_hazard_evidence_size_bytes")),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_evidence_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_evidence")),
        sa.UniqueConstraint("hazard_id", "sha256", name="uq_hazard_evidence_file"),
    )

    op.alter_column("supervision_orders", "equipment_code", existing_type=sa.Text(), nullable=True)
    op.alter_column("supervision_orders", "use_unit_id", existing_type=sa.Uuid(), nullable=True)
    op.alter_column("supervision_orders", "due_on", existing_type=sa.Date(), nullable=True)
    for column in (
        sa.Column("bureau_id", sa.Uuid(), nullable=True),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number_seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("requirements", sa.Text(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.Text(), nullable=True),
    ):
        op.add_column("supervision_orders", column)
    op.drop_constraint(op.f("ck_supervision_orders_kind"), "supervision_orders", type_="check")
    op.create_check_constraint(
        op.f("ck_supervision_orders_kind"), "supervision_orders", _ORDER_KINDS
    )
    op.create_check_constraint(
        op.f("ck_supervision_orders_status"), "supervision_orders", "status IN ('draft', 'issued')"
    )
    op.create_unique_constraint(
        "uq_supervision_orders_number",
        "supervision_orders",
        ["bureau_id", "number_year", "number_seq"],
    )
    op.create_table(
        "supervision_order_hazards",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supervision_orders.id"],
            name=op.f("fk_supervision_order_hazards_order_id_supervision_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_supervision_order_hazards_hazard_id_hazards"),
        ),
        sa.PrimaryKeyConstraint("order_id", "hazard_id", name="pk_supervision_order_hazards"),
    )
    op.create_index(
        "ix_supervision_order_hazards_hazard_id", "supervision_order_hazards", ["hazard_id"]
    )
    op.create_table(
        "order_number_counters",
        sa.Column("bureau_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bureau_id", "year", name="pk_order_number_counters"),
    )


def downgrade() -> None:
    op.drop_table("order_number_counters")
    op.drop_index("ix_supervision_order_hazards_hazard_id", table_name="supervision_order_hazards")
    op.drop_table("supervision_order_hazards")
    # Issued orders and hazards the earlier schema cannot hold go with it.
    op.execute("DELETE FROM supervision_orders WHERE kind = 'rectify_hazards'")
    op.drop_constraint("uq_supervision_orders_number", "supervision_orders", type_="unique")
    op.drop_constraint(op.f("ck_supervision_orders_status"), "supervision_orders", type_="check")
    op.drop_constraint(op.f("ck_supervision_orders_kind"), "supervision_orders", type_="check")
    op.create_check_constraint(
        op.f("ck_supervision_orders_kind"),
        "supervision_orders",
        "kind IN ('apply_for_inspection', 'stop_use')",
    )
    for name in (
        "issued_by",
        "issued_at",
        "issued_on",
        "requirements",
        "deadline",
        "unit_id",
        "number",
        "number_seq",
        "number_year",
        "bureau_id",
    ):
        op.drop_column("supervision_orders", name)
    op.alter_column("supervision_orders", "due_on", existing_type=sa.Date(), nullable=False)
    op.alter_column("supervision_orders", "use_unit_id", existing_type=sa.Uuid(), nullable=False)
    op.alter_column("supervision_orders", "equipment_code", existing_type=sa.Text(), nullable=False)

    op.drop_table("hazard_evidence")
    op.execute(
        "DELETE FROM hazards WHERE equipment_code IS NULL "
        "OR source NOT IN ('inspection', 'due_workflow')"
    )
    op.drop_index("ix_hazards_open_deadline", table_name="hazards")
    op.drop_index("ix_hazards_unit", table_name="hazards")
    op.drop_index("ix_hazards_use_unit", table_name="hazards")
    op.drop_index("ix_hazards_created", table_name="hazards")
    op.drop_constraint("uq_hazards_signal_id", "hazards", type_="unique")
    op.drop_constraint(op.f("ck_hazards_state"), "hazards", type_="check")
    op.drop_constraint(op.f("ck_hazards_source"), "hazards", type_="check")
    op.create_check_constraint(
        op.f("ck_hazards_source"), "hazards", "source IN ('inspection', 'due_workflow')"
    )
    for name in (
        "updated_at",
        "seal_released_on",
        "seal_extended",
        "seal_ends_on",
        "sealed_on",
        "supervision_note",
        "supervised_at",
        "overdue_since",
        "verification_note",
        "closed_at",
        "rectification_note",
        "rectified_at",
        "rectification_started_at",
        "order_id",
        "opened_by",
        "signal_kind",
        "signal_id",
        "unit_id",
        "version",
    ):
        op.drop_column("hazards", name)
    op.alter_column("hazards", "equipment_code", existing_type=sa.Text(), nullable=False)
