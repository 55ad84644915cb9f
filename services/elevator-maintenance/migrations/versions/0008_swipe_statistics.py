"""daily swipe statistics per maintenance company, counted as swipes are stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swipe_daily_statistics",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "rejected_by_reason",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("company_id", "day", name=op.f("pk_swipe_daily_statistics")),
    )
    op.create_index(
        "ix_swipe_daily_statistics_day", "swipe_daily_statistics", ["day", "company_id"]
    )
    # The swipes stored before this revision are counted once, here, as the service would have
    # (version 1; they are not published: the reporting service sees the days that change from
    # now on).
    op.execute(
        """
        INSERT INTO swipe_daily_statistics
            (company_id, day, accepted, rejected, rejected_by_reason, version)
        SELECT d.company_id, d.day, d.accepted, d.rejected, coalesce(r.by_reason, '{}'), 1
        FROM (
            SELECT company_id, (at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                   count(*) FILTER (WHERE status = 'accepted') AS accepted,
                   count(*) FILTER (WHERE status <> 'accepted') AS rejected
            FROM swipes GROUP BY 1, 2
        ) d
        LEFT JOIN (
            SELECT company_id, day, jsonb_object_agg(reason, n) AS by_reason
            FROM (
                SELECT company_id, (at AT TIME ZONE 'Asia/Shanghai')::date AS day, reason,
                       count(*) AS n
                FROM swipes CROSS JOIN LATERAL unnest(reasons) AS reason
                WHERE status <> 'accepted' GROUP BY 1, 2, 3
            ) x GROUP BY 1, 2
        ) r USING (company_id, day)
        """
    )


def downgrade() -> None:
    op.drop_index("ix_swipe_daily_statistics_day", table_name="swipe_daily_statistics")
    op.drop_table("swipe_daily_statistics")
