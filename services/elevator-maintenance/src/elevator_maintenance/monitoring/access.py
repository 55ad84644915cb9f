"""Who may post and read the monitoring feed: the typed dependencies routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tzsb_common.auth import CallerKind, Principal, require_kind

# A maintenance company relays its own elevators' devices (按需维保 rests on them); the bureau
# and a government monitoring platform (一网统管, a provincial 96333 platform) any elevator's.
MonitoringPoster = Annotated[
    Principal,
    Depends(
        require_kind(
            CallerKind.maintenance_company, CallerKind.bureau, CallerKind.government_system
        )
    ),
]
MonitoringReader = MonitoringPoster
