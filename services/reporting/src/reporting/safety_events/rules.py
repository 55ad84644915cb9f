"""Pure decisions of the hazard and rescue read models: how the events of one record, in any
order and any number of times, fold into one row.

Each event of a lifecycle knows some columns (an order its number, a closing its time) and
which step of the lifecycle it stands for. A chunk's events of one record are merged in Python
(ON CONFLICT cannot touch one row twice in a statement) and the result is merged into the
stored row the same way, by SQL: a value known wins over an unknown one, and the state is the
furthest step seen. So a redelivered or late event changes nothing it should not.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any


class HazardStep(IntEnum):
    """The hazard lifecycle (DOMAIN.md): open → order issued → rectified → closed (销号)."""

    open = 0
    order_issued = 1
    rectified = 2
    closed = 3


class RescueStep(IntEnum):
    """困人救援: dispatched → acknowledged (响应) → arrived (到达) → released (解困)."""

    dispatched = 0
    acknowledged = 1
    arrived = 2
    released = 3


@dataclass(frozen=True)
class Sighting:
    """What one event says about one record: the step it stands for and the columns it knows
    (None: does not say)."""

    key: Hashable
    step: IntEnum
    columns: Mapping[str, Any] = field(default_factory=dict)


EARLIEST_COLUMNS = frozenset({"overdue_on"})
"""Columns where, of two known values, the earlier is kept: a hazard is overdue since the
first scan that found it so."""

ANY_TRUE_COLUMNS = frozenset({"acknowledgement_overdue"})
"""Flags that, once raised by some event, stay raised."""


def _merge_value(name: str, held: Any, seen: Any) -> Any:
    if seen is None:
        return held
    if held is None:
        return seen
    if name in EARLIEST_COLUMNS:
        earliest: date = min(held, seen)
        return earliest
    if name in ANY_TRUE_COLUMNS:
        return bool(held) or bool(seen)
    return seen


def fold(sightings: Iterable[Sighting], columns: Iterable[str]) -> list[dict[str, Any]]:
    """One row per record: every column in `columns` (None where no event said), `state` and
    `state_rank` of the furthest step seen; in key order, a stable lock order."""
    names = tuple(columns)
    rows: dict[Hashable, dict[str, Any]] = {}
    steps: dict[Hashable, IntEnum] = {}
    for sighting in sightings:
        row = rows.setdefault(sighting.key, dict.fromkeys(names))
        for name, value in sighting.columns.items():
            row[name] = _merge_value(name, row[name], value)
        held = steps.get(sighting.key)
        if held is None or sighting.step > held:
            steps[sighting.key] = sighting.step
    folded = []
    for key in sorted(rows, key=str):
        step = steps[key]
        folded.append({**rows[key], "state": step.name, "state_rank": int(step)})
    return folded
