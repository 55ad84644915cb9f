"""organisations carry a version, like equipment, for their snapshot events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 17:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing organisation is at its first version: none has been changed yet.
    op.add_column(
        "organisations",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("organisations", "version")
