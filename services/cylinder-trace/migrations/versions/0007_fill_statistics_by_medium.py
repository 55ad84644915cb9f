"""fill statistics per medium and reason on one row per station-day, versioned and published
by a background pass

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ("accepted_by_medium", "refused_by_medium", "refused_by_reason")


def upgrade() -> None:
    # Two maps of counts added key by key: what a batch adds to what a day holds.
    op.execute(
        """
        CREATE FUNCTION fill_counts_merged(held jsonb, added jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT held || coalesce(
                (SELECT jsonb_object_agg(
                     e.key, e.value::int + coalesce((held ->> e.key)::int, 0))
                 FROM jsonb_each_text(added) AS e),
                '{}'::jsonb)
        $$
        """
    )
    for column in _COUNTS:
        op.add_column(
            "fill_daily_statistics",
            sa.Column(
                column,
                postgresql.JSONB(astext_type=sa.Text()),
                server_default=sa.text("'{}'::jsonb"),
                nullable=False,
            ),
        )
    op.add_column(
        "fill_daily_statistics",
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
    )
    # 0: every day counted before this revision is published by the first pass.
    op.add_column(
        "fill_daily_statistics",
        sa.Column("published_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index(
        "ix_fill_daily_statistics_unpublished",
        "fill_daily_statistics",
        ["station_id", "day"],
        postgresql_where=sa.text("version > published_version"),
    )
    # The days counted before: media from the fills, as the service counts them (0006 counted
    # the days the same way), reasons from the table they were kept in until now.
    op.execute(
        """
        UPDATE fill_daily_statistics s
        SET accepted_by_medium = m.accepted, refused_by_medium = m.refused
        FROM (
            SELECT station_id, day,
                   coalesce(jsonb_object_agg(medium, accepted) FILTER (WHERE accepted > 0),
                            '{}') AS accepted,
                   coalesce(jsonb_object_agg(medium, refused) FILTER (WHERE refused > 0),
                            '{}') AS refused
            FROM (
                SELECT station_id, (started_at AT TIME ZONE 'Asia/Shanghai')::date AS day, medium,
                       count(*) FILTER (WHERE status = 'accepted') AS accepted,
                       count(*) FILTER (WHERE status = 'refused') AS refused
                FROM fills GROUP BY 1, 2, 3
            ) per_medium
            GROUP BY station_id, day
        ) m
        WHERE s.station_id = m.station_id AND s.day = m.day
        """
    )
    op.execute(
        """
        UPDATE fill_daily_statistics s SET refused_by_reason = r.reasons
        FROM (
            SELECT station_id, day, jsonb_object_agg(reason, fills) AS reasons
            FROM fill_daily_refusals GROUP BY station_id, day
        ) r
        WHERE s.station_id = r.station_id AND s.day = r.day
        """
    )
    op.drop_table("fill_daily_refusals")


def downgrade() -> None:
    op.create_table(
        "fill_daily_refusals",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fills", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", "reason", name=op.f("pk_fill_daily_refusals")),
    )
    op.execute(
        "INSERT INTO fill_daily_refusals (station_id, day, reason, fills) "
        "SELECT s.station_id, s.day, r.key, r.value::int "
        "FROM fill_daily_statistics s CROSS JOIN LATERAL jsonb_each_text(s.refused_by_reason) r"
    )
    op.drop_index("ix_fill_daily_statistics_unpublished", table_name="fill_daily_statistics")
    for column in ("published_version", "version", *reversed(_COUNTS)):
        op.drop_column("fill_daily_statistics", column)
    op.execute("DROP FUNCTION fill_counts_merged(jsonb, jsonb)")
