"""the rescue read model keeps each incident's arrival deadline; a quarterly rating counts the
rescues its company did not reach in time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "rescue_incidents", sa.Column("arrival_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "contractor_ratings",
        sa.Column("rescue_breaches", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "contractor_ratings",
        sa.Column(
            "rescue_deduction",
            sa.Numeric(8, 2),
            server_default=sa.text("0"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("contractor_ratings", "rescue_deduction")
    op.drop_column("contractor_ratings", "rescue_breaches")
    op.drop_column("rescue_incidents", "arrival_due_at")
