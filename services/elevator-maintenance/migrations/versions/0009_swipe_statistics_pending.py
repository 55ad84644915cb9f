"""swipe counts written without a lock: per-batch tallies folded into the days by a pass

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swipe_statistics_pending",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swipe_statistics_pending")),
    )
    op.create_index(
        "ix_swipe_statistics_pending_day", "swipe_statistics_pending", ["day", "company_id"]
    )
    # Counts by reason added key by key, as a function and as an aggregate over many rows.
    op.execute(
        """
        CREATE FUNCTION swipe_counts_merged(held jsonb, added jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT held || coalesce(
                (SELECT jsonb_object_agg(
                     e.key, e.value::int + coalesce((held ->> e.key)::int, 0))
                 FROM jsonb_each_text(added) AS e),
                '{}'::jsonb)
        $$
        """
    )
    op.execute(
        """
        CREATE AGGREGATE swipe_counts_sum(jsonb) (
            SFUNC = swipe_counts_merged, STYPE = jsonb, INITCOND = '{}'
        )
        """
    )


def downgrade() -> None:
    # Tallies not folded yet go into their days (unpublished, as revision 0008 counted).
    op.execute(
        """
        INSERT INTO swipe_daily_statistics AS s
            (company_id, day, accepted, rejected, rejected_by_reason, version)
        SELECT company_id, day, sum(accepted), sum(rejected),
               swipe_counts_sum(rejected_by_reason), 1
        FROM swipe_statistics_pending GROUP BY company_id, day
        ON CONFLICT (company_id, day) DO UPDATE
        SET accepted = s.accepted + excluded.accepted,
            rejected = s.rejected + excluded.rejected,
            rejected_by_reason = swipe_counts_merged(
                s.rejected_by_reason, excluded.rejected_by_reason),
            version = s.version + 1
        """
    )
    op.execute("DROP AGGREGATE swipe_counts_sum(jsonb)")
    op.execute("DROP FUNCTION swipe_counts_merged(jsonb, jsonb)")
    op.drop_index("ix_swipe_statistics_pending_day", table_name="swipe_statistics_pending")
    op.drop_table("swipe_statistics_pending")
