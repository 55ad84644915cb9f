"""HTTP for cylinders: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import Response

from cylinder_trace.cylinders import service
from cylinder_trace.cylinders.access import CylinderCode, CylinderReader, CylinderRegistrar
from cylinder_trace.cylinders.schemas import (
    CylinderBody,
    CylinderCreate,
    CylinderRead,
    CylinderResults,
    CylinderTrace,
)
from cylinder_trace.ingestion import split_items
from tzsb_common.batch import BatchTooLarge
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/cylinders", tags=["cylinders 气瓶"])


@router.post(
    "",
    response_model=CylinderResults,
    responses={413: {"description": "more cylinders than `MAX_BATCH_ITEMS` (1,000)"}},
)
async def register_cylinders(
    principal: CylinderRegistrar, body: CylinderBody, database: CurrentDatabase, request: Request
) -> Response:
    """登记气瓶 — one cylinder or `{"cylinders": [...]}`, answered per cylinder in order:
    `registered`, `duplicate` (registered before by the same caller) or `refused` with its
    reasons (`invalid` naming the fields, `unknown_medium`, `not_own_cylinder`,
    `cylinder_code_taken` …). A station registers its own cylinders (owner_id = the station)."""
    settings = request.app.state.settings
    items, batch = split_items(body, batch_field="cylinders", model=CylinderCreate)
    if len(items) > settings.max_batch_items:
        raise BatchTooLarge(items=len(items), max_items=settings.max_batch_items)
    today = datetime.now(ZoneInfo(settings.business_timezone)).date()
    results = await service.register_cylinders(
        database, principal=principal, items=items, batch=batch, today=today
    )
    return record_response(CylinderResults(results=results))


@router.get("/{code}", response_model=CylinderRead)
async def read_cylinder(
    code: CylinderCode, scope: CylinderReader, database: CurrentDatabase
) -> Response:
    """气瓶档案 — a station reads its own cylinders only (another's is 404)."""
    cylinder = await service.get_cylinder(database, code, station_id=scope.station_id)
    if cylinder is None:
        raise NotFound(f"no cylinder {code} that this caller may read")
    return record_response(cylinder)


@router.get("/{code}/trace", response_model=CylinderTrace)
async def trace_cylinder(
    code: CylinderCode, scope: CylinderReader, database: CurrentDatabase, request: Request
) -> Response:
    """气瓶追溯 — everything known of a cylinder: its registration first, then in time order
    its inspections (dated to the start of their day, Asia/Shanghai), fills (station, filler,
    medium, mass or pressure), refused fills with their reasons, and its scrapping. The bureau
    reads every cylinder; a station reads its own cylinders only (another's is 404), and
    among their fills its own."""
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    trace = await service.trace(database, code, station_id=scope.station_id, zone=zone)
    if trace is None:
        raise NotFound(f"no cylinder {code} that this caller may read")
    return record_response(trace)
