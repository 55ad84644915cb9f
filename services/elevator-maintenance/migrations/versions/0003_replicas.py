"""replicas of elevators, maintenance contracts and personnel certificates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _updated_at() -> sa.Column[object]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "elevators",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("equipment_code", name=op.f("pk_elevators")),
    )
    op.create_table(
        "contracts",
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("in_force_until", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("maintenance_interval_days", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_contracts")),
    )
    op.create_table(
        "contract_elevators",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("in_force_until", sa.Date(), nullable=False),
        sa.Column("maintenance_interval_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "equipment_code", "contract_id", name=op.f("pk_contract_elevators")
        ),
    )
    op.create_index(
        "ix_contract_elevators_company",
        "contract_elevators",
        ["maintenance_company_id", "equipment_code"],
    )
    op.create_table(
        "certificates",
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_certificates")),
    )


def downgrade() -> None:
    op.drop_table("certificates")
    op.drop_index("ix_contract_elevators_company", table_name="contract_elevators")
    op.drop_table("contract_elevators")
    op.drop_table("contracts")
    op.drop_table("elevators")
