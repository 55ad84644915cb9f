from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, Table, Uuid

from inspection.db import metadata

supervision_order_hazards = Table(
    "supervision_order_hazards",
    metadata,
    Column(
        "order_id",
        Uuid,
        ForeignKey("supervision_orders.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("hazard_id", Uuid, ForeignKey("hazards.id"), nullable=False, index=True),
    PrimaryKeyConstraint("order_id", "hazard_id", name="pk_supervision_order_hazards"),
)
"""The hazards an issued order covers."""

order_number_counters = Table(
    "order_number_counters",
    metadata,
    Column("bureau_id", Uuid, nullable=False),
    Column("year", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    PrimaryKeyConstraint("bureau_id", "year", name="pk_order_number_counters"),
)
"""The last 文号 each bureau gave in a year. Taken in the issuing transaction under the row's
lock, so concurrent issues queue and a rolled-back one gives its number back: no gaps, no
duplicates (a sequence would leave gaps)."""
