"""HTTP for organisations: parse, authorise (typed dependencies), call the service, shape."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query, status
from pydantic import BaseModel

from registry.organisations import service
from registry.organisations.rules import may_see_organisation
from registry.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationPage,
    OrganisationRead,
)
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
from tzsb_common.problems import NotFound
from tzsb_common.routing import feature_router

router = feature_router("/organisations", tags=["organisations 单位"])


class _OrganisationCursor(BaseModel):
    id: uuid.UUID


async def visible_organisation_id(
    organisation_id: Annotated[uuid.UUID, Path(description="单位 id")],
    principal: CurrentPrincipal,
) -> uuid.UUID:
    """The organisation named in the path, if this caller may see it; else 404, the same
    answer as for a missing one, so a caller learns nothing of organisations not its own."""
    if not may_see_organisation(principal, organisation_id):
        raise NotFound(f"no organisation with id {organisation_id}")
    return organisation_id


VisibleOrganisationId = Annotated[uuid.UUID, Depends(visible_organisation_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrganisationRead)
async def create_organisation(
    data: OrganisationCreate, _: BureauPrincipal, session: DbSession, outbox: CurrentOutbox
) -> OrganisationRead:
    """登记单位 — a use unit, maintenance company, filling station or inspection agency."""
    return await service.create_organisation(session, outbox, data=data)


@router.get("/{organisation_id}", response_model=OrganisationRead)
async def get_organisation(
    organisation_id: VisibleOrganisationId, session: DbSession
) -> OrganisationRead:
    return await service.require_organisation(session, organisation_id=organisation_id)


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
