from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from elevator_maintenance.db import metadata

monitoring_events = Table(
    "monitoring_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("poster_id", Uuid, nullable=False),  # the organisation of the token
    Column("event_id", Text(collation="C"), nullable=False),  # the device's or platform's id
    Column("equipment_code", Text, nullable=False),
    Column("kind", Text, nullable=False),  # fault | trapped_passenger
    Column("fault_code", Text),  # 故障代码 as the device reports it
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("detail", Text),
    Column("incident_id", Uuid),  # the rescue a trapped-passenger alarm opened or joined
    Column("client_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('fault', 'trapped_passenger')", name="kind"),
    # A retried post is one event.
    UniqueConstraint("poster_id", "event_id", name="uq_monitoring_events_poster"),
    Index("ix_monitoring_events_equipment", "equipment_code", "occurred_at"),
)
"""远程监测事件 from an elevator's monitoring device (按需维保 relies on them)."""
