"""HTTP for the equipment import: authorise, read the upload within its limits, answer per row
as JSON or as a stream of NDJSON lines."""

from __future__ import annotations

import email.message
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from registry.equipment.access import EquipmentWriter
from registry.equipment_import import service
from registry.equipment_import.schemas import (
    NDJSON_MEDIA_TYPE,
    UPLOAD_MEDIA_TYPES,
    ErrorLine,
    ImportAnswer,
    ImportSummary,
    ProgressLine,
    RowLine,
    RowResult,
    RowStatus,
    SummaryLine,
)
from registry.equipment_import.service import (
    ChunkFailed,
    ImportRefused,
    PreparedImport,
    TooManyRows,
)
from registry.settings import RegistrySettings
from tzsb_common.logging import get_logger
from tzsb_common.outbox import CurrentOutbox, Outbox
from tzsb_common.problems import (
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    ValidationFailed,
    field_error,
    is_database_unavailable,
)
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/equipment", tags=["equipment 设备"])
_log = get_logger(__name__)

IMPORT_PATH = "/api/v1/equipment/import"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
_UPLOAD_SCHEMA = {"type": "string", "format": "binary"}
_NDJSON_DESCRIPTION = (
    "With `Accept: application/x-ndjson`: one JSON object per line as the import goes — after "
    'each chunk a `{"type": "progress", …}` line and that chunk\'s `{"type": "row", …}` lines, '
    'at the end a `{"type": "summary", …}` line, or an `{"type": "error", …}` line when a '
    "chunk could not be written (the chunks before it are stored)."
)


_DESCRIPTION = (
    "Every row is validated as `POST /api/v1/equipment` validates a record; the valid rows are "
    "stored in chunks (`IMPORT_CHUNK_SIZE`), each with its `created` event, each chunk whole or "
    "not at all. A row whose code is registered already is refused `duplicate_code`, unless "
    "this very row was imported before: then it is answered `imported` and `replayed`, and "
    "nothing is written, so uploading a file again is safe. A code repeated within the file is "
    "refused on its later rows. Limits: `IMPORT_MAX_BYTES`, `IMPORT_MAX_ROWS` (413).\n\n"
    + _NDJSON_DESCRIPTION
)


@router.post(
    "/import",
    response_model=ImportAnswer,
    summary="批量导入设备 — import a register (CSV or Excel)",
    description=_DESCRIPTION,
    responses={
        200: {
            "description": "One answer per row; or, as NDJSON, progress and rows as they go",
            "content": {NDJSON_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        415: {"description": "Not a CSV or a workbook", "content": _PROBLEM},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": (
                "The register itself as the body: CSV (UTF-8 with or without BOM, GB18030, or "
                "UTF-16 tab-separated) or a workbook (XLSX, XLS, ODS; its first sheet). The "
                "header row — found among the first 10 rows — names the columns in Chinese "
                "(设备代码, 设备品种, 使用单位统一社会信用代码 or 使用单位, 省, 市, 区县, 园区, "
                "制造单位, 出厂编号, 制造日期, 投入使用日期, 设备地址, 纬度, 经度, 使用登记证编号, "
                "额定载重量, 额定速度, 层站数, 安全状况等级, …) or by the JSON field names of "
                "`POST /api/v1/equipment`. Unknown columns are ignored and listed."
            ),
            "content": {
                media_type: {"schema": _UPLOAD_SCHEMA} for media_type in UPLOAD_MEDIA_TYPES
            },
        }
    },
)
async def import_equipment(_: EquipmentWriter, request: Request, outbox: CurrentOutbox) -> Response:
    """The caller's kind is checked before a byte of the upload is read."""
    settings: RegistrySettings = request.app.state.settings
    charset = _upload_charset(request.headers.get("content-type"))
    content = await _read_upload(request, settings.import_max_bytes)
    try:
        prepared = await service.prepare_import(
            content,
            charset=charset,
            max_rows=settings.import_max_rows,
            max_unpacked_bytes=settings.import_max_unpacked_bytes,
        )
    except ImportRefused as refused:
        problem = refused.problem
        locations = [["body", column] for column in problem.columns] or [["body"]]
        raise ValidationFailed(
            [field_error(location, problem.message, problem.code) for location in locations],
            detail=problem.message,
        ) from None
    except TooManyRows as exc:
        raise PayloadTooLarge(str(exc), max_rows=exc.max_rows, rows=exc.rows) from None
    del content
    if NDJSON_MEDIA_TYPE in request.headers.get("accept", ""):
        return StreamingResponse(
            _ndjson(settings, outbox, prepared),
            media_type=NDJSON_MEDIA_TYPE,
        )
    return record_response(await _answer(settings, outbox, prepared))


@router.api_route(
    "/import",
    methods=["GET", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def other_methods_on_import() -> Response:
    """/equipment/import would otherwise be taken for a record's path, /equipment/{code}."""
    problem = Problem(
        status=405,
        slug="method-not-allowed",
        title="Method not allowed",
        detail="The import takes POST only.",
    )
    problem.headers["Allow"] = "POST"
    raise problem


def _upload_charset(content_type: str | None) -> str | None:
    """The declared charset of a CSV; 415 for a body that is not a register."""
    if content_type is None:
        raise _unsupported()
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_type() not in UPLOAD_MEDIA_TYPES:
        raise _unsupported()
    charset = message.get_param("charset")
    return charset if isinstance(charset, str) else None


def _unsupported() -> Problem:
    return Problem(
        status=415,
        slug="unsupported-media-type",
        title="Unsupported media type",
        detail="Send the register itself as the body: text/csv or an Excel workbook "
        f"({', '.join(UPLOAD_MEDIA_TYPES)}).",
    )


async def _read_upload(request: Request, max_bytes: int) -> bytes:
    """The body, read only now that the caller may import; 413 past `max_bytes`."""
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
        raise ValidationFailed.at(["body"], "the body is empty: send the file", "empty_file")
    return b"".join(parts)


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The upload exceeds the limit of {max_bytes} bytes (IMPORT_MAX_BYTES).",
        max_bytes=max_bytes,
    )


async def _answer(
    settings: RegistrySettings, outbox: Outbox, prepared: PreparedImport
) -> ImportAnswer:
    rows: list[RowResult] = []
    try:
        async for chunk in service.import_equipment(
            settings, outbox, prepared, chunk_size=settings.import_chunk_size
        ):
            rows.extend(chunk.results)
    except ChunkFailed as failed:
        cause = failed.__cause__
        if cause is None or not is_database_unavailable(cause):
            raise
        raise ServiceUnavailable(
            f"The database went away at row {failed.first_row}; the rows before it are "
            "stored. Upload the file again: rows already imported are recognised.",
            slug="database-unavailable",
            retry_after_s=5,
            first_row_not_imported=failed.first_row,
        ) from None
    return ImportAnswer(summary=_summary(prepared, rows), rows=rows)


async def _ndjson(
    settings: RegistrySettings, outbox: Outbox, prepared: PreparedImport
) -> AsyncIterator[bytes]:
    imported = refused = replayed = rows = 0
    try:
        async for chunk in service.import_equipment(
            settings, outbox, prepared, chunk_size=settings.import_chunk_size
        ):
            for result in chunk.results:
                rows += 1
                replayed += result.replayed
                if result.status is RowStatus.imported:
                    imported += 1
                else:
                    refused += 1
            yield _line(
                ProgressLine(
                    rows_done=chunk.rows_done,
                    rows_total=prepared.rows_total,
                    imported=imported,
                    refused=refused,
                )
            )
            for result in chunk.results:
                yield _line(RowLine(**dict(result)))
    except ChunkFailed as failed:
        # The answer has begun (200): the failure can only be told in the stream, and logged.
        _log.error("equipment import stopped", first_row=failed.first_row, exc_info=failed)
        message = (
            f"rows from {failed.first_row} on were not imported; the rows before are stored. "
            "Upload the file again: rows already imported are recognised."
        )
        yield _line(ErrorLine(row=failed.first_row, message=message))
        return
    yield _line(
        SummaryLine(
            rows=rows,
            imported=imported,
            replayed=replayed,
            refused=refused,
            header_row=prepared.header.row,
            ignored_columns=list(prepared.header.ignored),
        )
    )


def _line(model: Any) -> bytes:
    return model.model_dump_json().encode() + b"\n"  # type: ignore[no-any-return]


def _summary(prepared: PreparedImport, rows: list[RowResult]) -> ImportSummary:
    imported = sum(1 for r in rows if r.status is RowStatus.imported)
    return ImportSummary(
        rows=len(rows),
        imported=imported,
        replayed=sum(1 for r in rows if r.replayed),
        refused=len(rows) - imported,
        header_row=prepared.header.row,
        ignored_columns=list(prepared.header.ignored),
    )
