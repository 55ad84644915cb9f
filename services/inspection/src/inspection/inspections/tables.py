from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from inspection.db import metadata

inspections = Table(
    "inspections",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("agency_id", Uuid, nullable=False),  # 检验机构, the organisation of the token
    Column("client_id", Text, nullable=False),
    Column("equipment_code", Text, nullable=False),
    Column("report_number", Text, nullable=False),  # 检验报告编号
    Column("kind", Text, nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("conclusion", Text, nullable=False),
    Column("next_due_on", Date),
    Column("next_due_kind", Text),
    Column("next_due_computed", Boolean, nullable=False),  # from the rules, not the agency
    Column("legal_source", Text),  # the rule the due date came from or was checked against
    Column("valid", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("agency_id", "report_number", name="uq_inspections_agency_report"),
    CheckConstraint(
        "kind IN ('periodic', 'first', 'installation_supervision', 'self_test')", name="kind"
    ),
    CheckConstraint(
        "conclusion IN ('pass', 'pass_after_reinspection', 'fail', 'monitored_use')",
        name="conclusion",
    ),
    Index("ix_inspections_equipment", "equipment_code", "inspected_on"),
)
"""检验记录 — one report of an inspection agency."""
