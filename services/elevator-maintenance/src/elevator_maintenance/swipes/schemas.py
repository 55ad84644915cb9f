"""The ingestion contract of `POST /api/v1/swipes` (other systems are built against it).

A body is one swipe or `{"swipes": [...]}`. A malformed item fails alone (reason `invalid`, its
field named) and the others are processed, so the body is not validated as one model: it is
validated whole first (the common case: everything is well formed, one pass in pydantic's JSON
mode), and only when that fails item by item.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter, ValidationError

from elevator_maintenance.visits.rules import VisitKind
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class SwipeKind(StrEnum):
    start = "start"  # 开始
    end = "end"  # 结束


class SwipeSource(StrEnum):
    app = "app"  # 手机 APP (GPS)
    terminal = "terminal"  # 刷卡终端
    qr = "qr"  # 扫码


class SwipeIn(StrictModel):
    swipe_id: str = Field(
        min_length=1, max_length=100, description="the client's own id, unique per company"
    )
    equipment_code: str = Field(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    certificate_number: str = Field(
        min_length=1, max_length=64, description="作业人员证编号 of the worker"
    )
    kind: SwipeKind = Field(description="start 开始 | end 结束")
    at: AwareDatetime = Field(description="RFC 3339 timestamp with offset")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS-84")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS-84")
    source: SwipeSource | None = Field(default=None, description="app | terminal | qr")
    visit_kind: VisitKind | None = Field(
        default=None,
        description="半月 half_monthly | 季度 quarterly | 半年 half_yearly | 年度 yearly "
        "(the visit's kind; optional)",
    )


class SwipeBatch(StrictModel):
    swipes: list[SwipeIn] = Field(max_length=1000, description="at most 1,000")


SwipeStatus = Literal["accepted", "rejected", "duplicate"]


class SwipeResult(BaseModel):
    swipe_id: str | None = Field(description="null only for an item without a usable swipe_id")
    status: SwipeStatus
    reasons: list[str] = Field(description="reason codes, all that apply")
    first_status: Literal["accepted", "rejected"] | None = Field(
        default=None, description="for a duplicate: what the first arrival was answered"
    )
    field: str | None = Field(default=None, description="for reason `invalid`: the field")
    detail: str | None = Field(default=None, description="for reason `invalid`: what is wrong")


class SwipeResults(BaseModel):
    results: list[SwipeResult] = Field(description="one per swipe, in the order sent")


@dataclass(frozen=True, slots=True)
class InvalidSwipe:
    swipe_id: str | None
    field: str
    detail: str


class BodyShapeError(ValueError):
    """The body is neither a swipe nor a batch of them: the whole request is refused."""

    def __init__(self, location: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


_ONE = TypeAdapter(SwipeIn)
_MANY = TypeAdapter(SwipeBatch)
_ABSENT = object()


def _field_of(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _invalid(item: Any, error: Any) -> InvalidSwipe:
    swipe_id = item.get("swipe_id") if isinstance(item, dict) else None
    return InvalidSwipe(
        swipe_id=swipe_id if isinstance(swipe_id, str) and swipe_id else None,
        field=_field_of(tuple(error["loc"])),
        detail=str(error["msg"]),
    )


def _one_by_one(items: list[Any]) -> list[SwipeIn | InvalidSwipe]:
    read: list[SwipeIn | InvalidSwipe] = []
    for item in items:
        try:
            # Its own JSON text: validated in JSON mode like the body, so a timestamp is read
            # from its RFC 3339 string and nothing else is coerced.
            read.append(_ONE.validate_json(json.dumps(item), strict=True))
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False, include_context=False)
            read.append(_invalid(item, errors[0]))
    return read


def read_swipes(
    raw: bytes, document: Any, *, max_items: int
) -> tuple[list[SwipeIn | InvalidSwipe], bool, int]:
    """The items of a body already parsed as JSON (`document`), each a swipe or why it is not,
    whether it was a batch, and the item count (checked against `max_items` by the caller)."""
    if not isinstance(document, dict):
        raise BodyShapeError(("body",), 'send one swipe or {"swipes": [...]}')
    batch = document.get("swipes", _ABSENT)
    if batch is _ABSENT:
        try:
            return [_ONE.validate_json(raw, strict=True)], False, 1
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False, include_context=False)
            return [_invalid(document, errors[0])], False, 1
    if not isinstance(batch, list):
        raise BodyShapeError(("body", "swipes"), "a list of swipes")
    if len(document) > 1:
        extra = next(key for key in document if key != "swipes")
        raise BodyShapeError(("body", extra), "Extra inputs are not permitted")
    if len(batch) > max_items:
        return [], True, len(batch)
    try:
        return list(_MANY.validate_json(raw, strict=True).swipes), True, len(batch)
    except ValidationError:
        return _one_by_one(batch), True, len(batch)


def _inline_refs(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {k: _inline_refs(v, definitions) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, definitions) for v in schema]
    return schema


def request_body_openapi() -> dict[str, Any]:
    """The body as the document shows it: one swipe, or a batch of them."""
    schema = TypeAdapter(SwipeIn | SwipeBatch).json_schema()
    body = _inline_refs(schema, schema.get("$defs", {}))
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    }


class SwipeRead(BaseModel):
    company_id: uuid.UUID = Field(description="维保单位")
    swipe_id: str
    equipment_code: str
    certificate_number: str
    kind: SwipeKind
    at: datetime
    lat: float | None
    lon: float | None
    source: SwipeSource | None
    visit_kind: VisitKind | None
    status: Literal["accepted", "rejected"]
    reasons: list[str]
    received_at: datetime


SwipePage = Page[SwipeRead]


class SwipeCursor(BaseModel):
    at: datetime
    company_id: uuid.UUID
    swipe_id: str
