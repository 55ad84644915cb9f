"""Recording fills: each item judged by the filling rules, the batch written through the
bulk-write primitive in one transaction (keys, rows by COPY, one event per new fill), one
answer per item in the order they came; and reading them back for a recall."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pydantic_core import to_json

from cylinder_trace.cylinders.access import may_read_cylinder
from cylinder_trace.fill_statistics.rules import CountedFill
from cylinder_trace.fill_statistics.service import count_new_fills
from cylinder_trace.fills import queries
from cylinder_trace.fills.months import FillMonths
from cylinder_trace.fills.rules import (
    BatchJudge,
    CertificateFacts,
    CylinderFacts,
    FillFacts,
    FillReason,
    LicenceFacts,
    filled_anyway,
    malformed,
    refused_fill_severity,
    refused_fill_signal_id,
)
from cylinder_trace.fills.schemas import (
    FillAnswer,
    FillCreate,
    FillCursor,
    FillFilter,
    FillPage,
    FillRead,
    FillStatus,
    PostfillChecks,
    PrefillChecks,
)
from cylinder_trace.fills.tables import fill_writer
from cylinder_trace.ingestion import RawItem, item_errors
from tzsb_common.bulk import BulkItem, ItemResult, Outcome
from tzsb_common.contracts.cylinder import FILL_TOPIC, FillAcceptedV1, FillRecord, FillRefusedV1
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.events import CloudEvent, EventDocument
from tzsb_common.ids import uuid7s
from tzsb_common.logging import get_logger
from tzsb_common.outbox import Outbox
from tzsb_common.pagination import decode_cursor_as, keyset_page
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import FieldError, field_error

_log = get_logger(__name__)
_ACCEPTED = Outcome(status=FillStatus.accepted.value)


class FillEventDocuments:
    """The `tzsb.cylinder.fill` events of a batch, serialised straight from the fills.

    The same JSON as `FillAcceptedV1(fill=…)` or `FillRefusedV1(fill=…, reasons=…)`
    `.to_event(…).model_dump_json()` (tests/unit/test_fill_events.py holds them together), at
    a fraction of the cost of three models per fill. One envelope, payload and record are
    refilled for every fill: each is serialised before the next is made.
    """

    def __init__(self, *, source: str, station_id: uuid.UUID, time: datetime, count: int) -> None:
        # In the order of the models' fields: FillRecord, then the CloudEvent envelope. What
        # every event of the batch shares goes in serialised once, as the text it becomes.
        self._record: dict[str, Any] = dict.fromkeys(FillRecord.model_fields)
        self._record["station_id"] = str(station_id)
        self._accepted: dict[str, Any] = {"fill": self._record}
        self._refused: dict[str, Any] = {"fill": self._record, "reasons": []}
        self._envelope: dict[str, Any] = dict.fromkeys(CloudEvent.model_fields)
        self._envelope.update(
            specversion="1.0",
            source=source,
            time=to_json(time).decode()[1:-1],
            datacontenttype="application/json",
        )
        self._ids = iter(uuid7s(count))

    def document(self, fill: FillCreate, reasons: Sequence[str]) -> EventDocument:
        record = self._record
        record["fill_id"] = fill.fill_id
        record["cylinder_code"] = fill.cylinder_code
        record["filler_certificate"] = fill.filler_certificate
        record["medium"] = fill.medium
        record["started_at"] = fill.started_at
        record["ended_at"] = fill.ended_at
        record["prefill_checks_passed"] = fill.prefill_checks.all_passed
        record["postfill_checks_passed"] = fill.postfill_checks.all_passed
        record["filled_mass_kg"] = fill.filled_mass_kg
        record["final_pressure_mpa"] = fill.final_pressure_mpa
        envelope = self._envelope
        event_id = next(self._ids)
        envelope["id"] = str(event_id)  # pydantic serialises a UUID subclass slowly (1 µs)
        envelope["subject"] = fill.cylinder_code
        if reasons:
            self._refused["reasons"] = reasons
            envelope["type"] = FillRefusedV1.event_type
            envelope["data"] = self._refused
        else:
            envelope["type"] = FillAcceptedV1.event_type
            envelope["data"] = self._accepted
        return EventDocument(event_id, fill.cylinder_code, to_json(envelope).decode())


def _row(station_id: uuid.UUID, fill: FillCreate, outcome: Outcome) -> tuple[Any, ...]:
    """In the order of `FILL_COLUMNS`."""
    pre, post = fill.prefill_checks, fill.postfill_checks
    return (
        station_id,
        fill.fill_id,
        fill.cylinder_code,
        fill.filler_certificate,
        fill.medium,
        fill.started_at,
        fill.ended_at,
        pre.appearance,
        pre.residual_pressure,
        pre.valve,
        pre.inspection_mark,
        pre.medium_marking,
        post.leak,
        post.mass_or_pressure,
        post.temperature,
        fill.filled_mass_kg,
        fill.final_pressure_mpa,
        outcome.status,
        list(outcome.reasons),
    )


def _cylinder_facts(row: Mapping[str, Any]) -> CylinderFacts:
    return CylinderFacts(
        medium=row["medium"],
        status=row["status"],
        next_inspection_on=row["next_inspection_on"],
        manufactured_on=row["manufactured_on"],
        design_life_years=row["design_life_years"],
        owner_id=row["owner_id"],
        permitted_fill_kg=row["permitted_fill_kg"],
        life_extension_years=row["life_extension_years"],
    )


def _certificate_facts(row: Mapping[str, Any]) -> CertificateFacts:
    return CertificateFacts(
        item=row["item"],
        employer_id=row["employer_id"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def _refused_fill_signal(
    station_id: uuid.UUID,
    fill: FillCreate,
    reasons: Sequence[FillReason],
    *,
    now: datetime,
    source: str,
) -> HazardSignalV1:
    """拒充仍充装: the station filled a cylinder the filling rules refused."""
    quantity = (
        f"充装量 {fill.filled_mass_kg:g} kg"
        if fill.filled_mass_kg is not None
        else f"充装压力 {fill.final_pressure_mpa:g} MPa"
    )
    return HazardSignalV1(
        signal_id=refused_fill_signal_id(station_id, fill.fill_id),
        kind="refused_fill_filled",
        severity=refused_fill_severity(reasons),
        source_service=source,
        observed_at=now,
        equipment_code=fill.cylinder_code,
        unit_id=station_id,
        description=(
            f"气瓶 {fill.cylinder_code} 应拒绝充装（{'、'.join(r.value for r in reasons)}），"
            f"充装单位仍予充装（{quantity}）"
        ),
        evidence={
            "fill_id": fill.fill_id,
            "cylinder_code": fill.cylinder_code,
            "filler_certificate": fill.filler_certificate,
            "medium": fill.medium,
            "started_at": fill.started_at.isoformat(),
            "ended_at": fill.ended_at.isoformat(),
            "filled_mass_kg": fill.filled_mass_kg,
            "final_pressure_mpa": fill.final_pressure_mpa,
            "reasons": [reason.value for reason in reasons],
        },
    )


def _invalid(fill_id: str | None, errors: list[FieldError]) -> FillAnswer:
    return FillAnswer(
        fill_id=fill_id,
        status=FillStatus.refused.value,
        reasons=[FillReason.invalid.value],
        errors=errors,
    )


async def _write_new_fills(
    conn: Connection,
    outbox: Outbox,
    *,
    station_id: uuid.UUID,
    scope: str,
    judged: Sequence[tuple[int, FillCreate, date]],
    now: datetime,
    keys_read: bool,
) -> list[ItemResult]:
    """Judge the well-formed fills (each with its business date) against the replicas and
    write them, refused ones too, with their events and the day's counts; one result per
    fill, in order."""
    cylinders = await queries.cylinders(conn, sorted({fill.cylinder_code for _, fill, _ in judged}))
    licences = [
        LicenceFacts(
            scope=frozenset(row["scope"]),
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            status=row["status"],
            status_changed_on=row["status_changed_on"],
        )
        for row in await queries.licences(conn, station_id)
    ]
    certificates = await queries.certificates(
        conn, sorted({fill.filler_certificate for _, fill, _ in judged})
    )
    judge = BatchJudge(
        station_id=station_id,
        licences=licences,
        cylinders={code: _cylinder_facts(row) for code, row in cylinders.items()},
        certificates={number: _certificate_facts(row) for number, row in certificates.items()},
    )
    source = outbox.settings.service_name
    fill_events = FillEventDocuments(
        source=source, station_id=station_id, time=now, count=len(judged)
    )
    # One outcome per distinct set of reasons: the key table stores each once.
    outcomes: dict[tuple[FillReason, ...], Outcome] = {(): _ACCEPTED}
    bulk_items: list[BulkItem] = []
    for _, fill, fill_date in judged:
        reasons = judge.reasons(
            FillFacts(
                medium=fill.medium,
                fill_date=fill_date,
                prefill_passed=fill.prefill_checks.all_passed,
                filled_mass_kg=fill.filled_mass_kg,
            ),
            cylinder_code=fill.cylinder_code,
            filler_certificate=fill.filler_certificate,
        )
        outcome = outcomes.get(tuple(reasons))
        if outcome is None:
            codes = tuple(reason.value for reason in reasons)
            outcome = outcomes[tuple(reasons)] = Outcome(FillStatus.refused.value, codes)
        events: list[tuple[CloudEvent | EventDocument, str]] = [
            (fill_events.document(fill, outcome.reasons), FILL_TOPIC)
        ]
        if reasons and filled_anyway(
            reasons,
            filled_mass_kg=fill.filled_mass_kg,
            final_pressure_mpa=fill.final_pressure_mpa,
        ):
            # Written with the fill's own event, only if the fill is new: a retry of
            # the batch raises no second signal.
            signal = _refused_fill_signal(station_id, fill, reasons, now=now, source=source)
            signal_event = signal.to_event(source=source, subject=str(station_id))
            events.append((signal_event, signal.topic))
        bulk_items.append(BulkItem(fill.fill_id, outcome, _row(station_id, fill, outcome), events))
    written = await fill_writer.write_on(
        conn, scope=scope, items=bulk_items, outbox=outbox, read_first=not keys_read
    )
    await count_new_fills(
        conn,
        station_id,
        (
            CountedFill(fill_date, result.outcome.status, result.outcome.reasons, fill.medium)
            for (_, fill, fill_date), result in zip(judged, written, strict=True)
            if not result.duplicate
        ),
    )
    return written


def _answer(fill_id: str, outcome: Outcome, *, duplicate: bool) -> FillAnswer:
    status = FillStatus.duplicate.value if duplicate else outcome.status
    return FillAnswer(fill_id=fill_id, status=status, reasons=list(outcome.reasons), errors=None)


class WellFormedFill(NamedTuple):
    """A fill that passed the checks of its post, with its business date."""

    fill: FillCreate
    day: date


WriteFills = Callable[[uuid.UUID, list[WellFormedFill]], Awaitable[Sequence[FillAnswer]]]
"""Writes a station's well-formed fills in one transaction: one answer per fill, in order
(write_fills, or a Coalescer over it that joins them with other posts' fills)."""


async def record_fills(
    items: Sequence[FillCreate | RawItem],
    *,
    station_id: uuid.UUID,
    batch: bool,
    now: datetime,
    zone: ZoneInfo,
    write: WriteFills,
) -> list[FillAnswer]:
    """One answer per item, in order. A malformed item is answered `invalid` and not stored;
    the others are written by `write`, refused ones too, each under its (station, fill id)
    once."""
    results: list[FillAnswer | None] = []
    well_formed: list[WellFormedFill] = []
    for index, item in enumerate(items):
        if isinstance(item, RawItem):
            results.append(_invalid(item.text_field("fill_id"), item_errors(FillCreate, item)))
            continue
        problems = malformed(
            started_at=item.started_at,
            ended_at=item.ended_at,
            filled_mass_kg=item.filled_mass_kg,
            final_pressure_mpa=item.final_pressure_mpa,
            now=now,
        )
        if problems:
            location = ["body", "fills", index] if batch else ["body"]
            results.append(
                _invalid(
                    item.fill_id,
                    [field_error([*location, p.field], p.message, "invalid") for p in problems],
                )
            )
            continue
        well_formed.append(WellFormedFill(item, item.started_at.astimezone(zone).date()))
        results.append(None)
    written = iter(await write(station_id, well_formed) if well_formed else [])
    return [result if result is not None else next(written) for result in results]


async def write_fills(
    database: Database,
    outbox: Outbox,
    months: FillMonths,
    *,
    station_id: uuid.UUID,
    fills: Sequence[WellFormedFill],
    now: datetime,
) -> list[FillAnswer]:
    """A station's well-formed fills in one transaction, with their events and the day's
    counts; one answer per fill, in order (a fill id already stored, or earlier in `fills`,
    answered `duplicate`)."""
    await months.ensure(database, {months.month_of(day) for day in {f.day for f in fills}})
    scope = f"fill:{station_id}"
    answers: list[FillAnswer | None] = [None] * len(fills)
    judged = [(position, f.fill, f.day) for position, f in enumerate(fills)]
    async with database.transaction() as conn:
        # A replayed batch is answered from its keys: judging a fill and building its event
        # cost more than looking it up. (One fill alone is claimed in one statement instead.)
        keys_read = len(judged) > 1
        if keys_read:
            known = await fill_writer.stored_outcomes(
                conn, scope=scope, keys=[fill.fill_id for _, fill, _ in judged]
            )
            for position, fill, _ in judged:
                if (outcome := known.get(fill.fill_id)) is not None:
                    answers[position] = _answer(fill.fill_id, outcome, duplicate=True)
            judged = [entry for entry in judged if entry[1].fill_id not in known]
        written = (
            await _write_new_fills(
                conn,
                outbox,
                station_id=station_id,
                scope=scope,
                judged=judged,
                now=now,
                keys_read=keys_read,
            )
            if judged
            else []
        )
    for (position, _, _), result in zip(judged, written, strict=True):
        answers[position] = _answer(result.key, result.outcome, duplicate=result.duplicate)
    return [answer for answer in answers if answer is not None]


# -- recall --------------------------------------------------------------------------------


def _to_read(row: dict[str, Any]) -> FillRead:
    return FillRead(
        station_id=row["station_id"],
        fill_id=row["fill_id"],
        cylinder_code=row["cylinder_code"],
        filler_certificate=row["filler_certificate"],
        medium=row["medium"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        prefill_checks=PrefillChecks(
            appearance=row["prefill_appearance"],
            residual_pressure=row["prefill_residual_pressure"],
            valve=row["prefill_valve"],
            inspection_mark=row["prefill_inspection_mark"],
            medium_marking=row["prefill_medium_marking"],
        ),
        postfill_checks=PostfillChecks(
            leak=row["postfill_leak"],
            mass_or_pressure=row["postfill_mass_or_pressure"],
            temperature=row["postfill_temperature"],
        ),
        filled_mass_kg=row["filled_mass_kg"],
        final_pressure_mpa=row["final_pressure_mpa"],
        status=FillStatus(row["status"]),
        reasons=list(row["reasons"]),
    )


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID, str] | None:
    if cursor is None:
        return None
    key = decode_cursor_as(cursor, FillCursor)
    return key.started_at, key.station_id, key.fill_id


def _page(rows: list[dict[str, Any]], limit: int) -> FillPage:
    page, next_cursor = keyset_page(
        rows,
        limit,
        lambda r: {
            "started_at": r["started_at"],
            "station_id": r["station_id"],
            "fill_id": r["fill_id"],
        },
    )
    return FillPage(items=[_to_read(row) for row in page], next_cursor=next_cursor)


async def fills_of_cylinder(
    database: Database,
    code: str,
    *,
    station_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> FillPage | None:
    """None when the caller may not see the cylinder: a station sees the fills it made of its
    own cylinders, and of any cylinder it filled (an unknown one included); the bureau all."""
    after = _after(cursor)
    async with database.connection() as conn:
        if station_id is not None:
            access = await queries.cylinder_access(conn, code)
            own = access is not None and may_read_cylinder(station_id, *access)
            if not own and not await queries.has_filled(conn, code, station_id):
                return None
        rows = await queries.fills_of_cylinder(
            conn, code, station_id=station_id, after=after, limit=limit + 1
        )
        unknown = station_id is None and not rows and after is None
        if unknown and await queries.cylinder_access(conn, code) is None:
            return None
    return _page(rows, limit)


async def recall(
    database: Database,
    recall_filter: FillFilter,
    *,
    zone: ZoneInfo,
    cursor: str | None,
    limit: int,
) -> FillPage:
    start = day_start(recall_filter.from_date, zone)
    end = (
        day_start(recall_filter.to_date + timedelta(days=1), zone)
        if recall_filter.to_date
        else None
    )
    async with database.connection() as conn:
        rows = await queries.fills(
            conn,
            station_id=recall_filter.station_id,
            start=start,
            end=end,
            medium=recall_filter.medium,
            after=_after(cursor),
            limit=limit + 1,
        )
    return _page(rows, limit)


def day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    """The first instant of a business day."""
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=zone)
