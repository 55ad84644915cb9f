"""Rates have no table of their own: each is a count over inspections, hazards and the due
schedule for the period asked."""

from __future__ import annotations

from sqlalchemy import Index

from inspection.inspections.tables import inspections

# A period's inspections are found by date, not by equipment.
Index("ix_inspections_inspected_on", inspections.c.inspected_on)
