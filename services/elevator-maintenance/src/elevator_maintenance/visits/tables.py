from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from elevator_maintenance.db import metadata

visits = Table(
    "visits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),  # 维保单位
    Column("equipment_code", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    Column("kind", Text),  # half_monthly | quarterly | half_yearly | yearly, when given
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_visits_equipment", "equipment_code", "ended_at"),
    Index("ix_visits_company", "company_id", "ended_at", "id"),
    Index("ix_visits_ended", "ended_at", "id"),
)
"""维保记录: one visit of an elevator, from the first start to the last end of its workers."""

visit_workers = Table(
    "visit_workers",
    metadata,
    Column("visit_id", Uuid, ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("certificate_number", Text, nullable=False),
    Column("start_swipe_id", Text(collation="C"), nullable=False),
    Column("end_swipe_id", Text(collation="C"), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("visit_id", "certificate_number"),
    # A swipe is in one pair at most: this is what "unpaired" means.
    UniqueConstraint("company_id", "start_swipe_id", name="uq_visit_workers_start"),
    UniqueConstraint("company_id", "end_swipe_id", name="uq_visit_workers_end"),
    # A certificate's visits around a new one, for the anomaly rules (anomalies/queries.py).
    Index("ix_visit_workers_certificate", "company_id", "certificate_number", "started_at"),
)
"""One worker's pair of swipes in a visit."""
