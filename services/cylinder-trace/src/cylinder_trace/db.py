"""The cylinder-trace service's tables: its own plus the shared outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

from tzsb_common.consumer import add_inbox_table
from tzsb_common.db import new_metadata
from tzsb_common.outbox import add_outbox_table

metadata = new_metadata()
outbox = add_outbox_table(metadata)
inbox = add_inbox_table(metadata)


def load_metadata() -> MetaData:
    """Import every feature's tables so the MetaData is complete (Alembic, tests)."""
    from cylinder_trace.cylinders import tables as _cylinders  # noqa: F401
    from cylinder_trace.fill_statistics import tables as _statistics  # noqa: F401
    from cylinder_trace.fills import tables as _fills  # noqa: F401
    from cylinder_trace.inspections import tables as _inspections  # noqa: F401
    from cylinder_trace.replicas import tables as _replicas  # noqa: F401

    return metadata
