"""How a post's well-formed fills are written: small posts of one station together with the
others waiting at that moment (tzsb_common.coalescing), larger ones alone.

Every fill of a station adds to its day's counts, whose row stays locked from the count to the
commit: written one transaction each, a station's single fills queued on it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from cylinder_trace.fills.schemas import FillAnswer
from cylinder_trace.fills.service import WellFormedFill, WriteFills, write_fills
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.app import LifespanHook
from tzsb_common.coalescing import Coalescer

FillWrites = Coalescer[uuid.UUID, WellFormedFill, FillAnswer]


def _write_alone(app: FastAPI) -> WriteFills:
    async def write(station_id: uuid.UUID, fills: list[WellFormedFill]) -> list[FillAnswer]:
        return await write_fills(
            app.state.bulk_database,
            app.state.outbox,
            app.state.fill_months,
            station_id=station_id,
            fills=fills,
            now=datetime.now(UTC),
        )

    return write


def fill_writes_hook(settings: CylinderTraceSettings) -> LifespanHook:
    """`app.state.fill_writes` while the app runs (after the bulk pool and the fill months)."""

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        writes: FillWrites = Coalescer(
            _write_alone(app),
            max_items=settings.max_batch_items,
            gather_s=settings.fill_coalesce_gather_ms / 1000,
            metric_labels=(settings.service_name, "/api/v1/fills"),
        )
        app.state.fill_writes = writes
        try:
            yield
        finally:
            await writes.stop()

    return hook


async def _fill_writer(request: Request) -> WriteFills:
    app = request.app
    settings: CylinderTraceSettings = app.state.settings
    writes: FillWrites = app.state.fill_writes
    alone = _write_alone(app)

    async def write(station_id: uuid.UUID, fills: list[WellFormedFill]) -> list[FillAnswer]:
        if len(fills) <= settings.fill_coalesce_max_items:
            return await writes.submit(station_id, fills)
        return list(await alone(station_id, fills))

    return write


FillWriter = Annotated[WriteFills, Depends(_fill_writer)]
