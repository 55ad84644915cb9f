"""Who may post and read swipes: the typed dependencies routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tzsb_common.auth import CallerKind, Principal, require_kind

# A maintenance company only: the company is the token's organisation, so a company can
# write swipes only as itself.
SwipePoster = Annotated[Principal, Depends(require_kind(CallerKind.maintenance_company))]
