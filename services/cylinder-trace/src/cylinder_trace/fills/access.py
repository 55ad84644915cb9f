"""Who may post and read fills: the typed dependencies routes declare."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from tzsb_common.auth import CallerKind, Principal, require_kind
from tzsb_common.problems import Forbidden

FillingStation = Annotated[Principal, Depends(require_kind(CallerKind.filling_station))]
"""A filling station; the station of every fill it posts is the token's organisation."""


def recall_station(own: uuid.UUID | None, asked: uuid.UUID | None) -> uuid.UUID | None:
    """Whose fills a recall lists: the station asked for (None: every station) for the bureau,
    the caller itself for a station, which may not ask for another's."""
    if own is None:
        return asked
    if asked is not None and asked != own:
        raise Forbidden("a station lists its own fills only")
    return own
