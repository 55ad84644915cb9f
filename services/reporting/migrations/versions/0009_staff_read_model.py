"""the staff read model: the registry's supervision staff (监察人员), for table 1 of the
annual report; its counts per supervision body as a read-only Grafana view

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "grafana_reader"  # made by 0005

STAFF_BY_BODY = """
    SELECT coalesce(s.supervision_body, '未注明监察机构') AS supervision_body,
           count(*) AS staff,
           count(*) FILTER (WHERE s.certificate_level = 'A') AS certificate_level_a,
           count(*) FILTER (WHERE s.certificate_level = 'B') AS certificate_level_b,
           count(*) FILTER (WHERE s.active) AS active
    FROM public.staff s
    GROUP BY s.supervision_body"""
"""表 1 as the registry holds it now (the annual report counts it as at a year's end)."""


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("supervision_body", sa.Text(), nullable=True),
        sa.Column("certificate_level", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
    )
    op.execute(f"CREATE VIEW grafana.staff_by_body AS {STAFF_BY_BODY}")
    op.execute(f"GRANT SELECT ON grafana.staff_by_body TO {READER}")


def downgrade() -> None:
    op.execute("DROP VIEW grafana.staff_by_body")
    op.drop_table("staff")
