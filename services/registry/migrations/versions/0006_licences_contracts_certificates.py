"""licences and their status changes, maintenance contracts, personnel certificates

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
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
        "licences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("scope", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "kind IN ('maintenance', 'filling', 'inspection', 'installation')",
            name=op.f("ck_licences_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'revoked')", name=op.f("ck_licences_status")
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_licences_validity")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_licences_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
        sa.UniqueConstraint("number", name=op.f("uq_licences_number")),
    )
    op.create_index("ix_licences_organisation", "licences", ["organisation_id", "id"])
    op.create_index("ix_licences_kind", "licences", ["kind", "id"])

    op.create_table(
        "licence_status_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by_client", sa.Text(), nullable=False),
        sa.Column("changed_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licences.id"],
            name=op.f("fk_licence_status_changes_licence_id_licences"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_status_changes")),
    )
    op.create_index(
        "ix_licence_status_changes_licence", "licence_status_changes", ["licence_id", "id"]
    )

    op.create_table(
        "maintenance_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("maintenance_interval_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('active', 'terminated')", name=op.f("ck_maintenance_contracts_status")
        ),
        sa.CheckConstraint(
            "valid_to >= valid_from", name=op.f("ck_maintenance_contracts_validity")
        ),
        sa.CheckConstraint(
            "maintenance_interval_days BETWEEN 15 AND 90",
            name=op.f("ck_maintenance_contracts_maintenance_interval_days"),
        ),
        sa.CheckConstraint(
            "(status = 'terminated') = (terminated_on IS NOT NULL)",
            name=op.f("ck_maintenance_contracts_terminated_on"),
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_company_id"],
            ["organisations.id"],
            name=op.f("fk_maintenance_contracts_maintenance_company_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_contracts")),
    )
    op.create_index(
        "ix_maintenance_contracts_company",
        "maintenance_contracts",
        ["maintenance_company_id", "id"],
    )

    op.create_table(
        "maintenance_contract_elevators",
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["maintenance_contracts.id"],
            name=op.f("fk_maintenance_contract_elevators_contract_id_maintenance_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["equipment_code"],
            ["equipment.equipment_code"],
            name=op.f("fk_maintenance_contract_elevators_equipment_code_equipment"),
        ),
        sa.PrimaryKeyConstraint(
            "contract_id", "equipment_code", name=op.f("pk_maintenance_contract_elevators")
        ),
    )
    op.create_index(
        "ix_maintenance_contract_elevators_equipment",
        "maintenance_contract_elevators",
        ["equipment_code", "contract_id"],
    )

    op.create_table(
        "personnel_certificates",
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("holder_name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "id_number ~ '^[0-9]{17}[0-9X]$'", name=op.f("ck_personnel_certificates_id_number")
        ),
        sa.CheckConstraint(
            "valid_to >= valid_from", name=op.f("ck_personnel_certificates_validity")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_personnel_certificates_employer_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_personnel_certificates")),
    )
    op.create_index(
        "ix_personnel_certificates_employer", "personnel_certificates", ["employer_id", "number"]
    )
    op.create_index("ix_personnel_certificates_item", "personnel_certificates", ["item", "number"])
    op.create_index("ix_personnel_certificates_id_number", "personnel_certificates", ["id_number"])


def downgrade() -> None:
    op.drop_table("personnel_certificates")
    op.drop_table("maintenance_contract_elevators")
    op.drop_table("maintenance_contracts")
    op.drop_table("licence_status_changes")
    op.drop_table("licences")
