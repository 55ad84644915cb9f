"""Answers for single records: serialised once, with a version validator.

A route that returns a pydantic model makes FastAPI validate it against the response model and
then serialise it — twice the work for a model we built ourselves. Routes on hot paths return
`record_response(model)` instead (the decorator's `response_model` still documents the shape).

Every single-record answer carries an `ETag` derived from the record's version, and writes honour
`If-Match` (RFC 9110 §13.1.1): a client that read version 3 and sends `If-Match: "v3"` changes
the record only if nobody changed it since, else gets 412 — no lost update.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

_ENTITY_TAG = re.compile(r'\s*(?:W/)?"v(\d{1,18})"\s*')

ANY_VERSION: frozenset[int] = frozenset()
"""`If-Match: *` — any current version matches (the record must exist)."""


ETAG_HEADER: dict[str, Any] = {
    "ETag": {"description": 'The record\'s version, e.g. "v3"; send it back in `If-Match`.'}
}
STALE_VERSION: dict[int | str, dict[str, Any]] = {
    412: {"description": "`If-Match` names a version that is no longer current"},
}
CREATED_RESPONSES: dict[int | str, dict[str, Any]] = {201: {"headers": ETAG_HEADER}}
"""OpenAPI `responses` of a create that answers the new record."""
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": ETAG_HEADER},
    304: {"description": "`If-None-Match` names the current version"},
}
"""OpenAPI `responses` of a single-record read (`record_or_not_modified`)."""
CONDITIONAL_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": ETAG_HEADER},
    **STALE_VERSION,
}
"""OpenAPI `responses` of a change that honours `If-Match` and answers the record."""


def version_etag(version: int) -> str:
    return f'"v{version}"'


def record_response(
    record: BaseModel, *, status_code: int = 200, version: int | None = None
) -> Response:
    headers = {"ETag": version_etag(version)} if version is not None else None
    return Response(
        record.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def record_or_not_modified(
    record: BaseModel, *, version: int, if_none_match: str | None
) -> Response:
    """A single-record read: 304 with the ETag when the client's copy is current, else the
    record."""
    if none_match(if_none_match, version):
        return Response(status_code=304, headers={"ETag": version_etag(version)})
    return record_response(record, version=version)


def matching_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions an `If-Match` header accepts; None without the header, `ANY_VERSION` for
    `*`. A tag we never issued matches nothing (an empty set would mean any, so it is {-1})."""
    if if_match is None:
        return None
    if if_match.strip() == "*":
        return ANY_VERSION
    versions = set()
    for tag in if_match.split(","):
        match = _ENTITY_TAG.fullmatch(tag)
        if match is not None:
            versions.add(int(match.group(1)))
    return frozenset(versions) or frozenset({-1})


def none_match(if_none_match: str | None, version: int) -> bool:
    """True when `If-None-Match` names the current version: the client's copy is fresh (304)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(
        (match := _ENTITY_TAG.fullmatch(tag)) is not None and int(match.group(1)) == version
        for tag in if_none_match.split(",")
    )
