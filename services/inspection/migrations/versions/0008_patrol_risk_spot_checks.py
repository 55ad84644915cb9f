"""online patrol, risk grades, spot checks and rates: the contract replica, sightings of
unregistered equipment, the spot-check tables and the indexes the patrol and rates read by

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("in_force_until", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_contracts")),
    )
    op.create_table(
        "contract_elevators",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("in_force_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "equipment_code", "contract_id", name=op.f("pk_contract_elevators")
        ),
    )
    op.create_table(
        "unregistered_sightings",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("last_reference", sa.Text(), nullable=False),
        sa.Column("times_seen", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('hazard_signal', 'inspection_post')",
            name=op.f("ck_unregistered_sightings_source"),
        ),
        sa.PrimaryKeyConstraint("equipment_code", "source", name=op.f("pk_unregistered_sightings")),
    )
    op.create_index("ix_equipment_park_code", "equipment", ["park", "equipment_code"])
    op.create_index(
        "ix_equipment_unregistered_in_use",
        "equipment",
        ["equipment_code"],
        postgresql_where=sa.text("status = 'in_use' AND registration_number IS NULL"),
    )
    op.create_index(
        "ix_due_schedule_failed",
        "due_schedule",
        ["equipment_code"],
        postgresql_where=sa.text("last_conclusion = 'fail' AND NOT valid"),
    )
    op.create_index(
        "ix_due_schedule_never_inspected",
        "due_schedule",
        ["equipment_code"],
        postgresql_where=sa.text("last_inspection_id IS NULL"),
    )
    op.create_index("ix_inspections_inspected_on", "inspections", ["inspected_on"])
    op.create_table(
        "spot_check_inspectors",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_inspectors")),
        sa.UniqueConstraint(
            "certificate_number", name=op.f("uq_spot_check_inspectors_certificate_number")
        ),
    )
    op.create_table(
        "spot_check_draws",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("inspector_count", sa.Integer(), nullable=False),
        sa.Column("candidates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("inspector_pool", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("drawn_by", sa.Text(), nullable=False),
        sa.Column(
            "drawn_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "unit_count >= 1 AND inspector_count >= 1", name=op.f("ck_spot_check_draws_counts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_draws")),
    )
    op.create_table(
        "spot_check_units",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("grade", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("equipment_checked", sa.Integer(), nullable=True),
        sa.Column("hazards_found", sa.Integer(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name=op.f("ck_spot_check_units_grade")),
        sa.CheckConstraint(
            "conclusion IN ('compliant', 'hazards_found', 'not_checkable')",
            name=op.f("ck_spot_check_units_conclusion"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["spot_check_draws.id"],
            name=op.f("fk_spot_check_units_draw_id_spot_check_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("draw_id", "use_unit_id", name=op.f("pk_spot_check_units")),
        sa.UniqueConstraint("draw_id", "position", name="uq_spot_check_units_position"),
    )
    op.create_index("ix_spot_check_units_unit", "spot_check_units", ["use_unit_id"])
    op.create_table(
        "spot_check_draw_inspectors",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["spot_check_draws.id"],
            name=op.f("fk_spot_check_draw_inspectors_draw_id_spot_check_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "draw_id", "inspector_id", name=op.f("pk_spot_check_draw_inspectors")
        ),
    )


def downgrade() -> None:
    op.drop_table("spot_check_draw_inspectors")
    op.drop_index("ix_spot_check_units_unit", table_name="spot_check_units")
    op.drop_table("spot_check_units")
    op.drop_table("spot_check_draws")
    op.drop_table("spot_check_inspectors")
    op.drop_index("ix_inspections_inspected_on", table_name="inspections")
    op.drop_index("ix_due_schedule_never_inspected", table_name="due_schedule")
    op.drop_index("ix_due_schedule_failed", table_name="due_schedule")
    op.drop_index("ix_equipment_unregistered_in_use", table_name="equipment")
    op.drop_index("ix_equipment_park_code", table_name="equipment")
    op.drop_table("unregistered_sightings")
    op.drop_table("contract_elevators")
    op.drop_table("contracts")
