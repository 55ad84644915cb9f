"""HTTP for emergency rescue: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from starlette.responses import Response

from elevator_maintenance.rescue import service
from elevator_maintenance.rescue.access import (
    RescueReader,
    RescueReporter,
    RescueResponder,
    RescueScope,
)
from elevator_maintenance.rescue.schemas import (
    AcknowledgeIn,
    ArriveIn,
    ClockScanCounts,
    ClockScanCreate,
    ClockScanRead,
    FaultCauseList,
    FiguresRead,
    GroupFiguresRead,
    RegionList,
    RegionPut,
    RegionRead,
    ReleaseIn,
    RescueBureauPage,
    RescueBureauRead,
    RescueCreate,
    RescueCursor,
    RescuePage,
    RescueRead,
)
from tzsb_common.auth import BureauPrincipal, CallerKind, SupervisoryPrincipal
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.days import QueryDay
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router(tags=["rescue 应急救援 96333"])

_NOT_YOURS = "no incident dispatched to you has this id"


def _read(row: dict[str, Any], *, sees_caller: bool) -> RescueRead:
    if sees_caller:
        return RescueBureauRead.model_validate(row)
    return RescueRead.model_validate(row)


@contextmanager
def _answering_refusals() -> Iterator[None]:
    try:
        yield
    except service.RescueRefused as exc:
        codes = [r.value for r in exc.reasons]
        if exc.conflict:
            raise Conflict(
                f"the incident's state does not allow this: {codes[0]}", code=codes[0]
            ) from None
        raise ValidationFailed.at(("body", exc.field), ", ".join(codes), code=codes[0]) from None
    except LookupError:
        raise NotFound(_NOT_YOURS) from None


@router.post(
    "/rescues",
    response_model=RescueBureauRead | RescueRead,
    status_code=201,
    responses={200: {"description": "the elevator's open incident, which this report joined"}},
)
async def report_rescue(
    request: Request,
    principal: RescueReporter,
    data: RescueCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
) -> Response:
    """困人报警 — the 96333 call centre (the bureau) or a government system reports a trapping by
    `equipment_code` or `rescue_code` (救援识别码). It is dispatched at once to the company holding
    the elevator's valid contract (to the backup team when none does). A second report while
    the elevator's incident is open joins it (200)."""
    source: Any = "call_centre" if principal.kind is CallerKind.bureau else "government_system"
    with _answering_refusals():
        incident, created = await service.report_incident(
            database,
            outbox,
            report=service.Report(
                equipment_code=data.equipment_code,
                rescue_code=data.rescue_code,
                source=source,
                reported_at=data.reported_at,
                trapped_people=data.trapped_people,
                caller_phone=data.caller_phone,
                reported_by=principal.client_id,
            ),
            settings=request.app.state.settings,
        )
    return record_response(
        _read(incident, sees_caller=principal.kind is CallerKind.bureau),
        status_code=201 if created else 200,
        version=incident["version"],
    )


@router.get("/rescues", response_model=RescueBureauPage | RescuePage)
async def list_rescues(
    scope: RescueReader,
    database: CurrentDatabase,
    status: Annotated[
        Literal["open", "dispatched", "acknowledged", "arrived", "released"] | None,
        Query(description="open 未结束 (not released) or one status"),
    ] = None,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    ] = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="维保单位; a company sees only its own")
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """困人事件 — newest first. A maintenance company (its app) sees the incidents dispatched to
    it, without the caller's phone; the bureau and government systems see all, or one
    company's with `company_id`."""
    if scope.company_id is not None:
        if company_id not in (None, scope.company_id):
            raise Forbidden("a maintenance company lists only its own incidents")
        company_id = scope.company_id
    after = decode_cursor_as(cursor, RescueCursor) if cursor else None
    rows = await service.list_incidents(
        database,
        company_id=company_id,
        status=status,
        equipment_code=equipment_code,
        after=(after.dispatched_at, after.id) if after else None,
        limit=limit + 1,
    )
    items = [_read(row, sees_caller=scope.sees_caller) for row in rows]
    page, next_cursor = keyset_page(
        items, limit, lambda r: {"dispatched_at": r.dispatched_at, "id": str(r.id)}
    )
    if scope.sees_caller:
        return record_response(RescueBureauPage(items=page, next_cursor=next_cursor))
    return record_response(RescuePage(items=page, next_cursor=next_cursor))


def _visible(row: dict[str, Any] | None, scope: RescueScope) -> dict[str, Any]:
    if row is None or scope.company_id not in (None, row["maintenance_company_id"]):
        raise NotFound(_NOT_YOURS)
    return row


@router.get("/rescues/{incident_id}", response_model=RescueBureauRead | RescueRead)
async def get_rescue(
    scope: RescueReader, database: CurrentDatabase, incident_id: uuid.UUID
) -> Response:
    """One incident; another company's is not found."""
    row = _visible(await service.get_incident(database, incident_id), scope)
    return record_response(_read(row, sees_caller=scope.sees_caller), version=row["version"])


@router.post("/rescues/{incident_id}/acknowledge", response_model=RescueRead)
async def acknowledge_rescue(
    request: Request,
    principal: RescueResponder,
    incident_id: uuid.UUID,
    data: AcknowledgeIn,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
) -> Response:
    """响应 — the company dispatched to acknowledges (within 3 minutes to count as responded)."""
    with _answering_refusals():
        row = await service.acknowledge(
            database,
            outbox,
            incident_id=incident_id,
            company_id=principal.organisation_id,
            at=data.at,
            settings=request.app.state.settings,
        )
    return record_response(_read(row, sees_caller=False), version=row["version"])


@router.post("/rescues/{incident_id}/arrive", response_model=RescueRead)
async def arrive_at_rescue(
    request: Request,
    principal: RescueResponder,
    incident_id: uuid.UUID,
    data: ArriveIn,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
) -> Response:
    """到达现场 — with the phone's position, which must be within the swipe geofence (200 m) of
    the elevator's registered position when that is known (`outside_geofence`)."""
    with _answering_refusals():
        row = await service.arrive(
            database,
            outbox,
            incident_id=incident_id,
            company_id=principal.organisation_id,
            at=data.at,
            lat=data.lat,
            lon=data.lon,
            settings=request.app.state.settings,
        )
    return record_response(_read(row, sees_caller=False), version=row["version"])


@router.post("/rescues/{incident_id}/release", response_model=RescueRead)
async def release_rescue(
    request: Request,
    principal: RescueResponder,
    incident_id: uuid.UUID,
    data: ReleaseIn,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
) -> Response:
    """解困 — the people freed and the fault's cause code (`GET /api/v1/fault-causes`)."""
    with _answering_refusals():
        row = await service.release(
            database,
            outbox,
            incident_id=incident_id,
            company_id=principal.organisation_id,
            at=data.at,
            people_freed=data.people_freed,
            fault_cause=data.fault_cause,
            note=data.note,
            settings=request.app.state.settings,
        )
    return record_response(_read(row, sees_caller=False), version=row["version"])


async def _scanner(request: Request) -> DeadlineScanner:
    scanner: DeadlineScanner = request.app.state.rescue_clock_scanner
    return scanner


@router.post("/rescue-clock-scans", response_model=ClockScanRead)
async def run_rescue_clock_scan(
    _: BureauPrincipal,
    data: ClockScanCreate,
    database: CurrentDatabase,
    scanner: Annotated[DeadlineScanner, Depends(_scanner)],
) -> Response:
    """救援计时 — run the rescue clocks for the instant `as_of` (the service runs them every few
    seconds by itself): acknowledgement overdue, escalation to the backup team at 20 minutes,
    breach (a `rescue_breach` hazard signal) at 30 or 60. Each fires once per incident."""
    counts = await service.run_clocks(scanner, database, as_of=data.as_of)
    return record_response(
        ClockScanRead(as_of=data.as_of, counts=ClockScanCounts.model_validate(counts))
    )


@router.get("/rescue-figures", response_model=FiguresRead)
async def rescue_figures(
    request: Request,
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    period_start: Annotated[QueryDay, Query(description="first day (Asia/Shanghai)")],
    period_end: Annotated[QueryDay, Query(description="last day, included")],
    group_by: Annotated[
        Literal["company", "district"], Query(description="company 维保单位 | district 区县")
    ] = "company",
) -> Response:
    """救援指标 — per company or district, incidents dispatched in the period: 3-minute response
    rate, 30-minute arrival rate, average arrival and on-site rescue minutes, and trappings per
    1,000 elevators per month. Percentages half-up to two decimals; a figure with nothing to
    divide by is null."""
    if period_end < period_start:
        raise ValidationFailed.at(
            ("query", "period_end"), "the period ends before it starts", code="period_reversed"
        )
    settings = request.app.state.settings
    months, groups = await service.figures(
        database,
        period_start=period_start,
        period_end=period_end,
        group_by=group_by,
        zone=ZoneInfo(settings.business_timezone),
        limits=service.limits_of(settings),
    )
    return record_response(
        FiguresRead(
            period_start=period_start,
            period_end=period_end,
            group_by=group_by,
            months=months,
            groups=[
                GroupFiguresRead(
                    group=g.group,
                    elevators=g.elevators,
                    incidents=g.incidents,
                    people_freed=g.people_freed,
                    acknowledged_in_3_min=g.acknowledged_in_time,
                    arrived_in_30_min=g.arrived_in_30,
                    response_in_3_min_pct=g.response_in_3_min_pct,
                    arrival_in_30_min_pct=g.arrival_in_30_min_pct,
                    average_arrival_minutes=g.average_arrival_minutes,
                    average_rescue_minutes=g.average_rescue_minutes,
                    trapping_rate_per_1000_per_month=g.trapping_rate_per_1000_per_month,
                )
                for g in groups
            ],
        )
    )


@router.put("/rescue-regions", response_model=RegionRead)
async def put_rescue_region(
    _: BureauPrincipal, data: RegionPut, database: CurrentDatabase
) -> Response:
    """城区标记 — the bureau marks a district urban (arrival within 30 minutes) or not (60). An
    incident keeps the limit it was dispatched with."""
    row = await service.put_region(
        database, province=data.province, city=data.city, district=data.district, urban=data.urban
    )
    return record_response(RegionRead.model_validate(row))


@router.get("/rescue-regions", response_model=RegionList)
async def list_rescue_regions(_: SupervisoryPrincipal, database: CurrentDatabase) -> Response:
    """The districts the bureau has classified; any other district is not urban."""
    rows = await service.regions(database)
    return record_response(RegionList(items=[RegionRead.model_validate(r) for r in rows]))


@router.get("/fault-causes", response_model=FaultCauseList)
async def list_fault_causes(_: RescueReader, database: CurrentDatabase) -> Response:
    """故障原因代码 — the codes a release names its cause with."""
    rows = await service.fault_causes(database)
    return record_response(FaultCauseList(items=rows))
