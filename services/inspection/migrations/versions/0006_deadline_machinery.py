"""the deadline machinery's ledger and passes, for the due workflow

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:30:00.000000
"""

from collections.abc import Sequence

from tzsb_common.schema_changes import create_deadline_tables, drop_deadline_tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_deadline_tables()


def downgrade() -> None:
    drop_deadline_tables()
