"""Schema changes of the shared tables (outbox, inbox) that every service's Alembic history
applies in a revision of its own.

Each function is a migration step and, like a migration file, is frozen once released: a later
change to these tables gets a new function and new revisions, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tzsb_common.outbox import BUCKET_TRIGGER_DDL, DROP_BUCKET_TRIGGER_DDL


def upgrade_outbox_failures() -> None:
    """Revision 0002 of every service: poison rows marked failed, the bucket count stored and
    applied by the database."""
    op.add_column(
        "outbox",
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("outbox", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("last_error", sa.Text(), nullable=True))
    op.drop_index(
        "ix_outbox_unsent", table_name="outbox", postgresql_where=sa.text("sent_at IS NULL")
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["bucket", "id"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_failed",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("failed_at IS NOT NULL"),
    )
    op.create_table(
        "outbox_settings",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("buckets", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_outbox_settings_single_row")),
        sa.CheckConstraint(
            "buckets BETWEEN 1 AND 32767", name=op.f("ck_outbox_settings_buckets_in_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_settings")),
    )
    # 16 is the OUTBOX_BUCKETS default; a relay started with another count moves the rows.
    op.execute("INSERT INTO outbox_settings (id, buckets) VALUES (1, 16)")
    for statement in BUCKET_TRIGGER_DDL:
        op.execute(statement)
    # Unsent rows written before this revision carry the writer's own bucket: move them to the
    # database's assignment (ADD COLUMN above holds the table exclusively meanwhile).
    op.execute("UPDATE outbox SET bucket = outbox_bucket_of(key, 16) WHERE sent_at IS NULL")


def downgrade_outbox_failures() -> None:
    # Failed rows become unsent again, and unsent rows keep the database's bucket: downgrade
    # with a drained outbox, or writers of the older code split a subject over two buckets.
    for statement in DROP_BUCKET_TRIGGER_DDL:
        op.execute(statement)
    op.drop_table("outbox_settings")
    op.drop_index(
        "ix_outbox_failed", table_name="outbox", postgresql_where=sa.text("failed_at IS NOT NULL")
    )
    op.drop_index(
        "ix_outbox_unsent",
        table_name="outbox",
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["bucket", "id"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.drop_column("outbox", "last_error")
    op.drop_column("outbox", "failed_at")
    op.drop_column("outbox", "attempts")


def create_deadline_tables() -> None:
    """The deadline machinery's ledger and pass record (tzsb_common.deadlines), in the revision
    of a service that first declares deadline rules."""
    op.create_table(
        "deadline_ledger",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("fired_on", sa.Date(), nullable=False),
        sa.Column(
            "fired_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_ledger")),
        sa.UniqueConstraint(
            "rule", "subject", "deadline", "stage", name=op.f("uq_deadline_ledger_stage")
        ),
    )
    op.create_table(
        "deadline_passes",
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("runs", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("fired", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "last_counts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "finished_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("rule", "as_of", name=op.f("pk_deadline_passes")),
    )


def drop_deadline_tables() -> None:
    op.drop_table("deadline_passes")
    op.drop_table("deadline_ledger")
