"""The equipment import: a register of thousands of rows in, one answer per row out.

Every row is validated exactly as `POST /api/v1/equipment` validates a body — the same create
schema in strict JSON mode, then `equipment.service.check_new_equipment` — and the valid rows of
a chunk are written in one transaction with one `created` event each, through the bulk-write
primitive (COPY for the keys and the rows, one statement for the events). A chunk is written
whole or not at all; the chunks before it stay.

Codes already registered: a row whose code is in the registry is refused `duplicate_code` —
unless an earlier import stored this very row (same code, same values). That row is answered
`imported` again, `replayed`, and nothing is written: a file uploaded again after a lost
answer, or after an interrupted import, imports what is missing and repeats nothing. A code
repeated within one file is refused on its later rows.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from registry.equipment import service as equipment_service
from registry.equipment.schemas import EquipmentCreate, EquipmentRead
from registry.equipment.service import EquipmentRefused
from registry.equipment_import import queries
from registry.equipment_import.rules import (
    CodesSeen,
    FileProblem,
    Header,
    ImportReason,
    RowDraft,
    RowError,
    UseUnits,
    draft_row,
    find_header,
    resolve_use_unit,
    row_key,
    schema_errors,
)
from registry.equipment_import.schemas import RowErrorRead, RowResult, RowStatus
from registry.equipment_import.sheets import Sheet, UnreadableFile, read_sheet
from tzsb_common.bulk import BulkItem, Outcome
from tzsb_common.contracts.registry import EquipmentCreatedV1
from tzsb_common.events import CloudEvent
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, connect_outside_pool
from tzsb_common.problems import is_unstorable_value
from tzsb_common.settings import ServiceSettings

_IMPORTED = Outcome(status=RowStatus.imported.value)
_ATTEMPTS = 3
"""A chunk is looked at again when a code it writes was registered meanwhile."""


class ImportRefused(Exception):
    """The file as a whole cannot be imported (unreadable, no header, columns missing)."""

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class TooManyRows(Exception):
    def __init__(self, rows: int, max_rows: int) -> None:
        super().__init__(f"the sheet has {rows} rows below its header; at most {max_rows} may be")
        self.rows = rows
        self.max_rows = max_rows


class ChunkFailed(Exception):
    """A chunk could not be written; the chunks before it are stored, nothing of it is."""

    def __init__(self, first_row: int, cause: BaseException) -> None:
        super().__init__(f"rows from {first_row} on were not imported: {type(cause).__name__}")
        self.first_row = first_row


@dataclass(frozen=True)
class PreparedImport:
    """An upload read far enough to know its columns and its size; nothing written yet."""

    sheet: Sheet
    header: Header

    @property
    def rows_total(self) -> int:
        return self.sheet.row_count - self.header.row


@dataclass(frozen=True)
class ChunkDone:
    results: list[RowResult]
    rows_done: int
    """Sheet rows below the header handled so far, empty ones included."""


def _prepare(content: bytes, charset: str | None, max_unpacked_bytes: int) -> PreparedImport:
    try:
        sheet = read_sheet(content, charset=charset, max_unpacked_bytes=max_unpacked_bytes)
        first_rows = []
        for numbered in sheet.rows():
            first_rows.append(numbered)
            if len(first_rows) == 10:
                break
    except UnreadableFile as exc:
        raise ImportRefused(FileProblem(ImportReason.unreadable_file, str(exc))) from None
    if not first_rows:
        raise ImportRefused(FileProblem(ImportReason.empty_file, "the file has no rows"))
    header = find_header(first_rows)
    if isinstance(header, FileProblem):
        raise ImportRefused(header)
    return PreparedImport(sheet, header)


async def prepare_import(
    content: bytes,
    *,
    charset: str | None = None,
    max_rows: int | None = None,
    max_unpacked_bytes: int,
) -> PreparedImport:
    """Read the upload (in a worker thread: a large sheet takes a while) and find its header;
    `ImportRefused` or `TooManyRows` before anything is written."""
    prepared = await asyncio.to_thread(_prepare, content, charset, max_unpacked_bytes)
    if max_rows is not None and prepared.rows_total > max_rows:
        raise TooManyRows(prepared.rows_total, max_rows)
    return prepared


async def import_equipment(
    settings: ServiceSettings, outbox: Outbox, prepared: PreparedImport, *, chunk_size: int
) -> AsyncIterator[ChunkDone]:
    """Import chunk by chunk, yielding each chunk's answers once it is committed. Raises
    `ChunkFailed` when a chunk cannot be written (the database went away, …).

    The import runs on a connection of its own (`connect_outside_pool`): a long import holds
    none of the pool's connections, and COPY needs its codecs."""
    header = prepared.header
    seen = CodesSeen()
    rows = _rows_below(prepared)
    rows_done = 0
    try:
        conn = await connect_outside_pool(settings)
    except Exception as exc:
        raise ChunkFailed(header.row + 1, exc) from exc
    try:
        while True:
            drafts, consumed = await asyncio.to_thread(_next_drafts, header, rows, chunk_size)
            if not consumed:
                return
            first_row = drafts[0].row if drafts else header.row + rows_done + 1
            rows_done += consumed
            _refuse_repeated_codes(header, drafts, seen)
            try:
                results = await _write_drafts(conn, outbox, header, drafts)
            except Exception as exc:
                raise ChunkFailed(first_row, exc) from exc
            yield ChunkDone(sorted(results, key=lambda r: r.row), rows_done)
    finally:
        await conn.close(timeout=settings.database_command_timeout_s)


def _refuse_repeated_codes(header: Header, drafts: Sequence[RowDraft], seen: CodesSeen) -> None:
    for draft in drafts:
        code = draft.equipment_code
        first = seen.repeat_of(code, draft.row) if code is not None else None
        if first is not None:
            draft.errors.append(
                RowError(
                    header.header_of(("equipment_code",)),
                    ImportReason.duplicate_code,
                    f"row {first} of this file has the same code",
                )
            )


def _rows_below(prepared: PreparedImport) -> Iterator[tuple[int, Sequence[Any]]]:
    for number, cells in prepared.sheet.rows():
        if number > prepared.header.row:
            yield number, cells


def _next_drafts(
    header: Header, rows: Iterator[tuple[int, Sequence[Any]]], chunk_size: int
) -> tuple[list[RowDraft], int]:
    drafts: list[RowDraft] = []
    consumed = 0
    for number, cells in rows:
        consumed += 1
        draft = draft_row(header, number, cells)
        if draft is not None:
            drafts.append(draft)
            if len(drafts) == chunk_size:
                break
    return drafts, consumed


async def _write_drafts(
    conn: Connection, outbox: Outbox, header: Header, drafts: list[RowDraft]
) -> list[RowResult]:
    """One transaction for the chunk. A value the database cannot store (a NUL character)
    fails the whole statement; the chunk is then halved until that row stands alone, so only
    it is refused."""
    if not drafts:
        return []
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with conn.transaction():
                return await _write_chunk(conn, outbox, header, drafts)
        except Exception as exc:
            if queries.is_code_taken_meanwhile(exc) and attempt < _ATTEMPTS:
                continue
            if not is_unstorable_value(exc):
                raise
            if len(drafts) == 1:
                return [_unstorable(drafts[0])]
            middle = len(drafts) // 2
            return [
                *await _write_drafts(conn, outbox, header, drafts[:middle]),
                *await _write_drafts(conn, outbox, header, drafts[middle:]),
            ]
    raise AssertionError("unreachable: the last attempt returns or raises")


@dataclass
class _Checked:
    draft: RowDraft
    errors: list[RowError] = field(default_factory=list)
    values: dict[str, Any] | None = None
    """What `check_new_equipment` made of a valid row."""
    key: str = ""


async def _write_chunk(
    conn: Connection, outbox: Outbox, header: Header, drafts: Sequence[RowDraft]
) -> list[RowResult]:
    checked = await _check_chunk(conn, header, drafts)
    valid = [(entry, entry.values) for entry in checked if entry.values is not None]
    registered = await queries.registered_codes(
        conn, [values["equipment_code"] for _, values in valid]
    )
    replays = await queries.imported_keys(
        conn, [entry.key for entry, values in valid if values["equipment_code"] in registered]
    )
    results: list[RowResult] = []
    items: list[BulkItem] = []
    new: list[RowDraft] = []
    for entry in checked:
        if entry.values is None:
            results.append(_refused(entry.draft, entry.errors))
            continue
        code = entry.values["equipment_code"]
        if code in registered and entry.key in replays:
            results.append(_imported(entry.draft, replayed=True))
        elif code in registered:
            error = RowError(
                header.header_of(("equipment_code",)),
                ImportReason.duplicate_code,
                f"equipment {code} is already registered",
            )
            results.append(_refused(entry.draft, [error]))
        else:
            record = equipment_service.new_record(entry.values)
            items.append(
                BulkItem(
                    key=entry.key,
                    outcome=_IMPORTED,
                    row=queries.equipment_row(record),
                    events=[_created_event(outbox, record)],
                )
            )
            new.append(entry.draft)
    written = await queries.write_chunk(conn, items, outbox)
    for draft, result in zip(new, written, strict=True):
        # A key taken already: a concurrent import of the same row committed it first.
        results.append(_imported(draft, replayed=result.duplicate))
    return results


async def _check_chunk(
    conn: Connection, header: Header, drafts: Sequence[RowDraft]
) -> list[_Checked]:
    """Each row through the create schema and the registry's checks, with the chunk's use
    units read in one statement per way of naming them."""
    credit_codes = sorted({d.use_unit_credit_code for d in drafts if d.use_unit_credit_code})
    names = sorted(
        {d.use_unit_name for d in drafts if d.use_unit_name and not d.use_unit_credit_code}
    )
    units = UseUnits(
        await queries.use_units_by_credit_code(conn, credit_codes),
        await queries.use_units_by_name(conn, names),
    )
    named_ids = {u for d in drafts if (u := _uuid(d.document.get("use_unit_id"))) is not None}
    kinds = await queries.organisation_kinds(conn, sorted(named_ids))
    kinds.update(
        {unit: "use_unit" for unit in units.by_credit_code.values()}
        | {ids[0]: "use_unit" for ids in units.by_name.values() if len(ids) == 1}
    )
    checked: list[_Checked] = []
    for draft in drafts:
        entry = _Checked(draft, list(draft.errors))
        checked.append(entry)
        document = draft.document
        if "use_unit_id" not in document:
            unit, problem = resolve_use_unit(header, draft, units)
            if problem is not None:
                entry.errors.append(problem)
            elif unit is not None:
                document = {**document, "use_unit_id": unit}
        try:
            data = EquipmentCreate.model_validate_json(json.dumps(document))
        except ValidationError as exc:
            entry.errors.extend(schema_errors(header, entry.errors, exc.errors(include_url=False)))
            continue
        if entry.errors:
            continue
        try:
            values = await equipment_service.check_new_equipment(
                conn, data, organisation_kinds=kinds
            )
        except EquipmentRefused as refused:
            entry.errors.extend(
                RowError(header.header_of(v.field), v.code, v.message) for v in refused.violations
            )
            continue
        entry.values = values
        entry.key = row_key(values)
    return checked


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _created_event(outbox: Outbox, record: EquipmentRead) -> tuple[CloudEvent, str]:
    """The event `POST /api/v1/equipment` writes for a new record."""
    payload = EquipmentCreatedV1(equipment=equipment_service.to_snapshot(record))
    event = payload.to_event(source=outbox.settings.service_name, subject=record.equipment_code)
    return event, payload.topic


def _imported(draft: RowDraft, *, replayed: bool) -> RowResult:
    return RowResult(
        row=draft.row,
        status=RowStatus.imported,
        equipment_code=draft.equipment_code,
        replayed=replayed,
    )


def _refused(draft: RowDraft, errors: Sequence[RowError]) -> RowResult:
    return RowResult(
        row=draft.row,
        status=RowStatus.refused,
        equipment_code=draft.equipment_code,
        errors=[RowErrorRead(field=e.field, code=e.code, message=e.message) for e in errors],
    )


def _unstorable(draft: RowDraft) -> RowResult:
    error = RowError(
        "row",
        ImportReason.unstorable_value,
        "a value of this row cannot be stored (for example a NUL character in text)",
    )
    return _refused(draft, [error])
