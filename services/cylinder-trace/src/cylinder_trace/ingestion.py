"""One item or a batch, answered per item: what the ingestion endpoints share.

A batch must not fail as a whole because one item is malformed (ARCHITECTURE.md, "HTTP"): each
item is typed as its model *or anything*, tried left to right, so the body is still validated
once, strictly, in JSON mode, and an item its model refuses arrives as the raw JSON value. Only
those items are validated again, alone, to name their offending fields.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tzsb_common.problems import FieldError, field_error

M = TypeVar("M", bound=BaseModel)


class ItemError(BaseModel):
    """One offending field of an item, as a 422 problem lists them (tzsb_common.problems)."""

    location: list[str | int]
    field: str
    message: str
    code: str


class RawItem:
    """An item its model refused, as the client sent it, with where it stood in the body."""

    __slots__ = ("location", "value")

    def __init__(self, value: Any, location: tuple[str | int, ...]) -> None:
        self.value = value
        self.location = location

    def text_field(self, name: str) -> str | None:
        """A string field of the item, if it has one (e.g. its `fill_id`, to answer by)."""
        value = self.value.get(name) if isinstance(self.value, dict) else None
        return value if isinstance(value, str) else None


def item_errors(model: type[BaseModel], item: RawItem) -> list[FieldError]:
    """The refused fields of one item, at their place in the body."""
    try:
        model.model_validate_json(json.dumps(item.value), strict=True)
    except ValidationError as exc:
        return [
            field_error(
                ["body", *item.location, *error["loc"]], str(error["msg"]), str(error["type"])
            )
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
    raise AssertionError("an item is raw only when its model refused it")  # pragma: no cover


def split_items(body: Any, *, batch_field: str, model: type[M]) -> tuple[list[M | RawItem], bool]:
    """The items of a one-or-many body (each valid model or a `RawItem`), and whether it was a
    batch."""
    batch = getattr(body, batch_field, None)
    if isinstance(body, BaseModel) and not isinstance(body, model):
        return [
            item if isinstance(item, model) else RawItem(item, (batch_field, index))
            for index, item in enumerate(batch or [])
        ], True
    return [body if isinstance(body, model) else RawItem(body, ())], False
