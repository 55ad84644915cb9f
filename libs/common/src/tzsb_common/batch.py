"""Ingestion endpoints take one item or a batch; a batch over the limit is a 413 problem.

Maintenance companies and filling stations post what their terminals collected offline, in
batches of up to `settings.max_batch_items` (1,000 by default, ARCHITECTURE.md "HTTP").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tzsb_common.problems import Problem

Item = TypeVar("Item")


class BatchTooLarge(Problem):
    def __init__(self, *, items: int, max_items: int) -> None:
        super().__init__(
            status=413,
            slug="batch-too-large",
            title="Batch too large",
            detail=f"a batch holds at most {max_items} items; this one has {items}",
            max_items=max_items,
            items=items,
        )


def as_batch(body: Item | Sequence[Item], *, max_items: int) -> tuple[list[Item], bool]:
    """The items of a one-or-many body, and whether it was a batch (the answer mirrors it)."""
    if isinstance(body, Sequence) and not isinstance(body, str | bytes):
        items = list(body)
        if len(items) > max_items:
            raise BatchTooLarge(items=len(items), max_items=max_items)
        return items, True
    return [body], False
