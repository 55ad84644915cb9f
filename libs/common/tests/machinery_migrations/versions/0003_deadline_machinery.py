"""deadline machinery: ledger, passes, and a clock under test

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tzsb_common.schema_changes import create_deadline_tables, drop_deadline_tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_deadline_tables()
    op.create_table(
        "clocks",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_clocks")),
    )
    op.create_table(
        "clock_effects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_effects")),
    )


def downgrade() -> None:
    op.drop_table("clock_effects")
    op.drop_table("clocks")
    drop_deadline_tables()
