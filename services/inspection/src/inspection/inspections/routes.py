"""HTTP for inspection records: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from fastapi import status
from starlette.responses import Response

from inspection.inspections import service
from inspection.inspections.access import BusinessToday, InspectionRecorder
from inspection.inspections.schemas import InspectionCreate, InspectionRead
from inspection.inspections.service import InspectionRefused
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/inspections", tags=["inspections 检验"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InspectionRead,
    responses={
        200: {"description": "the same report again (a retry): the record already held"},
        409: {"description": "the agency used this report number for another inspection"},
    },
)
async def record_inspection(
    principal: InspectionRecorder,
    data: InspectionCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
) -> Response:
    """录入检验结果 — an inspection agency records an inspection and the hazards it found. The
    next due date is the agency's, within the rule's longest interval, or computed from the
    rules; a failed conclusion (不合格) leaves the equipment without a valid inspection."""
    try:
        record, created = await service.record_inspection(
            database, outbox, principal=principal, data=data, today=today
        )
    except InspectionRefused as exc:
        raise ValidationFailed(
            [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return record_response(record, status_code=201 if created else 200)
