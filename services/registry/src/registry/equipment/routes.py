"""HTTP for equipment: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel

from registry.equipment import service
from registry.equipment.access import may_read, may_write_equipment, readable_use_unit
from registry.equipment.catalogue import Category
from registry.equipment.schemas import (
    EQUIPMENT_CODE,
    EquipmentCreate,
    EquipmentPage,
    EquipmentRead,
    EquipmentStatus,
    EquipmentUpdate,
)
from tzsb_common.auth import CurrentPrincipal
from tzsb_common.db import DbSession
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.problems import Forbidden, NotFound

router = APIRouter(prefix="/equipment", tags=["equipment 设备"])

EquipmentCode = Annotated[str, Path(pattern=EQUIPMENT_CODE, description="设备代码, 18 digits")]


class _EquipmentCursor(BaseModel):
    equipment_code: str


def _refuse_unless_writer(principal: CurrentPrincipal) -> None:
    if not may_write_equipment(principal):
        raise Forbidden("only the bureau or a government system with registry:write may do this")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EquipmentRead)
async def register_equipment(
    data: EquipmentCreate, principal: CurrentPrincipal, session: DbSession, outbox: CurrentOutbox
) -> EquipmentRead:
    """登记设备 — enter a piece of special equipment in the registry."""
    _refuse_unless_writer(principal)
    return await service.register_equipment(session, outbox, data=data)


@router.get("/{equipment_code}", response_model=EquipmentRead)
async def get_equipment(
    equipment_code: EquipmentCode, principal: CurrentPrincipal, session: DbSession
) -> EquipmentRead:
    record = await service.get_equipment(session, equipment_code=equipment_code)
    if not may_read(principal, record.use_unit_id):
        # Same answer as a missing record: a caller learns nothing of others' equipment.
        raise NotFound(f"no equipment with code {equipment_code}")
    return record


@router.get("", response_model=EquipmentPage)
async def list_equipment(
    principal: CurrentPrincipal,
    session: DbSession,
    category: Annotated[Category | None, Query(description="设备种类 code")] = None,
    variety: Annotated[str | None, Query(min_length=4, max_length=4, description="品种")] = None,
    park: Annotated[str | None, Query(max_length=100, description="园区")] = None,
    status: Annotated[EquipmentStatus | None, Query(description="设备状态")] = None,
    use_unit_id: Annotated[uuid.UUID | None, Query(description="使用单位")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> EquipmentPage:
    try:
        own_unit = readable_use_unit(principal)
    except PermissionError:
        raise Forbidden("this kind of caller cannot list equipment") from None
    if own_unit is not None:
        if use_unit_id not in (None, own_unit):
            raise Forbidden("a use unit may list only its own equipment")
        use_unit_id = own_unit
    after = decode_cursor_as(cursor, _EquipmentCursor).equipment_code if cursor else None
    items = await service.list_equipment(
        session,
        filters={
            "category": category,
            "variety": variety,
            "park": park,
            "status": status,
            "use_unit_id": use_unit_id,
        },
        after_code=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda e: {"equipment_code": e.equipment_code})
    return EquipmentPage(items=page, next_cursor=next_cursor)


@router.patch("/{equipment_code}", response_model=EquipmentRead)
async def change_equipment(
    equipment_code: EquipmentCode,
    changes: EquipmentUpdate,
    principal: CurrentPrincipal,
    session: DbSession,
    outbox: CurrentOutbox,
) -> EquipmentRead:
    """变更设备信息 — status (停用/报废/注销), registration, data; only the fields sent change."""
    _refuse_unless_writer(principal)
    return await service.change_equipment(
        session, outbox, equipment_code=equipment_code, changes=changes
    )
