"""equipment replica

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equipment",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("variety", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("registration_number", sa.Text(), nullable=True),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column("safety_grade", sa.SmallInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("safety_grade BETWEEN 1 AND 5", name=op.f("ck_equipment_safety_grade")),
        sa.PrimaryKeyConstraint("equipment_code", name=op.f("pk_equipment")),
    )
    op.create_index("ix_equipment_use_unit", "equipment", ["use_unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_equipment_use_unit", table_name="equipment")
    op.drop_table("equipment")
