"""HTTP for licences (许可证): parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Header, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.licences import service
from registry.licences.access import LicenceId, LicenceReader, LicenceWriter, ReadableLicence
from registry.licences.schemas import (
    LicenceAction,
    LicenceCreate,
    LicenceKind,
    LicencePage,
    LicenceRead,
    LicenceStatusChanges,
    LicenceTransition,
)
from registry.licences.service import LicenceRefused
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

router = feature_router("/licences", tags=["licences 许可证"])

_TRANSITION_ANSWERS: dict[int | str, dict[str, Any]] = {
    **CONDITIONAL_WRITE_RESPONSES,
    409: {"description": "the licence's status forbids this change (transition_not_allowed)"},
    412: {"description": "`If-Match` names a version that is no longer current"},
}
IfMatch = Annotated[
    str | None,
    Header(description='Change only if the licence is still at this version, e.g. "v3"'),
]


class _LicenceCursor(BaseModel):
    id: uuid.UUID


def _refused(exc: LicenceRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LicenceRead,
    responses=CREATED_RESPONSES,
)
async def create_licence(
    _: LicenceWriter, data: LicenceCreate, database: CurrentDatabase, outbox: CurrentOutbox
) -> Response:
    """登记许可证 — a maintenance, filling, inspection or installation licence."""
    try:
        record = await service.create_licence(database, outbox, data=data)
    except LicenceRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get(
    "/{licence_id}",
    response_model=LicenceRead,
    responses=READ_RESPONSES,
)
async def get_licence(
    record: ReadableLicence,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(record, version=record.version, if_none_match=if_none_match)


@router.get("/{licence_id}/status-changes", response_model=LicenceStatusChanges)
async def list_status_changes(
    record: ReadableLicence, database: CurrentDatabase
) -> LicenceStatusChanges:
    """变更记录 — every suspension, reinstatement and revocation: who, why, from which day."""
    return LicenceStatusChanges(
        items=await service.list_status_changes(database, licence_id=record.id)
    )


@router.get("", response_model=LicencePage)
async def list_licences(
    scope: LicenceReader,
    database: CurrentDatabase,
    organisation_id: Annotated[uuid.UUID | None, Query(description="持证单位")] = None,
    kind: Annotated[LicenceKind | None, Query(description="许可类别")] = None,
    valid_on: Annotated[
        QueryDay | None,
        Query(description="在该日有效: its dates cover the day and it is active (not suspended)"),
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    if scope.holder_id is not None:
        if organisation_id not in (None, scope.holder_id):
            raise Forbidden("a maintenance company or filling station lists only its own licences")
        organisation_id = scope.holder_id
    after = decode_cursor_as(cursor, _LicenceCursor).id if cursor else None
    items = await service.list_licences(
        database,
        organisation_id=organisation_id,
        kind=kind,
        valid_on=valid_on,
        after_id=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda licence: {"id": str(licence.id)})
    return record_response(LicencePage(items=page, next_cursor=next_cursor))


async def _transition(
    action: LicenceAction,
    principal: LicenceWriter,
    licence_id: uuid.UUID,
    transition: LicenceTransition,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: str | None,
) -> Response:
    try:
        record = await service.change_status(
            database,
            outbox,
            licence_id=licence_id,
            action=action,
            transition=transition,
            changed_by=principal,
            expected_versions=matching_versions(if_match),
        )
    except LicenceRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)


@router.post("/{licence_id}/suspend", response_model=LicenceRead, responses=_TRANSITION_ANSWERS)
async def suspend_licence(
    principal: LicenceWriter,
    licence_id: LicenceId,
    transition: LicenceTransition,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: IfMatch = None,
) -> Response:
    """暂停许可 — an active licence stops being valid until it is reinstated."""
    return await _transition(
        LicenceAction.suspend, principal, licence_id, transition, database, outbox, if_match
    )


@router.post("/{licence_id}/reinstate", response_model=LicenceRead, responses=_TRANSITION_ANSWERS)
async def reinstate_licence(
    principal: LicenceWriter,
    licence_id: LicenceId,
    transition: LicenceTransition,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: IfMatch = None,
) -> Response:
    """恢复许可 — a suspended licence is valid again."""
    return await _transition(
        LicenceAction.reinstate, principal, licence_id, transition, database, outbox, if_match
    )


@router.post("/{licence_id}/revoke", response_model=LicenceRead, responses=_TRANSITION_ANSWERS)
async def revoke_licence(
    principal: LicenceWriter,
    licence_id: LicenceId,
    transition: LicenceTransition,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: IfMatch = None,
) -> Response:
    """撤销许可 — final: a revoked licence is never reinstated."""
    return await _transition(
        LicenceAction.revoke, principal, licence_id, transition, database, outbox, if_match
    )
