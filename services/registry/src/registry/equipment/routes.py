"""HTTP for equipment: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Header, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.equipment import service
from registry.equipment.access import (
    EquipmentCode,
    EquipmentReader,
    EquipmentWriter,
    ReadableEquipment,
)
from registry.equipment.catalogue import Category
from registry.equipment.schemas import (
    LEGACY_REGISTRATION_CODE,
    EquipmentCreate,
    EquipmentPage,
    EquipmentRead,
    EquipmentRegistration,
    EquipmentStatus,
    EquipmentStatusChange,
    EquipmentStatusChangeList,
    EquipmentUpdate,
)
from registry.equipment.service import EquipmentRefused
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

router = feature_router("/equipment", tags=["equipment 设备"])

_READ_ONLY_WHEN_DEREGISTERED: dict[int | str, dict[str, Any]] = {
    409: {"description": "the record is deregistered (注销) and read-only"},
}
_IF_MATCH = Header(description='Change only if the record is still at this version, e.g. "v3"')


class _EquipmentCursor(BaseModel):
    equipment_code: str


def _refused(exc: EquipmentRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations],
        detail=exc.detail,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EquipmentRead,
    responses=CREATED_RESPONSES,
)
async def register_equipment(
    _: EquipmentWriter, data: EquipmentCreate, database: CurrentDatabase, outbox: CurrentOutbox
) -> Response:
    """登记设备 — enter a piece of special equipment in the registry."""
    try:
        record = await service.register_equipment(database, outbox, data=data)
    except EquipmentRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get(
    "/{equipment_code}",
    response_model=EquipmentRead,
    responses=READ_RESPONSES,
)
async def get_equipment(
    record: ReadableEquipment,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(record, version=record.version, if_none_match=if_none_match)


@router.get("", response_model=EquipmentPage)
async def list_equipment(
    scope: EquipmentReader,
    database: CurrentDatabase,
    category: Annotated[Category | None, Query(description="设备种类 code")] = None,
    variety: Annotated[str | None, Query(min_length=4, max_length=4, description="品种")] = None,
    park: Annotated[str | None, Query(max_length=100, description="园区")] = None,
    status: Annotated[EquipmentStatus | None, Query(description="设备状态")] = None,
    use_unit_id: Annotated[uuid.UUID | None, Query(description="使用单位")] = None,
    registered: Annotated[
        bool | None, Query(description="已登记: false lists the equipment without a 使用登记证")
    ] = None,
    legacy_registration_code: Annotated[
        str | None, Query(pattern=LEGACY_REGISTRATION_CODE, description="旧注册代码")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    if scope.use_unit_id is not None:
        if use_unit_id not in (None, scope.use_unit_id):
            raise Forbidden("a use unit may list only its own equipment")
        use_unit_id = scope.use_unit_id
    after = decode_cursor_as(cursor, _EquipmentCursor).equipment_code if cursor else None
    items = await service.list_equipment(
        database,
        filters={
            "category": category,
            "variety": variety,
            "park": park,
            "status": status,
            "use_unit_id": use_unit_id,
            "registered": registered,
            "legacy_registration_code": legacy_registration_code,
        },
        after_code=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda e: {"equipment_code": e.equipment_code})
    return record_response(EquipmentPage(items=page, next_cursor=next_cursor))


@router.patch(
    "/{equipment_code}",
    response_model=EquipmentRead,
    responses={**CONDITIONAL_WRITE_RESPONSES, **_READ_ONLY_WHEN_DEREGISTERED},
)
async def change_equipment(
    _: EquipmentWriter,
    equipment_code: EquipmentCode,
    changes: EquipmentUpdate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """变更设备信息 — the record's data; only the fields sent change. Status changes go through
    `POST /api/v1/equipment/{code}/status`, registration through
    `POST /api/v1/equipment/{code}/registration`; PATCH refuses both (422)."""
    try:
        record = await service.change_equipment(
            database,
            outbox,
            equipment_code=equipment_code,
            changes=changes,
            expected_versions=matching_versions(if_match),
        )
    except EquipmentRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)


@router.post(
    "/{equipment_code}/registration",
    response_model=EquipmentRead,
    responses={**CONDITIONAL_WRITE_RESPONSES, **_READ_ONLY_WHEN_DEREGISTERED},
)
async def register_use(
    _: EquipmentWriter,
    equipment_code: EquipmentCode,
    registration: EquipmentRegistration,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """使用登记 — record the registration certificate (使用登记证) number and date. Sending
    another certificate records it in place of the first (变更登记); the same one again changes
    nothing. Scrapped (报废) or deregistered (注销) equipment is not registered (409)."""
    try:
        record = await service.record_registration(
            database,
            outbox,
            equipment_code=equipment_code,
            registration=registration,
            expected_versions=matching_versions(if_match),
        )
    except EquipmentRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)


@router.post(
    "/{equipment_code}/status",
    response_model=EquipmentRead,
    responses={**CONDITIONAL_WRITE_RESPONSES, **_READ_ONLY_WHEN_DEREGISTERED},
)
async def change_status(
    principal: EquipmentWriter,
    equipment_code: EquipmentCode,
    change: EquipmentStatusChange,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """状态变更 — 在用 in_use ↔ 停用 suspended; in_use or suspended → 报废 scrapped; any but
    deregistered → 注销 deregistered, which ends the record (read-only from then on). Each change
    is audited (`GET …/status-changes`) and published. The current status again changes nothing."""
    try:
        record = await service.change_status(
            database,
            outbox,
            equipment_code=equipment_code,
            change=change,
            changed_by=principal,
            expected_versions=matching_versions(if_match),
        )
    except EquipmentRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)


@router.get("/{equipment_code}/status-changes", response_model=EquipmentStatusChangeList)
async def list_status_changes(record: ReadableEquipment, database: CurrentDatabase) -> Response:
    """状态变更记录 — every status change of the record, oldest first (a record has few)."""
    items = await service.list_status_changes(database, equipment_code=record.equipment_code)
    return record_response(EquipmentStatusChangeList(items=items))
