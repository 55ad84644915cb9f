"""HTTP for maintenance contracts (维保合同): parse, authorise, call the service, shape."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.contracts import service
from registry.contracts.access import ContractId, ContractReader, ContractWriter, ReadableContract
from registry.contracts.schemas import (
    ContractCreate,
    ContractPage,
    ContractRead,
    ContractTermination,
)
from registry.contracts.service import ContractRefused
from registry.equipment.schemas import EQUIPMENT_CODE
from tzsb_common.days import QueryDay
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, ValidationFailed, field_error
from tzsb_common.responses import (
    CONDITIONAL_WRITE_RESPONSES,
    CREATED_RESPONSES,
    READ_RESPONSES,
    matching_versions,
    record_or_not_modified,
    record_response,
)
from tzsb_common.routing import feature_router

router = feature_router("/contracts", tags=["maintenance contracts 维保合同"])


class _ContractCursor(BaseModel):
    id: uuid.UUID


def _refused(exc: ContractRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractRead,
    responses=CREATED_RESPONSES,
)
async def create_contract(
    _: ContractWriter, data: ContractCreate, database: CurrentDatabase, outbox: CurrentOutbox
) -> Response:
    """登记维保合同 — refused (`contract_overlaps`) while another contract covers one of the
    elevators on any of its days: an elevator has one maintenance company at a time."""
    try:
        record = await service.create_contract(database, outbox, data=data)
    except ContractRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get(
    "/{contract_id}",
    response_model=ContractRead,
    responses=READ_RESPONSES,
)
async def get_contract(
    record: ReadableContract,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(record, version=record.version, if_none_match=if_none_match)


@router.get("", response_model=ContractPage)
async def list_contracts(
    scope: ContractReader,
    database: CurrentDatabase,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE, description="设备代码: contracts covering it")
    ] = None,
    on: Annotated[
        QueryDay | None, Query(description="在该日有效: contracts in force that day")
    ] = None,
    maintenance_company_id: Annotated[uuid.UUID | None, Query(description="维保单位")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """`?equipment_code=…&on=…` answers which company maintains an elevator on a day: at most
    one contract, since contracts for one elevator never overlap."""
    if scope.company_id is not None:
        if maintenance_company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company lists only the contracts it holds")
        maintenance_company_id = scope.company_id
    after = decode_cursor_as(cursor, _ContractCursor).id if cursor else None
    items = await service.list_contracts(
        database,
        maintenance_company_id=maintenance_company_id,
        equipment_code=equipment_code,
        on=on,
        after_id=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda contract: {"id": str(contract.id)})
    return record_response(ContractPage(items=page, next_cursor=next_cursor))


@router.post(
    "/{contract_id}/terminate",
    response_model=ContractRead,
    responses={
        **CONDITIONAL_WRITE_RESPONSES,
        409: {"description": "the contract was terminated already (already_terminated)"},
        412: {"description": "`If-Match` names a version that is no longer current"},
    },
)
async def terminate_contract(
    _: ContractWriter,
    contract_id: ContractId,
    termination: ContractTermination,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[
        str | None,
        Header(description='Terminate only if the contract is still at this version, e.g. "v1"'),
    ] = None,
) -> Response:
    """提前终止维保合同 — from the day after `terminated_on` the elevators are free for another
    contract."""
    try:
        record = await service.terminate_contract(
            database,
            outbox,
            contract_id=contract_id,
            termination=termination,
            expected_versions=matching_versions(if_match),
        )
    except ContractRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)
