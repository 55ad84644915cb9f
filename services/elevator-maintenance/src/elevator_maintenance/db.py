"""The elevator-maintenance service's tables: its own plus the shared outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

from tzsb_common.consumer import add_inbox_table
from tzsb_common.db import new_metadata
from tzsb_common.deadlines import add_deadline_tables
from tzsb_common.outbox import add_outbox_table

metadata = new_metadata()
outbox = add_outbox_table(metadata)
inbox = add_inbox_table(metadata)
deadline_ledger, deadline_passes = add_deadline_tables(metadata)


def load_metadata() -> MetaData:
    """Import every feature's tables so the MetaData is complete (Alembic, tests)."""
    from elevator_maintenance.anomalies import tables as _anomalies  # noqa: F401
    from elevator_maintenance.monitoring import tables as _monitoring  # noqa: F401
    from elevator_maintenance.replicas import tables as _replicas  # noqa: F401
    from elevator_maintenance.rescue import tables as _rescue  # noqa: F401
    from elevator_maintenance.swipe_statistics import tables as _swipe_statistics  # noqa: F401
    from elevator_maintenance.swipes import tables as _swipes  # noqa: F401
    from elevator_maintenance.visits import tables as _visits  # noqa: F401

    return metadata
