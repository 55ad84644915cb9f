"""HTTP for installation notices (安装告知): parse, authorise (typed dependencies), shape."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, status
from pydantic import BaseModel, BeforeValidator
from starlette.responses import Response

from registry.equipment.catalogue import Category
from registry.installation_notices import service
from registry.installation_notices.rules import FILING_KINDS, installer_of, readable_installer
from registry.installation_notices.schemas import NoticeCreate, NoticePage, NoticeRead
from registry.installation_notices.service import NoticeRefused
from tzsb_common.auth import CallerKind, CurrentPrincipal, Principal, require_kind
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound, ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/installation-notices", tags=["installation notices 安装告知"])

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    # A query string is validated leniently, where "0" would be 1970-01-01; only YYYY-MM-DD is
    # a date here, as in every JSON body.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


QueryDate = Annotated[date, BeforeValidator(_iso_date_only)]

NoticeFiler = Annotated[Principal, Depends(require_kind(*FILING_KINDS))]
"""An installer (安装单位) filing its own notice, or the bureau."""


class NoticeScope:
    """Which notices a caller may read: `installer_id` None means every notice."""

    def __init__(self, installer_id: uuid.UUID | None) -> None:
        self.installer_id = installer_id


async def _notice_reader(principal: CurrentPrincipal) -> NoticeScope:
    try:
        return NoticeScope(readable_installer(principal))
    except PermissionError:
        raise Forbidden("this kind of caller cannot read installation notices") from None


NoticeReader = Annotated[NoticeScope, Depends(_notice_reader)]


async def _readable_notice(
    notice_id: Annotated[uuid.UUID, Path(description="告知 id")],
    scope: NoticeReader,
    database: CurrentDatabase,
) -> NoticeRead:
    notice = await service.get_notice(database, notice_id=notice_id)
    # Another installer's notice answers like a missing one.
    if notice is None or scope.installer_id not in (None, notice.installer_id):
        raise NotFound(f"no installation notice with id {notice_id}")
    return notice


ReadableNotice = Annotated[NoticeRead, Depends(_readable_notice)]


class _NoticeCursor(BaseModel):
    planned_start_on: date
    id: uuid.UUID


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NoticeRead)
async def file_installation_notice(
    principal: NoticeFiler, data: NoticeCreate, database: CurrentDatabase
) -> Response:
    """安装告知 — the installing unit tells the bureau before it installs special equipment."""
    installer = installer_of(principal, data.installer_id)
    if not isinstance(installer, uuid.UUID):
        message = (
            "an installer files notices only for itself"
            if principal.kind is CallerKind.installer
            else "name the installer (安装单位)"
        )
        raise ValidationFailed.at(["body", "installer_id"], message, installer)
    try:
        notice = await service.file_notice(
            database, data=data, installer_id=installer, filed_by=principal.organisation_id
        )
    except NoticeRefused as exc:
        raise ValidationFailed(
            [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return record_response(notice, status_code=status.HTTP_201_CREATED, version=notice.version)


@router.get("/{notice_id}", response_model=NoticeRead)
async def get_installation_notice(notice: ReadableNotice) -> Response:
    return record_response(notice, version=notice.version)


@router.get("", response_model=NoticePage)
async def list_installation_notices(
    scope: NoticeReader,
    database: CurrentDatabase,
    province: Annotated[str | None, Query(max_length=50, description="省")] = None,
    city: Annotated[str | None, Query(max_length=50, description="市")] = None,
    district: Annotated[str | None, Query(max_length=50, description="区/县")] = None,
    park: Annotated[str | None, Query(max_length=100, description="园区")] = None,
    category: Annotated[Category | None, Query(description="设备种类")] = None,
    installer_id: Annotated[uuid.UUID | None, Query(description="安装单位")] = None,
    use_unit_id: Annotated[uuid.UUID | None, Query(description="使用单位")] = None,
    planned_start_on_from: Annotated[
        QueryDate | None, Query(description="计划施工日期 on or after")
    ] = None,
    planned_start_on_to: Annotated[
        QueryDate | None, Query(description="计划施工日期 on or before")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """The bureau and government systems see every notice; an installer its own."""
    if scope.installer_id is not None:
        if installer_id not in (None, scope.installer_id):
            raise Forbidden("an installer may list only its own notices")
        installer_id = scope.installer_id
    after = None
    if cursor:
        position = decode_cursor_as(cursor, _NoticeCursor)
        after = (position.planned_start_on, position.id)
    items = await service.list_notices(
        database,
        equal_to={
            "province": province,
            "city": city,
            "district": district,
            "park": park,
            "category": category,
            "installer_id": installer_id,
            "use_unit_id": use_unit_id,
        },
        planned_from=planned_start_on_from,
        planned_to=planned_start_on_to,
        after=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(
        items,
        limit,
        lambda n: {"planned_start_on": n.planned_start_on.isoformat(), "id": str(n.id)},
    )
    return record_response(NoticePage(items=page, next_cursor=next_cursor))
