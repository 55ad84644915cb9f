"""The reporting service's tables: its own plus the shared outbox and inbox."""

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
    from reporting.annual_report import tables as _annual_report  # noqa: F401
    from reporting.indicators import tables as _indicators  # noqa: F401
    from reporting.rankings import tables as _rankings  # noqa: F401
    from reporting.ratings import tables as _ratings  # noqa: F401
    from reporting.read_models import tables as _read_models  # noqa: F401
    from reporting.safety_events import tables as _safety_events  # noqa: F401

    return metadata
