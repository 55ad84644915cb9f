"""indicator_snapshots: the elevator indicators' counts per park of a period, stored for
reports over large regions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_snapshots",
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("judgement", sa.Text(), nullable=False),
        sa.Column("park_counts", postgresql.JSONB(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "period_start", "period_end", "judgement", name=op.f("pk_indicator_snapshots")
        ),
    )


def downgrade() -> None:
    op.drop_table("indicator_snapshots")
