"""equipment import keys, installation notices, supervision staff

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-25 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "equipment_import_keys",
        sa.Column("scope", sa.Text(collation="C"), nullable=False),
        sa.Column("client_key", sa.Text(collation="C"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "client_key", name=op.f("pk_equipment_import_keys")),
    )
    op.create_table(
        "installation_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("installer_id", sa.Uuid(), nullable=False),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("variety", sa.Text(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=True),
        sa.Column("manufacturer", sa.Text(), nullable=True),
        sa.Column("factory_number", sa.Text(), nullable=True),
        sa.Column("planned_start_on", sa.Date(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "equipment_code ~ '^[0-9A-Z]{4}[0-9]{14}$'",
            name=op.f("ck_installation_notices_equipment_code"),
        ),
        sa.ForeignKeyConstraint(
            ["installer_id"],
            ["organisations.id"],
            name=op.f("fk_installation_notices_installer_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["use_unit_id"],
            ["organisations.id"],
            name=op.f("fk_installation_notices_use_unit_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation_notices")),
    )
    op.create_index(
        "ix_installation_notices_planned",
        "installation_notices",
        ["planned_start_on", "id"],
        unique=False,
    )
    op.create_index(
        "ix_installation_notices_installer",
        "installation_notices",
        ["installer_id", "planned_start_on", "id"],
        unique=False,
    )
    op.create_table(
        "supervision_staff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("supervision_body", sa.Text(), nullable=True),
        sa.Column("certificate_number", sa.Text(), nullable=True),
        sa.Column("certificate_level", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "certificate_level IN ('A', 'B')", name=op.f("ck_supervision_staff_certificate_level")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_staff")),
        sa.UniqueConstraint(
            "certificate_number", name=op.f("uq_supervision_staff_certificate_number")
        ),
    )
    op.create_index(
        "ix_supervision_staff_region",
        "supervision_staff",
        ["province", "city", "district", "park"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supervision_staff_region", table_name="supervision_staff")
    op.drop_table("supervision_staff")
    op.drop_index("ix_installation_notices_installer", table_name="installation_notices")
    op.drop_index("ix_installation_notices_planned", table_name="installation_notices")
    op.drop_table("installation_notices")
    op.drop_table("equipment_import_keys")
