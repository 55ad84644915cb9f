"""The inspection service's tables: its own plus the shared outbox and inbox."""

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
    from inspection.due import tables as _due  # noqa: F401
    from inspection.hazards import tables as _hazards  # noqa: F401
    from inspection.inspection_rules import tables as _inspection_rules  # noqa: F401
    from inspection.inspections import tables as _inspections  # noqa: F401
    from inspection.orders import tables as _orders  # noqa: F401
    from inspection.patrol import tables as _patrol  # noqa: F401
    from inspection.rates import tables as _rates  # noqa: F401
    from inspection.replicas import tables as _replicas  # noqa: F401
    from inspection.spot_checks import tables as _spot_checks  # noqa: F401

    return metadata
