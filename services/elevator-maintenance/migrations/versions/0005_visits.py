"""maintenance visits and their workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_equipment", "visits", ["equipment_code", "ended_at"])
    op.create_index("ix_visits_company", "visits", ["company_id", "ended_at", "id"])
    op.create_index("ix_visits_ended", "visits", ["ended_at", "id"])
    op.create_table(
        "visit_workers",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=False),
        sa.Column("start_swipe_id", sa.Text(collation="C"), nullable=False),
        sa.Column("end_swipe_id", sa.Text(collation="C"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_visit_workers_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visit_id", "certificate_number", name=op.f("pk_visit_workers")),
        sa.UniqueConstraint("company_id", "start_swipe_id", name="uq_visit_workers_start"),
        sa.UniqueConstraint("company_id", "end_swipe_id", name="uq_visit_workers_end"),
    )


def downgrade() -> None:
    op.drop_table("visit_workers")
    op.drop_index("ix_visits_ended", table_name="visits")
    op.drop_index("ix_visits_company", table_name="visits")
    op.drop_index("ix_visits_equipment", table_name="visits")
    op.drop_table("visits")
