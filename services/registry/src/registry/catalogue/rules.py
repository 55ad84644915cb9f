"""Pure decisions about the catalogue: which varieties this register takes one by one, and how
the flat reference tables read as a tree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from registry.equipment.catalogue import is_gas_cylinder


def registered_here(variety: str) -> bool:
    """Every variety but the gas cylinders (气瓶), which the cylinder-trace service registers."""
    return not is_gas_cylinder(variety)


def varieties_by_category(
    varieties: Iterable[Mapping[str, Any]],
) -> dict[str, list[Mapping[str, Any]]]:
    """The varieties of each category, in the order given."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for variety in varieties:
        grouped.setdefault(variety["category"], []).append(variety)
    return grouped
