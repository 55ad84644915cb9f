"""`tzsb import equipment FILE` (`python -m tzsb_platform import equipment FILE`) runs this.

It imports through the same service code as `POST /api/v1/equipment/import`, straight against
the registry's database (DATABASE_URL, read like the service reads it); the running registry's
relay publishes the `created` events, or does so when it next starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from registry.db import load_metadata, outbox
from registry.equipment_import import service
from registry.equipment_import.schemas import RowResult, RowStatus
from registry.equipment_import.service import ChunkFailed, ImportRefused
from registry.settings import RegistrySettings
from tzsb_common.outbox import Outbox

__all__ = ["ChunkFailed", "ImportRefused", "ImportReport", "run"]

Progress = Callable[[int, int], None]
"""Called after each chunk with the rows done and the rows in the file."""


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    replayed: int = 0
    refused: list[RowResult] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    stopped: ChunkFailed | None = None
    """Set when a chunk could not be written: the chunks before it are stored."""


async def run(
    settings: RegistrySettings,
    path: Path,
    *,
    chunk_size: int | None = None,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import the register at `path`. Raises `ImportRefused` for a file that is not one."""
    load_metadata()
    content = await asyncio.to_thread(path.read_bytes)
    prepared = await service.prepare_import(
        content, max_unpacked_bytes=settings.import_max_unpacked_bytes
    )
    del content
    report = ImportReport(ignored_columns=prepared.header.ignored)
    try:
        async for chunk in service.import_equipment(
            settings,
            Outbox(outbox, settings),
            prepared,
            chunk_size=chunk_size or settings.import_chunk_size,
        ):
            for result in chunk.results:
                report.rows += 1
                if result.status is RowStatus.imported:
                    report.imported += 1
                    report.replayed += result.replayed
                else:
                    report.refused.append(result)
            if on_progress is not None:
                on_progress(chunk.rows_done, prepared.rows_total)
    except ChunkFailed as failed:
        report.stopped = failed
    return report
