"""the bureau's plan text of the annual report and its revisions (the audit trail)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_report_plans",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("plan_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by_client", sa.Text(), nullable=False),
        sa.Column("updated_by_organisation", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_annual_report_plans")),
    )
    op.create_table(
        "annual_report_plan_revisions",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("plan_text", sa.Text(), nullable=False),
        sa.Column("revised_by_client", sa.Text(), nullable=False),
        sa.Column("revised_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "revised_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_annual_report_plan_revisions")),
    )
    op.create_index(
        "ix_annual_report_plan_revisions_year",
        "annual_report_plan_revisions",
        ["year", "version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_annual_report_plan_revisions_year", table_name="annual_report_plan_revisions")
    op.drop_table("annual_report_plan_revisions")
    op.drop_table("annual_report_plans")
