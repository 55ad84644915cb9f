"""cylinder inspections, the cylinder's life and scrapping, daily fill statistics

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "cylinders",
        sa.Column("life_extension_years", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column("cylinders", sa.Column("scrapped_on", sa.Date(), nullable=True))
    op.add_column("cylinders", sa.Column("scrap_reason", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_cylinders_life_extension_years"), "cylinders", "life_extension_years >= 0"
    )
    op.create_table(
        "cylinder_inspections",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("report_number", sa.Text(), nullable=False),
        sa.Column("cylinder_code", sa.Text(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("next_inspection_on", sa.Date(), nullable=True),
        sa.Column("life_extended", sa.Boolean(), nullable=False),
        sa.Column("service_life_ends_on", sa.Date(), nullable=False),
        sa.Column("scrap_reason", sa.Text(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "result IN ('pass', 'fail')", name=op.f("ck_cylinder_inspections_result")
        ),
        sa.ForeignKeyConstraint(
            ["cylinder_code"],
            ["cylinders.cylinder_code"],
            name=op.f("fk_cylinder_inspections_cylinder_code_cylinders"),
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_cylinder_inspections")),
        sa.UniqueConstraint(
            "agency_id", "report_number", name=op.f("uq_cylinder_inspections_agency_id")
        ),
    )
    op.create_index(
        "ix_cylinder_inspections_cylinder",
        "cylinder_inspections",
        ["cylinder_code", "inspected_on"],
        unique=False,
    )
    op.create_table(
        "fill_daily_statistics",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", name=op.f("pk_fill_daily_statistics")),
    )
    op.create_index("ix_fill_daily_statistics_day", "fill_daily_statistics", ["day", "station_id"])
    op.create_table(
        "fill_daily_refusals",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fills", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", "reason", name=op.f("pk_fill_daily_refusals")),
    )
    # The fills stored before this revision are counted once, here, as the service would have.
    op.execute(
        "INSERT INTO fill_daily_statistics (station_id, day, accepted, refused) "
        "SELECT station_id, (started_at AT TIME ZONE 'Asia/Shanghai')::date, "
        "count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'refused') "
        "FROM fills GROUP BY 1, 2"
    )
    op.execute(
        "INSERT INTO fill_daily_refusals (station_id, day, reason, fills) "
        "SELECT station_id, (started_at AT TIME ZONE 'Asia/Shanghai')::date, reason, count(*) "
        "FROM fills CROSS JOIN LATERAL unnest(reasons) AS reason "
        "WHERE status = 'refused' GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    op.drop_table("fill_daily_refusals")
    op.drop_index("ix_fill_daily_statistics_day", table_name="fill_daily_statistics")
    op.drop_table("fill_daily_statistics")
    op.drop_index("ix_cylinder_inspections_cylinder", table_name="cylinder_inspections")
    op.drop_table("cylinder_inspections")
    op.drop_constraint(op.f("ck_cylinders_life_extension_years"), "cylinders", type_="check")
    op.drop_column("cylinders", "scrap_reason")
    op.drop_column("cylinders", "scrapped_on")
    op.drop_column("cylinders", "life_extension_years")
