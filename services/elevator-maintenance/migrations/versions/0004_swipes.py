"""swipes, partitioned by month, and their idempotency keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swipe_keys",
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
        sa.PrimaryKeyConstraint("scope", "client_key", name=op.f("pk_swipe_keys")),
    )
    # Partitions (monthly, and a default one) are made by the service ahead of time.
    op.create_table(
        "swipes",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("swipe_id", sa.Text(collation="C"), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("visit_kind", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql_partition_by="RANGE (at)",
    )
    op.create_index("ix_swipes_company", "swipes", ["company_id", "at"])
    op.create_index(
        "ix_swipes_pairing", "swipes", ["company_id", "equipment_code", "certificate_number", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_swipes_pairing", table_name="swipes")
    op.drop_index("ix_swipes_company", table_name="swipes")
    op.drop_table("swipes")  # and every partition with it
    op.drop_table("swipe_keys")
