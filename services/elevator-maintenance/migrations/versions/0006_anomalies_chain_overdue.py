"""anomalies, the swipes' hash chain, and the deadline ledger for overdue maintenance

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tzsb_common.schema_changes import create_deadline_tables, drop_deadline_tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anomalies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("finding_key", sa.Text(collation="C"), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("other_visit_id", sa.Uuid(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('short_visit', 'impossible_travel', 'too_many_visits', 'overlapping_visits')",
            name=op.f("ck_anomalies_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomalies")),
        sa.UniqueConstraint("finding_key", name=op.f("uq_anomalies_finding_key")),
    )
    op.create_index("ix_anomalies_company", "anomalies", ["company_id", "observed_at", "id"])
    op.create_index("ix_anomalies_observed", "anomalies", ["observed_at", "id"])
    op.create_index(
        "ix_visit_workers_certificate",
        "visit_workers",
        ["company_id", "certificate_number", "started_at"],
    )
    # On the partitioned table: every partition, made or to be made, gets them.
    op.add_column("swipes", sa.Column("chain_seq", sa.BigInteger(), nullable=True))
    op.add_column("swipes", sa.Column("content_hash", sa.LargeBinary(), nullable=True))
    op.add_column("swipes", sa.Column("prev_hash", sa.LargeBinary(), nullable=True))
    op.create_index("ix_swipes_chain", "swipes", ["company_id", "chain_seq"])
    op.create_table(
        "swipe_chain_heads",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("link", sa.LargeBinary(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_swipe_chain_heads")),
    )
    create_deadline_tables()


def downgrade() -> None:
    drop_deadline_tables()
    op.drop_table("swipe_chain_heads")
    op.drop_index("ix_swipes_chain", table_name="swipes")
    op.drop_column("swipes", "prev_hash")
    op.drop_column("swipes", "content_hash")
    op.drop_column("swipes", "chain_seq")
    op.drop_index("ix_visit_workers_certificate", table_name="visit_workers")
    op.drop_index("ix_anomalies_observed", table_name="anomalies")
    op.drop_index("ix_anomalies_company", table_name="anomalies")
    op.drop_table("anomalies")
