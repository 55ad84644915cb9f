"""HTTP for the remote-monitoring feed: parse, authorise, call the service, shape."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path, Query, Request
from starlette.responses import Response

from elevator_maintenance.monitoring import service
from elevator_maintenance.monitoring.access import MonitoringPoster, MonitoringReader
from elevator_maintenance.monitoring.rules import MonitoringReason
from elevator_maintenance.monitoring.schemas import (
    MonitoringEventIn,
    MonitoringEventRead,
    MonitoringSummary,
)
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.days import QueryDay
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router(tags=["monitoring 远程监测"])


@router.post(
    "/monitoring-events",
    response_model=MonitoringEventRead,
    status_code=201,
    responses={200: {"description": "this event_id was posted before: the first record"}},
)
async def post_monitoring_event(
    request: Request,
    principal: MonitoringPoster,
    data: MonitoringEventIn,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
) -> Response:
    """远程监测事件 — a fault code or a trapped-passenger alarm from an elevator's monitoring
    device, posted by the company maintaining it (its own elevators only), the bureau or a
    government monitoring platform. A trapped-passenger alarm opens a 96333 rescue (or joins
    the elevator's open one) and raises a `trapped_passenger_alarm` hazard signal."""
    company = (
        principal.organisation_id if principal.kind is CallerKind.maintenance_company else None
    )
    try:
        row, created = await service.record_event(
            database,
            outbox,
            event=data,
            poster_id=principal.organisation_id,
            company_id=company,
            client_id=principal.client_id,
            settings=request.app.state.settings,
        )
    except service.MonitoringRefused as exc:
        code = exc.reasons[0].value
        if exc.reasons[0] is MonitoringReason.no_valid_contract:
            raise Forbidden("you hold no valid contract for this elevator", code=code) from None
        raise ValidationFailed.at(("body", exc.field), code, code=code) from None
    return record_response(
        MonitoringEventRead.model_validate(
            {**row, "status": "accepted" if created else "duplicate"}
        ),
        status_code=201 if created else 200,
    )


@router.get("/elevators/{equipment_code}/monitoring", response_model=MonitoringSummary)
async def get_elevator_monitoring(
    request: Request,
    principal: MonitoringReader,
    database: CurrentDatabase,
    equipment_code: Annotated[str, Path(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")],
    from_: Annotated[QueryDay | None, Query(alias="from", description="events on or after")] = None,
    to: Annotated[QueryDay | None, Query(description="events on or before this day")] = None,
) -> Response:
    """远程监测统计 — an elevator's faults and trapped-passenger alarms, counted (by fault code
    too), and its open rescue. A company reads the elevators it holds a contract for today."""
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    company = (
        principal.organisation_id if principal.kind is CallerKind.maintenance_company else None
    )
    if not await service.may_read(
        database,
        company_id=company,
        equipment_code=equipment_code,
        today=datetime.now(zone).date(),
    ):
        raise NotFound("no elevator you maintain has this code")
    totals = await service.summary(
        database,
        equipment_code=equipment_code,
        since=datetime.combine(from_, time(0), tzinfo=zone) if from_ else None,
        until=datetime.combine(to, time(0), tzinfo=zone) + timedelta(days=1) if to else None,
    )
    if totals is None:
        raise NotFound("no elevator has this code")
    return record_response(MonitoringSummary.model_validate(totals))
