"""outbox: poison rows marked failed, the bucket count stored and applied by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:10:00.000000
"""

from collections.abc import Sequence

from tzsb_common.schema_changes import downgrade_outbox_failures, upgrade_outbox_failures

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_outbox_failures()


def downgrade() -> None:
    downgrade_outbox_failures()
