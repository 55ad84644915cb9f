from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from inspection.db import metadata

hazards = Table(
    "hazards",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("equipment_code", Text, nullable=False),
    Column("use_unit_id", Uuid),
    Column("source", Text, nullable=False),
    Column("inspection_id", Uuid),
    Column("severity", Text, nullable=False),  # 一般 general | 重大 major
    Column("description", Text, nullable=False),
    Column("deadline", Date),  # 整改期限
    Column("due_on", Date),  # the missed due date of a 超期未检 hazard
    Column("state", Text, nullable=False, server_default=text("'open'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("severity IN ('general', 'major')", name="severity"),
    CheckConstraint("source IN ('inspection', 'due_workflow')", name="source"),
    Index("ix_hazards_equipment", "equipment_code", "created_at"),
)
"""隐患 — found by an inspection or opened by the due workflow (超期未检)."""
