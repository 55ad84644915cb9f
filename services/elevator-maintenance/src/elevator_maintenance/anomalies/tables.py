from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from elevator_maintenance.db import metadata

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),  # 维保单位
    Column("kind", Text, nullable=False),
    # What makes a finding the same finding (its kind and the visits, certificate or day it
    # is about): a visit that gains a worker is judged again, and must not be reported twice.
    Column("finding_key", Text(collation="C"), nullable=False, unique=True),
    Column("equipment_code", Text, nullable=False),
    Column("certificate_number", Text),  # 作业人员证编号; null for a short visit
    Column("visit_id", Uuid, nullable=False),
    Column("other_visit_id", Uuid),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("details", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "kind IN ('short_visit', 'impossible_travel', 'too_many_visits', 'overlapping_visits')",
        name="kind",
    ),
    Index("ix_anomalies_company", "company_id", "observed_at", "id"),
    Index("ix_anomalies_observed", "observed_at", "id"),
)
"""维保异常: what the visit-forming rules found (anomalies/rules.py)."""
