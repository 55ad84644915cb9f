"""HTTP for supervision orders (监察指令书): parse, authorise, call the service, shape."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Header, Query, Request, status
from pydantic import BaseModel
from starlette.responses import HTMLResponse, Response

from inspection.inspections.access import BusinessToday
from inspection.orders import service
from inspection.orders.access import OrderReader, ReadableOrder
from inspection.orders.document import render_order
from inspection.orders.schemas import OrderCreate, OrderPage, OrderRead
from inspection.orders.service import OrderRefused
from inspection.settings import InspectionSettings
from tzsb_common.auth import BureauPrincipal
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import (
    CREATED_RESPONSES,
    READ_RESPONSES,
    record_or_not_modified,
    record_response,
)
from tzsb_common.routing import feature_router

router = feature_router("/orders", tags=["supervision orders 监察指令书"])

ORDER_VERSION = 1
"""An issued order never changes: its ETag is fixed."""


def _settings(request: Request) -> InspectionSettings:
    settings: InspectionSettings = request.app.state.settings
    return settings


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderRead,
    responses={
        **CREATED_RESPONSES,
        409: {"description": "a hazard is not open (`code`, `hazard_id` name it)"},
    },
)
async def issue_order(
    principal: BureauPrincipal,
    data: OrderCreate,
    request: Request,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
) -> Response:
    """下达监察指令书 — for open hazards of one unit, with a rectification deadline. The order
    takes the bureau's next number of the year (市监特令〔2026〕第12号, no gaps); its hazards
    move to order_issued with its deadline, each published as `tzsb.hazard.order_issued.v1`."""
    try:
        order = await service.issue_order(
            database,
            outbox,
            principal=principal,
            data=data,
            today=today,
            number_prefix=_settings(request).order_number_prefix,
        )
    except OrderRefused as exc:
        raise ValidationFailed(
            [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return Response(
        order.model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={"ETag": f'"v{ORDER_VERSION}"', "Location": f"/api/v1/orders/{order.id}"},
    )


class _OrderCursor(BaseModel):
    created_at: datetime
    id: uuid.UUID


@router.get("", response_model=OrderPage)
async def list_orders(
    addressee: OrderReader,
    request: Request,
    database: CurrentDatabase,
    unit: Annotated[
        uuid.UUID | None, Query(description="受令单位: the orders addressed to it")
    ] = None,
    status_: Annotated[
        Literal["draft", "issued"] | None,
        Query(alias="status", description="draft 草稿 | issued 已下达"),
    ] = None,
    year: Annotated[
        int | None, Query(ge=2000, le=2100, description="年度: of the 文号, or of the draft")
    ] = None,
    kind: Annotated[
        Literal["rectify_hazards", "apply_for_inspection", "stop_use"] | None,
        Query(
            description="rectify_hazards 责令整改 | apply_for_inspection 责令申报检验 | "
            "stop_use 责令停止使用"
        ),
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """监察指令书列表 — newest first. The bureau and government systems see every order; a unit
    the orders issued to it (drafts are the bureau's until issued)."""
    after = None
    if cursor:
        key = decode_cursor_as(cursor, _OrderCursor)
        after = (key.created_at, key.id)
    filters: dict[str, object] = {"unit": unit, "status": status_, "year": year, "kind": kind}
    if addressee is not None:
        if (unit is not None and unit != addressee) or status_ == "draft":
            return record_response(OrderPage(items=[], next_cursor=None))
        filters.update(unit=addressee, status="issued")
    items = await service.list_orders(
        database,
        zone=_settings(request).business_timezone,
        filters=filters,
        after=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(
        items, limit, lambda o: {"created_at": o.created_at, "id": o.id}
    )
    return record_response(OrderPage(items=page, next_cursor=next_cursor))


@router.get("/{order_id}", response_model=OrderRead, responses=READ_RESPONSES)
async def get_order(
    order: ReadableOrder,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(order, version=ORDER_VERSION, if_none_match=if_none_match)


@router.get(
    "/{order_id}/document",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the order, to print"}},
)
async def order_document(order: ReadableOrder, request: Request) -> Response:
    """《特种设备安全监察指令书》 as a printable HTML page in Chinese (A4). No PDF: a browser
    prints this page to PDF."""
    return HTMLResponse(render_order(order, bureau_name=_settings(request).bureau_name))
