"""api clients: who revoked a client, and an index over the revoked ones

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_clients", sa.Column("revoked_by", sa.Text(), nullable=True))
    # The revocation list every service polls reads only revoked rows.
    op.create_index(
        "ix_api_clients_revoked",
        "api_clients",
        ["client_id"],
        unique=False,
        postgresql_where=sa.text("revoked_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_api_clients_revoked", table_name="api_clients")
    op.drop_column("api_clients", "revoked_by")
