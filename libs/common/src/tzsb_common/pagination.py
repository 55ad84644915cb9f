"""Keyset (cursor) pagination with opaque cursors.

A cursor carries the sort key of the last row of a page as base64url JSON. Clients treat it as
opaque; the service decodes it into the `WHERE (key) > (:cursor)` of its next query, so pages
stay stable under concurrent inserts and cost the same however deep a client goes. A tampered
cursor only moves the client's own position in a list it may read anyway, so it is not signed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ValidationError

from tzsb_common.problems import ValidationFailed

DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 500
# A cursor holds a few key columns; anything much longer is not one of ours.
_MAX_CURSOR_LENGTH = 2048
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_CURSOR_LOCATION = ("query", "cursor")

T = TypeVar("T")
Row = TypeVar("Row")
CursorModel = TypeVar("CursorModel", bound=BaseModel)

PageLimit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE_LIMIT,
        description=f"Items per page, at most {MAX_PAGE_LIMIT} (default {DEFAULT_PAGE_LIMIT}).",
    ),
]
"""Use as `limit: PageLimit = DEFAULT_PAGE_LIMIT`."""

PageCursor = Annotated[
    str | None,
    Query(
        max_length=_MAX_CURSOR_LENGTH,
        description="`next_cursor` of the previous page; omit for the first page.",
    ),
]
"""Use as `cursor: PageCursor = None`."""


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    """Pass as `cursor` to get the next page; null on the last page."""


def encode_cursor(values: Mapping[str, Any]) -> str:
    """Datetimes, dates, UUIDs and decimals are written as strings (`str()`, ISO 8601 for
    datetimes); `decode_cursor_as` turns them back into their types."""
    document = json.dumps(dict(values), default=_as_text, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(document.encode()).rstrip(b"=").decode("ascii")


def _as_text(value: Any) -> str:
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    return str(value)


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The values given to `encode_cursor`; a 422 problem at `["query", "cursor"]` otherwise."""
    if len(cursor) > _MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise _malformed_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _malformed_cursor() from None
    if not isinstance(values, dict):
        raise _malformed_cursor()
    return values


def decode_cursor_as(cursor: str, model: type[CursorModel]) -> CursorModel:
    """`decode_cursor` validated into the key model of a list (e.g. `created_at`, `id`), so a
    cursor from another list or a hand-edited one is a 422, not an error in the query."""
    try:
        return model.model_validate(decode_cursor(cursor))
    except ValidationError:
        raise _malformed_cursor() from None


def _malformed_cursor() -> ValidationFailed:
    return ValidationFailed.at(
        _CURSOR_LOCATION,
        "Not a cursor returned by this list; start again without a cursor.",
        code="cursor_invalid",
    )


def keyset_page(
    rows: Sequence[Row], limit: int, key: Callable[[Row], Mapping[str, Any]]
) -> tuple[list[Row], str | None]:
    """Split `limit + 1` fetched rows into a page and the cursor of the next one.

    Fetching one extra row tells whether a next page exists without a count query; the cursor
    is the key of the last row shown, so the next page starts right after it.
    """
    page = list(rows[:limit])
    if len(rows) > limit and page:
        return page, encode_cursor(key(page[-1]))
    return page, None
