"""fills, partitioned by month, and their idempotency keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fill_keys",
        sa.Column("scope", sa.Text(collation="C"), nullable=False),
        sa.Column("client_key", sa.Text(collation="C"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "client_key", name=op.f("pk_fill_keys")),
    )
    op.create_table(
        "fills",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("fill_id", sa.Text(), nullable=False),
        sa.Column("cylinder_code", sa.Text(), nullable=False),
        sa.Column("filler_certificate", sa.Text(), nullable=False),
        sa.Column("medium", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prefill_appearance", sa.Boolean(), nullable=False),
        sa.Column("prefill_residual_pressure", sa.Boolean(), nullable=False),
        sa.Column("prefill_valve", sa.Boolean(), nullable=False),
        sa.Column("prefill_inspection_mark", sa.Boolean(), nullable=False),
        sa.Column("prefill_medium_marking", sa.Boolean(), nullable=False),
        sa.Column("postfill_leak", sa.Boolean(), nullable=False),
        sa.Column("postfill_mass_or_pressure", sa.Boolean(), nullable=False),
        sa.Column("postfill_temperature", sa.Boolean(), nullable=False),
        sa.Column("filled_mass_kg", sa.Double(), nullable=True),
        sa.Column("final_pressure_mpa", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('accepted', 'refused')", name=op.f("ck_fills_status")),
        postgresql_partition_by="RANGE (started_at)",
    )
    op.create_index("ix_fills_station_started", "fills", ["station_id", "started_at"], unique=False)
    op.create_index(
        "ix_fills_cylinder_started", "fills", ["cylinder_code", "started_at"], unique=False
    )
    # The months are made by the service (fills/months.py), in a schema of their own so that
    # the declared tables stay exactly what the migrations build.
    op.execute("CREATE SCHEMA fill_months")


def downgrade() -> None:
    op.execute("DROP SCHEMA fill_months CASCADE")
    op.drop_index("ix_fills_cylinder_started", table_name="fills")
    op.drop_index("ix_fills_station_started", table_name="fills")
    op.drop_table("fills")
    op.drop_table("fill_keys")
