"""HTTP for supervision orders (监察指令书): parse, authorise, call the service, shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request, status
from starlette.responses import HTMLResponse, Response

from inspection.inspections.access import BusinessToday
from inspection.orders import service
from inspection.orders.access import ReadableOrder
from inspection.orders.document import render_order
from inspection.orders.schemas import OrderCreate, OrderRead
from inspection.orders.service import OrderRefused
from inspection.settings import InspectionSettings
from tzsb_common.auth import BureauPrincipal
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import CREATED_RESPONSES, READ_RESPONSES, record_or_not_modified
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
