"""Who may record cylinder inspections: the typed dependency routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tzsb_common.auth import CallerKind, Principal, require_kind

InspectionAgency = Annotated[Principal, Depends(require_kind(CallerKind.inspection_agency))]
"""An inspection agency (检验机构); the agency of every inspection is the token's organisation."""
