"""Who may read and end which maintenance contracts: typed dependencies for the routes'
signatures. The decisions themselves are in rules.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from registry.contracts import service
from registry.contracts.rules import NoContractAccess, readable_company
from registry.contracts.schemas import ContractRead
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound

ContractId = Annotated[uuid.UUID, Path(description="维保合同 id")]

ContractWriter = BureauPrincipal
"""Only the bureau enters and terminates contracts."""


class ContractReadScope:
    """Whose contracts a caller may list: `company_id` None means every company's."""

    def __init__(self, company_id: uuid.UUID | None) -> None:
        self.company_id = company_id


async def _contract_reader(principal: CurrentPrincipal) -> ContractReadScope:
    try:
        return ContractReadScope(readable_company(principal))
    except NoContractAccess:
        raise Forbidden("this kind of caller reads no maintenance contracts") from None


ContractReader = Annotated[ContractReadScope, Depends(_contract_reader)]


async def _readable_contract(
    contract_id: ContractId, scope: ContractReader, database: CurrentDatabase
) -> ContractRead:
    record = await service.get_contract(database, contract_id=contract_id)
    # A contract another company holds answers exactly like a missing one.
    if record is None or scope.company_id not in (None, record.maintenance_company_id):
        raise NotFound(f"no contract with id {contract_id}")
    return record


ReadableContract = Annotated[ContractRead, Depends(_readable_contract)]
"""The contract named in the path, if this caller may see it; 404 otherwise."""
