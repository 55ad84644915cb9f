"""HTTP for personnel certificates (特种设备作业人员证): parse, authorise, call the service,
shape the answer — with the holder's identity number masked for every caller but the bureau."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, status
from pydantic import BaseModel
from starlette.responses import Response

from registry.certificates import service
from registry.certificates.access import (
    CertificateNumber,
    CertificateReader,
    CertificateWriter,
    ReadableCertificate,
)
from registry.certificates.rules import CertificateItem
from registry.certificates.schemas import (
    ITEM_DESCRIPTION,
    CertificateCreate,
    CertificatePage,
    CertificateRead,
    CertificateUpdate,
)
from registry.certificates.service import CertificateRefused
from tzsb_common.days import QueryDay
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

router = feature_router("/certificates", tags=["personnel certificates 作业人员证"])


class _CertificateCursor(BaseModel):
    number: str


def _refused(exc: CertificateRefused) -> ValidationFailed:
    return ValidationFailed(
        [field_error(["body", *v.field], v.message, v.code) for v in exc.violations]
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificateRead,
    responses=CREATED_RESPONSES,
)
async def create_certificate(
    _: CertificateWriter, data: CertificateCreate, database: CurrentDatabase, outbox: CurrentOutbox
) -> Response:
    """登记作业人员证 — the bureau's answer shows the identity number in full."""
    try:
        record = await service.create_certificate(database, outbox, data=data)
    except CertificateRefused as exc:
        raise _refused(exc) from None
    return record_response(record, status_code=status.HTTP_201_CREATED, version=record.version)


@router.get(
    "/{number}",
    response_model=CertificateRead,
    responses=READ_RESPONSES,
)
async def get_certificate(
    record: ReadableCertificate,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    return record_or_not_modified(record, version=record.version, if_none_match=if_none_match)


@router.get("", response_model=CertificatePage)
async def list_certificates(
    scope: CertificateReader,
    database: CurrentDatabase,
    employer_id: Annotated[uuid.UUID | None, Query(description="聘用单位")] = None,
    item: Annotated[CertificateItem | None, Query(description=ITEM_DESCRIPTION)] = None,
    valid_on: Annotated[QueryDay | None, Query(description="在该日有效")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> Response:
    if scope.employer_id is not None:
        if employer_id not in (None, scope.employer_id):
            raise Forbidden("an employer lists only its own workers' certificates")
        employer_id = scope.employer_id
    after = decode_cursor_as(cursor, _CertificateCursor).number if cursor else None
    items = await service.list_certificates(
        database,
        employer_id=employer_id,
        item=item,
        valid_on=valid_on,
        after_number=after,
        limit=limit + 1,
    )
    page, next_cursor = keyset_page(items, limit, lambda c: {"number": c.number})
    return record_response(
        CertificatePage(items=[scope.shown(c) for c in page], next_cursor=next_cursor)
    )


@router.patch(
    "/{number}",
    response_model=CertificateRead,
    responses=CONDITIONAL_WRITE_RESPONSES,
)
async def change_certificate(
    _: CertificateWriter,
    number: CertificateNumber,
    changes: CertificateUpdate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    if_match: Annotated[
        str | None,
        Header(description='Change only if the certificate is still at this version, e.g. "v1"'),
    ] = None,
) -> Response:
    """变更作业人员证 — renewal (复审), a new employer, the holder's name."""
    try:
        record = await service.change_certificate(
            database,
            outbox,
            number=number,
            changes=changes,
            expected_versions=matching_versions(if_match),
        )
    except CertificateRefused as exc:
        raise _refused(exc) from None
    return record_response(record, version=record.version)
