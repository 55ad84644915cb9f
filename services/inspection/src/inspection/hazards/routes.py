"""HTTP for hazards (隐患): parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Header, Query, Request, status
from pydantic import BaseModel
from starlette.responses import Response

from inspection.hazards import service
from inspection.hazards.access import (
    AnswerableHazard,
    EvidenceTarget,
    HazardReader,
    ReadableHazard,
)
from inspection.hazards.rules import HazardConflict, HazardSource, HazardState
from inspection.hazards.schemas import (
    EVIDENCE_CONTENT_TYPES,
    EvidenceList,
    EvidenceRead,
    HazardCreate,
    HazardPage,
    HazardRead,
    RectificationReport,
    SealCreate,
    SealExtension,
    SupervisionCreate,
    Verification,
)
from inspection.hazards.service import HazardRefused
from inspection.inspections.access import BusinessToday
from inspection.inspections.schemas import EQUIPMENT_CODE, Severity
from inspection.settings import InspectionSettings
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    PageCursor,
    PageLimit,
    decode_cursor_as,
    keyset_page,
)
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import (
    NotFound,
    PayloadTooLarge,
    Problem,
    ValidationFailed,
    field_error,
)
from tzsb_common.responses import (
    CONDITIONAL_WRITE_RESPONSES,
    CREATED_RESPONSES,
    READ_RESPONSES,
    matching_versions,
    record_or_not_modified,
    record_response,
)
from tzsb_common.routing import feature_router

router = feature_router("/hazards", tags=["hazards 隐患"])

_IF_MATCH = Header(description='Change only if the hazard is still at this version, e.g. "v3"')
_STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    **CONDITIONAL_WRITE_RESPONSES,
    409: {
        "description": "the hazard's state forbids this step; `code` says why: "
        + ", ".join(f"`{c.value}`" for c in HazardConflict),
    },
}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


class _HazardCursor(BaseModel):
    created_at: datetime
    id: uuid.UUID


def _refused(exc: HazardRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", v.field], v.message, v.code) for v in exc.violations]
    )


def _settings(request: Request) -> InspectionSettings:
    settings: InspectionSettings = request.app.state.settings
    return settings


def _answer(record: HazardRead, status_code: int = 200) -> Response:
    return record_response(record, status_code=status_code, version=record.version)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HazardRead,
    responses=CREATED_RESPONSES,
)
async def open_hazard(
    principal: BureauPrincipal,
    data: HazardCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
) -> Response:
    """立案 — the bureau opens a hazard by hand (网上巡查, 双随机抽查, 投诉, 日常监督检查).
    Published as `tzsb.hazard.found.v1`."""
    try:
        record = await service.open_hazard(
            database, outbox, principal=principal, data=data, today=today
        )
    except HazardRefused as exc:
        raise _refused(exc) from None
    return _answer(record, status.HTTP_201_CREATED)


@router.get("", response_model=HazardPage)
async def list_hazards(
    readable_by: HazardReader,
    database: CurrentDatabase,
    today: BusinessToday,
    state: Annotated[HazardState | None, Query(description="状态")] = None,
    severity: Annotated[Severity | None, Query(description="general 一般 | major 重大")] = None,
    equipment_code: Annotated[
        str | None, Query(pattern=EQUIPMENT_CODE, description="设备代码")
    ] = None,
    unit: Annotated[
        uuid.UUID | None, Query(description="使用单位 or 责任单位: the unit's hazards")
    ] = None,
    source: Annotated[HazardSource | None, Query(description="来源")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    """隐患列表 — newest first. The bureau and government systems see every hazard; any other
    organisation the hazards it answers for."""
    after = None
    if cursor:
        key = decode_cursor_as(cursor, _HazardCursor)
        after = (key.created_at, key.id)
    items = await service.list_hazards(
        database,
        filters={
            "state": state,
            "severity": severity,
            "equipment_code": equipment_code,
            "unit": unit,
            "source": source,
        },
        readable_by=readable_by,
        after=after,
        limit=limit + 1,
        today=today,
    )
    page, next_cursor = keyset_page(
        items, limit, lambda h: {"created_at": h.created_at, "id": h.id}
    )
    return record_response(HazardPage(items=page, next_cursor=next_cursor))


@router.get("/{hazard_id}", response_model=HazardRead, responses=READ_RESPONSES)
async def get_hazard(
    hazard: ReadableHazard,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(hazard, version=hazard.version, if_none_match=if_none_match)


@router.post("/{hazard_id}/rectification", response_model=HazardRead, responses=_STEP_RESPONSES)
async def start_rectification(
    hazard: AnswerableHazard,
    database: CurrentDatabase,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """开始整改 — the answerable unit begins: order_issued → rectifying."""
    record = await service.start_rectification(
        database, hazard_id=hazard.id, today=today, expected_versions=matching_versions(if_match)
    )
    return _answer(record)


@router.post("/{hazard_id}/rectified", response_model=HazardRead, responses=_STEP_RESPONSES)
async def report_rectified(
    hazard: AnswerableHazard,
    report: RectificationReport,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """整改完成 — the answerable unit reports the work done: rectifying → rectified. Evidence
    (`POST …/evidence`) must be uploaded first. Published as `tzsb.hazard.rectified.v1`."""
    record = await service.report_rectified(
        database,
        outbox,
        hazard_id=hazard.id,
        note=report.note,
        today=today,
        expected_versions=matching_versions(if_match),
    )
    return _answer(record)


@router.post("/{hazard_id}/verification", response_model=HazardRead, responses=_STEP_RESPONSES)
async def verify(
    _: BureauPrincipal,
    hazard: ReadableHazard,
    verification: Verification,
    request: Request,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """验证销号 — the bureau verifies: accepted, rectified → closed (published as
    `tzsb.hazard.closed.v1`); not accepted, back to rectifying. A sealed hazard is released
    first."""
    record = await service.verify(
        database,
        outbox,
        hazard_id=hazard.id,
        verification=verification,
        today=today,
        zone=ZoneInfo(_settings(request).business_timezone),
        expected_versions=matching_versions(if_match),
    )
    return _answer(record)


@router.post("/{hazard_id}/supervision", response_model=HazardRead, responses=_STEP_RESPONSES)
async def supervise(
    _: BureauPrincipal,
    hazard: ReadableHazard,
    data: SupervisionCreate,
    database: CurrentDatabase,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """挂牌督办 — a major hazard put under the bureau's supervision (once)."""
    record = await service.supervise(
        database,
        hazard_id=hazard.id,
        note=data.note,
        today=today,
        expected_versions=matching_versions(if_match),
    )
    return _answer(record)


@router.post("/{hazard_id}/seal", response_model=HazardRead, responses=_STEP_RESPONSES)
async def seal(
    _: BureauPrincipal,
    hazard: ReadableHazard,
    data: SealCreate,
    request: Request,
    database: CurrentDatabase,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """查封 — the equipment of a major hazard sealed from today, for at most `SEAL_MAX_DAYS`
    (15) days."""
    try:
        record = await service.seal(
            database,
            hazard_id=hazard.id,
            days=data.days,
            max_days=_settings(request).seal_max_days,
            today=today,
            expected_versions=matching_versions(if_match),
        )
    except HazardRefused as exc:
        raise _refused(exc) from None
    return _answer(record)


@router.post("/{hazard_id}/seal/extension", response_model=HazardRead, responses=_STEP_RESPONSES)
async def extend_seal(
    _: BureauPrincipal,
    hazard: ReadableHazard,
    data: SealExtension,
    request: Request,
    database: CurrentDatabase,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """延长查封 — once, while the seal lasts, by at most `SEAL_EXTENSION_MAX_DAYS` (30)."""
    try:
        record = await service.extend_seal(
            database,
            hazard_id=hazard.id,
            days=data.days,
            max_days=_settings(request).seal_extension_max_days,
            today=today,
            expected_versions=matching_versions(if_match),
        )
    except HazardRefused as exc:
        raise _refused(exc) from None
    return _answer(record)


@router.post("/{hazard_id}/seal/release", response_model=HazardRead, responses=_STEP_RESPONSES)
async def release_seal(
    _: BureauPrincipal,
    hazard: ReadableHazard,
    database: CurrentDatabase,
    today: BusinessToday,
    if_match: Annotated[str | None, _IF_MATCH] = None,
) -> Response:
    """解封."""
    record = await service.release_seal(
        database, hazard_id=hazard.id, today=today, expected_versions=matching_versions(if_match)
    )
    return _answer(record)


# -- evidence ------------------------------------------------------------------------------------


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"an evidence file holds at most {max_bytes} bytes", max_bytes=max_bytes)


async def _read_file(request: Request, max_bytes: int) -> bytes:
    """The body, read only once the caller may upload; 413 past `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > max_bytes:
            raise _too_large(max_bytes)
        parts.append(part)
    if not size:
        raise ValidationFailed.at(["body"], "the file is empty", code="empty_file")
    return b"".join(parts)


@router.post(
    "/{hazard_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceRead,
    responses={
        200: {"description": "the same file again (a retry): the evidence already held"},
        409: {"description": "the hazard is closed"},
        413: {"description": "larger than `EVIDENCE_MAX_BYTES`", "content": _PROBLEM},
        415: {"description": "not a JPEG, PNG, WebP or PDF", "content": _PROBLEM},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the file itself as the body, with its Content-Type",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in sorted(EVIDENCE_CONTENT_TYPES)
            },
        }
    },
)
async def add_evidence(
    hazard: EvidenceTarget,
    principal: CurrentPrincipal,
    request: Request,
    database: CurrentDatabase,
    filename: Annotated[
        str, Query(min_length=1, max_length=200, description="文件名, e.g. 整改后照片.jpg")
    ],
) -> Response:
    """上传整改证据 — a photo or PDF, stored with its SHA-256 and size. The same file twice is
    one piece of evidence."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in EVIDENCE_CONTENT_TYPES:
        raise Problem(
            status=415,
            slug="unsupported-media-type",
            title="Unsupported media type",
            detail=f"evidence is one of {', '.join(sorted(EVIDENCE_CONTENT_TYPES))}",
            code="evidence_type_not_allowed",
        )
    content = await _read_file(request, _settings(request).evidence_max_bytes)
    evidence, created = await service.add_evidence(
        database,
        hazard_id=hazard.id,
        filename=filename,
        content_type=content_type,
        content=content,
        uploaded_by=principal.organisation_id,
    )
    return record_response(evidence, status_code=201 if created else 200)


@router.get("/{hazard_id}/evidence", response_model=EvidenceList)
async def list_evidence(hazard: ReadableHazard, database: CurrentDatabase) -> Response:
    """整改证据 — every file of the hazard, oldest first (without contents)."""
    items = await service.list_evidence(database, hazard_id=hazard.id)
    return record_response(EvidenceList(items=items))


@router.get(
    "/{hazard_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"description": "the file, with its Content-Type and a SHA-256 digest"}},
)
async def download_evidence(
    hazard: ReadableHazard, evidence_id: uuid.UUID, database: CurrentDatabase
) -> Response:
    """下载证据 — the file as uploaded; `Repr-Digest` (RFC 9530) carries its SHA-256."""
    found = await service.evidence_file(database, hazard_id=hazard.id, evidence_id=evidence_id)
    if found is None:
        raise NotFound(f"no evidence {evidence_id} of hazard {hazard.id}")
    evidence, content = found
    digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode()
    return Response(
        content,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(evidence.filename)}",
            "Repr-Digest": f"sha-256=:{digest}:",
            "X-Content-SHA256": evidence.sha256,
        },
    )
