"""HTTP for supervision staff (监察人员): the bureau's own people, the bureau only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Path, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.staff import service
from registry.staff.schemas import (
    GroupBy,
    StaffCounts,
    StaffCreate,
    StaffPage,
    StaffRead,
    StaffUpdate,
)
from registry.staff.service import StaffRefused
from tzsb_common.auth import BureauPrincipal, SupervisoryPrincipal
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound, ValidationFailed, field_error
from tzsb_common.responses import STALE_VERSION, matching_versions, record_response
from tzsb_common.routing import feature_router

router = feature_router("/staff", tags=["supervision staff 监察人员"])
# Member paths take only UUIDs (`{staff_id:uuid}`), so /staff/counts is never read as a member
# and its 405 names only its own methods.

StaffId = Annotated[uuid.UUID, Path(description="监察人员 id")]


class _StaffCursor(BaseModel):
    id: uuid.UUID


def _refused(exc: StaffRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StaffRead)
async def add_staff(
    _: BureauPrincipal, data: StaffCreate, database: CurrentDatabase, outbox: CurrentOutbox
) -> Response:
    """登记监察人员 — a member of the bureau's supervision staff."""
    try:
        record = await service.add_staff(database, outbox, data=data)
    except StaffRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get("/counts", response_model=StaffCounts)
async def count_staff(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    group_by: Annotated[GroupBy, Query(description="city | district | park | supervision_body")] = (
        GroupBy.district
    ),
    province: Annotated[str | None, Query(max_length=50, description="省")] = None,
    city: Annotated[str | None, Query(max_length=50, description="市")] = None,
) -> Response:
    """监察人员统计 (table 1 of the annual report): staff, A and B certificates, on duty."""
    counts = await service.count_staff(database, group_by=group_by, province=province, city=city)
    return record_response(counts)


@router.get("/{staff_id:uuid}", response_model=StaffRead)
async def get_staff(_: BureauPrincipal, staff_id: StaffId, database: CurrentDatabase) -> Response:
    record = await service.get_staff(database, staff_id=staff_id)
    if record is None:
        raise NotFound(f"no member of staff with id {staff_id}")
    return record_response(record, version=record.version)


@router.get("", response_model=StaffPage)
async def list_staff(
    _: BureauPrincipal,
    database: CurrentDatabase,
    province: Annotated[str | None, Query(max_length=50, description="省")] = None,
    city: Annotated[str | None, Query(max_length=50, description="市")] = None,
    district: Annotated[str | None, Query(max_length=50, description="区/县")] = None,
    park: Annotated[str | None, Query(max_length=100, description="园区")] = None,
    active: Annotated[bool | None, Query(description="在岗")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    after = decode_cursor_as(cursor, _StaffCursor).id if cursor else None
    items = await service.list_staff(
        database,
        equal_to={
            "province": province,
            "city": city,
            "district": district,
            "park": park,
            "active": active,
        },
        after_id=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda s: {"id": str(s.id)})
    return record_response(StaffPage(items=page, next_cursor=next_cursor))


@router.patch("/{staff_id:uuid}", response_model=StaffRead, responses=STALE_VERSION)
async def change_staff(
    _: BureauPrincipal,
    staff_id: StaffId,
    changes: StaffUpdate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[
        str | None,
        Header(
            min_length=1,
            description='Change only if the record is still at this version, e.g. "v3"',
        ),
    ] = None,
) -> Response:
    try:
        record = await service.change_staff(
            database,
            outbox,
            staff_id=staff_id,
            changes=changes,
            expected_versions=matching_versions(if_match),
        )
    except StaffRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)
