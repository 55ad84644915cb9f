"""The registry's MetaData: its feature tables plus the shared outbox and inbox."""

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
    from registry.catalogue import tables as _catalogue  # noqa: F401
    from registry.certificates import tables as _certificates  # noqa: F401
    from registry.clients import tables as _clients  # noqa: F401
    from registry.contracts import tables as _contracts  # noqa: F401
    from registry.equipment import tables as _equipment  # noqa: F401
    from registry.equipment_import import tables as _equipment_import  # noqa: F401
    from registry.installation_notices import tables as _installation_notices  # noqa: F401
    from registry.licences import tables as _licences  # noqa: F401
    from registry.organisations import tables as _organisations  # noqa: F401
    from registry.staff import tables as _staff  # noqa: F401

    return metadata
