"""the staff read model: the registry's supervision staff (监察人员), for table 1 of the
annual report

Revision ID: 0009_staff_read_model
Revises: 0008
Create Date: 2026-11-26 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_staff_read_model"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("supervision_body", sa.Text(), nullable=True),
        sa.Column("certificate_level", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
    )


def downgrade() -> None:
    op.drop_table("staff")
