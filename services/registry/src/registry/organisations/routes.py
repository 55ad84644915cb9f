"""HTTP for organisations: parse, authorise (typed dependencies), call the service, shape."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.organisations import service
from registry.organisations.rules import may_see_organisation
from registry.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationPage,
    OrganisationRead,
    OrganisationUpdate,
)
from registry.organisations.service import OrganisationRefused
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal, SupervisoryPrincipal
from tzsb_common.db import DbSession
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.problems import NotFound, ValidationFailed, field_error
from tzsb_common.responses import (
    CONDITIONAL_WRITE_RESPONSES,
    CREATED_RESPONSES,
    READ_RESPONSES,
    matching_versions,
    record_or_not_modified,
    record_response,
)
from tzsb_common.routing import feature_router

router = feature_router("/organisations", tags=["organisations 单位"])


OrganisationId = Annotated[uuid.UUID, Path(description="单位 id")]


class _OrganisationCursor(BaseModel):
    id: uuid.UUID


async def visible_organisation_id(
    organisation_id: OrganisationId,
    principal: CurrentPrincipal,
) -> uuid.UUID:
    """The organisation named in the path, if this caller may see it; else 404, the same
    answer as for a missing one, so a caller learns nothing of organisations not its own."""
    if not may_see_organisation(principal, organisation_id):
        raise NotFound(f"no organisation with id {organisation_id}")
    return organisation_id


VisibleOrganisationId = Annotated[uuid.UUID, Depends(visible_organisation_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationRead,
    responses=CREATED_RESPONSES,
)
async def create_organisation(
    data: OrganisationCreate, _: BureauPrincipal, session: DbSession, outbox: CurrentOutbox
) -> Response:
    """登记单位 — a use unit, maintenance company, filling station or inspection agency."""
    record = await service.create_organisation(session, outbox, data=data)
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationRead,
    responses=READ_RESPONSES,
)
async def get_organisation(
    organisation_id: VisibleOrganisationId,
    session: DbSession,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    record = await service.require_organisation(session, organisation_id=organisation_id)
    return record_or_not_modified(record, version=record.version, if_none_match=if_none_match)


@router.patch(
    "/{organisation_id}", response_model=OrganisationRead, responses=CONDITIONAL_WRITE_RESPONSES
)
async def change_organisation(
    _: BureauPrincipal,
    organisation_id: OrganisationId,
    changes: OrganisationUpdate,
    session: DbSession,
    outbox: CurrentOutbox,
    if_match: Annotated[
        str | None,
        Header(description='Change only if the organisation is still at this version, e.g. "v1"'),
    ] = None,
) -> Response:
    """变更单位信息 — a corrected name, address or region (the bureau only); only the fields
    sent change. `credit_code` and `kind` are refused (422): a different one is a new
    organisation."""
    try:
        record = await service.change_organisation(
            session,
            outbox,
            organisation_id=organisation_id,
            changes=changes,
            expected_versions=matching_versions(if_match),
        )
    except OrganisationRefused as exc:
        raise ValidationFailed(
            [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return record_response(record, version=record.version)


@router.get("", response_model=OrganisationPage)
async def list_organisations(
    _: SupervisoryPrincipal,
    session: DbSession,
    kind: Annotated[OrganisationKind | None, Query(description="单位类型")] = None,
    credit_code: Annotated[str | None, Query(max_length=18, description="统一社会信用代码")] = None,
    province: Annotated[str | None, Query(max_length=50)] = None,
    city: Annotated[str | None, Query(max_length=50)] = None,
    district: Annotated[str | None, Query(max_length=50)] = None,
    park: Annotated[str | None, Query(max_length=100)] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> OrganisationPage:
    """The bureau and government systems only."""
    after = decode_cursor_as(cursor, _OrganisationCursor).id if cursor else None
    items = await service.list_organisations(
        session,
        kind=kind,
        credit_code=credit_code.upper() if credit_code else None,
        province=province,
        city=city,
        district=district,
        park=park,
        after_id=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda o: {"id": str(o.id)})
    return OrganisationPage(items=page, next_cursor=next_cursor)
