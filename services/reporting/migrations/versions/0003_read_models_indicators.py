"""read models (equipment, organisations, contracts, certificates, inspections, due stages,
visits, licences, daily fill counts), the per-elevator monthly visit roll-up the indicators
read, and the bureau's bonus points for the maintenance-company ranking

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:00:00.000000
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
        "equipment",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("variety", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("registration_number", sa.Text(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("province", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("manufacturer", sa.Text(), nullable=True),
        sa.Column("factory_number", sa.Text(), nullable=True),
        sa.Column("manufactured_on", sa.Date(), nullable=True),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("rated_load_kg", sa.Float(), nullable=True),
        sa.Column("rated_speed_ms", sa.Float(), nullable=True),
        sa.Column("stops", sa.Integer(), nullable=True),
        sa.Column("rescue_code", sa.Text(), nullable=True),
        sa.Column("rescue_sign_posted", sa.Boolean(), nullable=False),
        sa.Column("record_complete", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("equipment_code", name=op.f("pk_equipment")),
    )
    op.create_index(
        "ix_equipment_region",
        "equipment",
        ["category", "province", "city", "district", "park"],
    )
    op.create_table(
        "organisations",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("province", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisations")),
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
        sa.Column("holder_name", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_certificates")),
    )
    op.create_table(
        "inspections",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("report_number", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("next_due_kind", sa.Text(), nullable=True),
        sa.Column("hazards_found", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_inspections")),
    )
    op.create_index("ix_inspections_equipment", "inspections", ["equipment_code", "inspected_on"])
    op.create_table(
        "due_stages",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("due_kind", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("use_unit_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("variety", sa.Text(), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("equipment_code", "due_on", "stage", name=op.f("pk_due_stages")),
    )
    op.create_index("ix_due_stages_as_of", "due_stages", ["as_of"])
    op.create_table(
        "visits",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_equipment", "visits", ["equipment_code", "visit_on"])
    op.create_index("ix_visits_visit_on", "visits", ["visit_on"])
    op.create_table(
        "elevator_visit_months",
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("first_visit_on", sa.Date(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=False),
        sa.Column("longest_gap_days", sa.Integer(), nullable=False),
        sa.Column("previous_visit_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("equipment_code", "month", name=op.f("pk_elevator_visit_months")),
    )
    op.create_index("ix_elevator_visit_months_month", "elevator_visit_months", ["month"])
    op.create_table(
        "licences",
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("scope", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _updated_at(),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_licences")),
    )
    op.create_table(
        "fill_days",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("medium", sa.Text(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", "medium", name=op.f("pk_fill_days")),
    )
    op.create_index("ix_fill_days_day", "fill_days", ["day"])
    op.create_table(
        "fill_refusal_days",
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fills", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", "reason", name=op.f("pk_fill_refusal_days")),
    )
    op.create_table(
        "bonuses",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("bonus_id", sa.Uuid(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.Numeric(6, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("awarded_by_client", sa.Text(), nullable=False),
        sa.Column("awarded_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_bonuses")),
        sa.UniqueConstraint("bonus_id", name=op.f("uq_bonuses_bonus_id")),
    )
    op.create_index("ix_bonuses_company", "bonuses", ["maintenance_company_id", "awarded_on"])


def downgrade() -> None:
    op.drop_index("ix_bonuses_company", table_name="bonuses")
    op.drop_table("bonuses")
    op.drop_table("fill_refusal_days")
    op.drop_index("ix_fill_days_day", table_name="fill_days")
    op.drop_table("fill_days")
    op.drop_table("licences")
    op.drop_index("ix_elevator_visit_months_month", table_name="elevator_visit_months")
    op.drop_table("elevator_visit_months")
    op.drop_index("ix_visits_visit_on", table_name="visits")
    op.drop_index("ix_visits_equipment", table_name="visits")
    op.drop_table("visits")
    op.drop_index("ix_due_stages_as_of", table_name="due_stages")
    op.drop_table("due_stages")
    op.drop_index("ix_inspections_equipment", table_name="inspections")
    op.drop_table("inspections")
    op.drop_table("certificates")
    op.drop_index("ix_contract_elevators_company", table_name="contract_elevators")
    op.drop_table("contract_elevators")
    op.drop_table("contracts")
    op.drop_table("organisations")
    op.drop_index("ix_equipment_region", table_name="equipment")
    op.drop_table("equipment")
