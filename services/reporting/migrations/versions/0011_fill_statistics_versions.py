"""fill read models keep the version of the station-day statistics they came from

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("fill_days", "fill_refusal_days")


def upgrade() -> None:
    # 0: counted from single fill events before; the station-day's first statistics event,
    # which holds every fill of the day, replaces the count.
    for table in _TABLES:
        op.add_column(
            table, sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "version")
