"""HTTP for fills: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from cylinder_trace.cylinders.access import CylinderCode, CylinderReader
from cylinder_trace.fills import service
from cylinder_trace.fills.access import FillingStation, recall_station
from cylinder_trace.fills.schemas import (
    FillBody,
    FillCreate,
    FillFilter,
    FillPage,
    FillResults,
    fill_results_json,
)
from cylinder_trace.fills.writes import FillWriter
from cylinder_trace.ingestion import split_items
from tzsb_common.batch import BatchTooLarge
from tzsb_common.days import QueryDay
from tzsb_common.pagination import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("", tags=["fills 充装"])

BUSINESS_DAY = "营业日 YYYY-MM-DD (Asia/Shanghai), included"


@router.post(
    "/fills",
    response_model=FillResults,
    responses={413: {"description": "more fills than `MAX_BATCH_ITEMS` (1,000)"}},
)
async def record_fills(
    principal: FillingStation,
    body: FillBody,
    write: FillWriter,
    request: Request,
) -> Response:
    """充装记录 — one fill or `{"fills": [...]}`, answered per fill in order: `accepted`,
    `refused` with every reason that applies (`unknown_cylinder`, `cylinder_scrapped`,
    `inspection_overdue`, `past_design_life`, `medium_mismatch`, `medium_outside_licence`,
    `licence_invalid`, `filler_not_certified`, `lpg_not_own_property`, `prefill_check_failed`,
    `overfilled`; a malformed item `invalid`, naming its fields in `errors`), or `duplicate`:
    the station posted this `fill_id` before (its first answer's reasons are repeated).
    Refused fills are stored as evidence; each stored fill raises one event on
    `tzsb.cylinder.fill`, and a refused one posted with a filled mass or final pressure above
    zero (filled anyway, 拒充仍充装) a `tzsb.hazard.signal.v1` against the station."""
    settings = request.app.state.settings
    items, batch = split_items(body, batch_field="fills", model=FillCreate)
    if len(items) > settings.max_batch_items:
        raise BatchTooLarge(items=len(items), max_items=settings.max_batch_items)
    answers = await service.record_fills(
        items,
        station_id=principal.organisation_id,
        batch=batch,
        now=datetime.now(UTC),
        zone=request.app.state.fill_months.zone,
        write=write,
    )
    return Response(fill_results_json(answers), media_type="application/json")


@router.get("/fills", response_model=FillPage)
async def recall_fills(
    scope: CylinderReader,
    database: CurrentDatabase,
    request: Request,
    station_id: uuid.UUID | None = None,
    first: Annotated[QueryDay | None, Query(alias="from", description=BUSINESS_DAY)] = None,
    last: Annotated[QueryDay | None, Query(alias="to", description=BUSINESS_DAY)] = None,
    medium: Annotated[str | None, Query(max_length=32)] = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
) -> Response:
    """充装追溯召回 — fills by station, business dates and medium, oldest first. A station
    lists its own (another station's `station_id` is 403)."""
    if first is not None and last is not None and last < first:
        raise ValidationFailed.at(["query", "to"], "`to` is before `from`", "dates_inconsistent")
    recall_filter = FillFilter(
        station_id=recall_station(scope.station_id, station_id),
        from_date=first,
        to_date=last,
        medium=medium,
    )
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    page = await service.recall(database, recall_filter, zone=zone, cursor=cursor, limit=limit)
    return record_response(page)


@router.get("/cylinders/{code}/fills", response_model=FillPage)
async def fills_of_cylinder(
    code: CylinderCode,
    scope: CylinderReader,
    database: CurrentDatabase,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
) -> Response:
    """气瓶充装记录 — a cylinder's fills, oldest first. A station sees its own fills of its own
    cylinders or of cylinders it filled; another station's cylinder is 404."""
    page = await service.fills_of_cylinder(
        database, code, station_id=scope.station_id, cursor=cursor, limit=limit
    )
    if page is None:
        raise NotFound(f"no cylinder {code} that this caller may read")
    return record_response(page)
