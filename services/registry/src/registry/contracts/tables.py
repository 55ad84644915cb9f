from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from registry.db import metadata

maintenance_contracts = Table(
    "maintenance_contracts",  # 维保合同
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("maintenance_company_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    # 按需维保: null keeps the regular 15-day interval (TSG T5002).
    Column("maintenance_interval_days", Integer),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("terminated_on", Date),  # the last day in force of a contract ended early
    Column("termination_reason", Text),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('active', 'terminated')", name="status"),
    CheckConstraint("valid_to >= valid_from", name="validity"),
    CheckConstraint(
        "maintenance_interval_days BETWEEN 15 AND 90", name="maintenance_interval_days"
    ),
    CheckConstraint("(status = 'terminated') = (terminated_on IS NOT NULL)", name="terminated_on"),
    Index("ix_maintenance_contracts_company", "maintenance_company_id", "id"),
)

maintenance_contract_elevators = Table(
    "maintenance_contract_elevators",
    metadata,
    Column("contract_id", Uuid, ForeignKey("maintenance_contracts.id"), nullable=False),
    Column("equipment_code", Text, ForeignKey("equipment.equipment_code"), nullable=False),
    PrimaryKeyConstraint("contract_id", "equipment_code"),
    # "Who maintains this elevator on this day" starts here.
    Index("ix_maintenance_contract_elevators_equipment", "equipment_code", "contract_id"),
)
