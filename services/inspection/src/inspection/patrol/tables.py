from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    text,
)

from inspection.db import metadata
from inspection.due.tables import due_schedule
from inspection.replicas.tables import equipment

unregistered_sightings = Table(
    "unregistered_sightings",
    metadata,
    Column("equipment_code", Text, nullable=False),  # 设备代码 as the sender wrote it
    # hazard_signal | inspection_post | rescue (96333 困人) | monitoring_alarm (远程监测报警)
    Column("source", Text, nullable=False),
    Column("unit_id", Uuid),  # the organisation the sender named, when it named one
    Column("last_reference", Text, nullable=False),  # the signal's kind, or the agency's report
    Column("times_seen", Integer, nullable=False, server_default=text("1")),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("equipment_code", "source"),
    CheckConstraint(
        "source IN ('hazard_signal', 'inspection_post', 'rescue', 'monitoring_alarm')",
        name="source",
    ),
)
"""Codes of equipment seen in use (in a hazard signal, in an inspection report an agency tried to
post) whether or not the registry knows them; the patrol's fifth question keeps those it does
not."""

# The patrol's lists walk equipment in code order within a park or a unit, and its questions
# are narrow slices of the due schedule; these indexes let a page read only its own rows.
Index("ix_equipment_park_code", equipment.c.park, equipment.c.equipment_code)
Index(
    "ix_equipment_unregistered_in_use",
    equipment.c.equipment_code,
    postgresql_where=text("status = 'in_use' AND registration_number IS NULL"),
)
Index(
    "ix_due_schedule_failed",
    due_schedule.c.equipment_code,
    postgresql_where=text("last_conclusion = 'fail' AND NOT valid"),
)
Index(
    "ix_due_schedule_never_inspected",
    due_schedule.c.equipment_code,
    postgresql_where=text("last_inspection_id IS NULL"),
)
