"""Who may read and change which licences: the typed dependencies routes declare, so that
authorisation happens before a body is even read. The decisions themselves are in rules.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from registry.licences import service
from registry.licences.rules import NoLicenceAccess, readable_holder
from registry.licences.schemas import LicenceRead
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound

LicenceId = Annotated[uuid.UUID, Path(description="许可证 id")]

LicenceWriter = BureauPrincipal
"""Only the bureau enters licences and suspends, reinstates or revokes them."""


class LicenceReadScope:
    """Whose licences a caller may list: `holder_id` None means every organisation's."""

    def __init__(self, holder_id: uuid.UUID | None) -> None:
        self.holder_id = holder_id


async def _licence_reader(principal: CurrentPrincipal) -> LicenceReadScope:
    try:
        return LicenceReadScope(readable_holder(principal))
    except NoLicenceAccess:
        raise Forbidden("this kind of caller reads no licences") from None


LicenceReader = Annotated[LicenceReadScope, Depends(_licence_reader)]


async def _readable_licence(
    licence_id: LicenceId, scope: LicenceReader, database: CurrentDatabase
) -> LicenceRead:
    record = await service.get_licence(database, licence_id=licence_id)
    # Another organisation's licence answers exactly like a missing one.
    if record is None or scope.holder_id not in (None, record.organisation_id):
        raise NotFound(f"no licence with id {licence_id}")
    return record


ReadableLicence = Annotated[LicenceRead, Depends(_readable_licence)]
"""The licence named in the path, if this caller may see it; 404 otherwise."""
