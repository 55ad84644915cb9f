"""Who may read which supervision order: the bureau and government systems every one, a unit
the orders addressed to it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from inspection.orders import service
from inspection.orders.schemas import OrderRead
from tzsb_common.auth import CallerKind, CurrentPrincipal, Principal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import NotFound

_READ_ALL = frozenset({CallerKind.bureau, CallerKind.government_system})


def addressee_filter(principal: Principal) -> uuid.UUID | None:
    """None: every order. Any other organisation sees the orders addressed to it."""
    return None if principal.kind in _READ_ALL else principal.organisation_id


def may_read(principal: Principal, order: OrderRead) -> bool:
    """A unit sees an order once it is issued to it: a draft (of the due workflow) is the
    bureau's working paper until a number is given."""
    if principal.kind in _READ_ALL:
        return True
    return order.status == "issued" and principal.organisation_id in (
        order.unit_id,
        order.use_unit_id,
    )


async def _readable_order(
    order_id: Annotated[uuid.UUID, Path(description="监察指令书 id")],
    principal: CurrentPrincipal,
    database: CurrentDatabase,
) -> OrderRead:
    order = await service.get_order(database, order_id=order_id)
    if order is None or not may_read(principal, order):
        raise NotFound(f"no supervision order {order_id}")
    return order


ReadableOrder = Annotated[OrderRead, Depends(_readable_order)]
"""The order named in the path, if this caller may see it; 404 otherwise."""


async def _order_reader(principal: CurrentPrincipal) -> uuid.UUID | None:
    return addressee_filter(principal)


OrderReader = Annotated[uuid.UUID | None, Depends(_order_reader)]
"""Whose orders this caller lists: None for all (the bureau, government systems)."""
