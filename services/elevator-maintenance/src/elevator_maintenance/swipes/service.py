"""Ingesting swipes: one transaction per request, whatever its size.

One lookup for the whole batch, the pure rules per item, then the batch through BulkWriter (its
keys, then COPY of the new rows), so a retried or concurrent duplicate is answered with the
first outcome and written once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from elevator_maintenance.anomalies.service import history_windows, judge_new_visits
from elevator_maintenance.anomalies.service import limits_of as anomaly_limits_of
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipe_statistics.rules import CountedSwipe
from elevator_maintenance.swipe_statistics.service import count_new_swipes
from elevator_maintenance.swipes import queries
from elevator_maintenance.swipes.chain import (
    GENESIS,
    ChainHead,
    canonical_prefix_of,
    extend_by_prefixes,
)
from elevator_maintenance.swipes.rules import (
    Certificate,
    ContractTerm,
    Elevator,
    SwipeFacts,
    SwipeLimits,
    SwipeReason,
    standing_reasons,
    time_and_place_reasons,
)
from elevator_maintenance.swipes.schemas import InvalidSwipe, SwipeIn, SwipeRead
from elevator_maintenance.visits.rules import PairingSwipe
from elevator_maintenance.visits.service import pair_new_swipes
from tzsb_common.bulk import BulkItem, Outcome, Row
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database

ACCEPTED = Outcome(status="accepted")


@dataclass(frozen=True, slots=True)
class SwipeAnswer:
    swipe_id: str | None
    status: str
    """accepted | rejected | duplicate"""
    reasons: tuple[str, ...]
    first_status: str | None = None
    field: str | None = None
    detail: str | None = None


def _pairing(row: Row) -> PairingSwipe:
    """A swipe's row (SWIPE_COLUMNS order) as pairing sees it."""
    return PairingSwipe(
        swipe_id=row[1],
        equipment_code=row[2],
        certificate_number=row[3],
        kind=row[4],
        at=row[5],
        visit_kind=row[9],
    )


def limits_of(settings: ElevatorMaintenanceSettings) -> SwipeLimits:
    return SwipeLimits(
        future_tolerance=timedelta(seconds=settings.swipe_future_tolerance_s),
        max_age=timedelta(days=settings.swipe_max_age_days),
        geofence_m=settings.swipe_geofence_m,
        zone=ZoneInfo(settings.business_timezone),
    )


@dataclass(slots=True)
class Standing:
    elevators: dict[str, Elevator]
    contracts: dict[str, list[ContractTerm]]
    certificates: dict[str, Certificate]


async def _standing(conn: Connection, company_id: uuid.UUID, swipes: Sequence[SwipeIn]) -> Standing:
    codes = sorted({s.equipment_code for s in swipes})
    numbers = sorted({s.certificate_number for s in swipes})
    found = Standing({}, {}, {})
    for row in await queries.standing(conn, company_id=company_id, codes=codes, numbers=numbers):
        what, key = row["what"], row["key"]
        if what == "elevator":
            found.elevators[key] = Elevator(status=row["status"], lat=row["lat"], lon=row["lon"])
        elif what == "contract":
            found.contracts.setdefault(key, []).append(
                ContractTerm(
                    valid_from=row["valid_from"],
                    in_force_until=row["valid_to"],
                    maintenance_interval_days=row["interval_days"],
                )
            )
        else:
            found.certificates[key] = Certificate(
                item=row["item"],
                employer_id=row["owner"],
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
            )
    return found


def _judge(
    swipes: Sequence[SwipeIn],
    standing: Standing,
    *,
    company_id: uuid.UUID,
    client_id: str,
    now: datetime,
    limits: SwipeLimits,
) -> list[BulkItem]:
    rejections: dict[tuple[str, ...], Outcome] = {}  # one Outcome per distinct set of reasons
    # A batch holds many swipes of one worker at one elevator on one day: its standing is
    # judged once for them all.
    standing_codes: dict[tuple[str, str, date], tuple[str, ...]] = {}
    items: list[BulkItem] = []
    for swipe in swipes:
        # The same instant in UTC: pydantic's time zone objects make every comparison, sort and
        # conversion of the time below (and the driver's encoding) several times dearer.
        code, number, at = swipe.equipment_code, swipe.certificate_number, swipe.at.astimezone(UTC)
        elevator = standing.elevators.get(code)
        on = at.astimezone(limits.zone).date()
        codes = standing_codes.get((code, number, on))
        if codes is None:
            codes = standing_codes[(code, number, on)] = tuple(
                r.value
                for r in standing_reasons(
                    company_id=company_id,
                    elevator=elevator,
                    contracts=standing.contracts.get(code, []),
                    certificate=standing.certificates.get(number),
                    on=on,
                )
            )
        place = time_and_place_reasons(
            SwipeFacts(code, number, at, swipe.lat, swipe.lon),
            elevator=elevator,
            now=now,
            limits=limits,
        )
        if place:
            codes += tuple(r.value for r in place)
        outcome = (
            ACCEPTED if not codes else rejections.setdefault(codes, Outcome("rejected", codes))
        )
        items.append(
            BulkItem(
                key=swipe.swipe_id,
                outcome=outcome,
                row=(
                    company_id,
                    swipe.swipe_id,
                    code,
                    number,
                    swipe.kind.value,
                    at,
                    swipe.lat,
                    swipe.lon,
                    swipe.source.value if swipe.source else None,
                    swipe.visit_kind.value if swipe.visit_kind else None,
                    outcome.status,
                    list(codes),
                    client_id,
                    None,  # chain_seq, content_hash, prev_hash: see _write_rows
                    None,
                    None,
                ),
            )
        )
    return items


def _chained_prefix(row: Row) -> bytes:
    """The canonical prefix (chain.canonical_prefix) of a row in SWIPE_COLUMNS order."""
    return canonical_prefix_of(*row[:13])


def _hold(new_items: Sequence[BulkItem], taken: list[BulkItem]) -> list[Row]:
    taken.extend(new_items)
    return []


@dataclass(slots=True)
class _NewRows:
    """The rows of the swipes this batch took, ready to write: made before the batch takes
    the elevators' pairing locks and the chain head, so that neither waits on it."""

    rows: list[Row]
    prefixes: list[bytes]
    """canonical prefixes of the accepted rows, in the order sent"""
    chained: list[int | None]
    """per row: its number among the accepted ones (1, 2, …), or None for a rejection"""


def _new_rows(taken: Sequence[BulkItem]) -> _NewRows:
    new = _NewRows([], [], [])
    for item in taken:
        if item.row is None:
            continue
        new.rows.append(item.row)
        if item.outcome is ACCEPTED:
            new.prefixes.append(_chained_prefix(item.row))
            new.chained.append(len(new.prefixes))
        else:
            new.chained.append(None)
    return new


_CHAINED_IN_SQL = 32
"""Up to this many accepted rows are chained by the statement that writes them (one round trip
under the chain head's lock); more are chained here and copied (COPY is several times faster
than that statement for 1,000 rows)."""


async def _copy_chained(conn: Connection, company_id: uuid.UUID, new: _NewRows) -> None:
    head = await queries.lock_chain_head(conn, company_id, GENESIS)
    chained, last = extend_by_prefixes(ChainHead(seq=head["seq"], link=head["link"]), new.prefixes)
    rows: list[Row] = []
    for row, number in zip(new.rows, new.chained, strict=True):
        if number is not None:
            link = chained[number - 1]
            row = (*row[:13], link.chain_seq, link.content_hash, link.prev_hash)
        rows.append(row)
    await queries.copy_swipes(conn, rows)
    await queries.move_chain_head(conn, company_id, seq=last.seq, link=last.link)


async def _write_rows(
    conn: Connection, company_id: uuid.UUID, client_id: str, new: _NewRows
) -> None:
    """The rows, the accepted ones chained in the order sent after the company's chain head,
    and the head moved: one statement (queries), the last of the transaction, so the head is
    held only from it to the commit."""
    if not new.prefixes:
        if new.rows:
            await queries.copy_swipes(conn, new.rows)
        return
    if len(new.prefixes) > _CHAINED_IN_SQL:
        await _copy_chained(conn, company_id, new)
        return

    async def write() -> int | None:
        return await queries.write_chained_swipes(
            conn,
            company_id=company_id,
            client_id=client_id,
            rows=new.rows,
            prefixes=new.prefixes,
            chained=new.chained,
        )

    if await write() is None:
        # The company's first chained swipes: make its head, then chain after it.
        await queries.make_chain_head(conn, company_id, GENESIS)
        if await write() is None:
            raise RuntimeError(f"the swipe chain head of {company_id} vanished")


async def ingest_swipes(
    database: Database,
    outbox: Outbox,
    *,
    company_id: uuid.UUID,
    client_id: str,
    items: Sequence[SwipeIn | InvalidSwipe],
    settings: ElevatorMaintenanceSettings,
    now: datetime | None = None,
) -> list[SwipeAnswer]:
    """Answers in the order of `items`. Malformed items are answered `invalid` and leave no
    trace: their swipe id stays free for the corrected swipe."""
    now = now or datetime.now(UTC)
    swipes = [item for item in items if isinstance(item, SwipeIn)]
    written: list[SwipeAnswer] = []
    if swipes:
        async with database.transaction() as conn:
            standing = await _standing(conn, company_id, swipes)
            bulk = _judge(
                swipes,
                standing,
                company_id=company_id,
                client_id=client_id,
                now=now,
                limits=limits_of(settings),
            )
            # The keys first; the rows of the keys this batch took are held back (COPY below).
            taken: list[BulkItem] = []
            results = await queries.write_swipes(
                conn,
                company_id=company_id,
                items=bulk,
                outbox=outbox,
                rows_of=lambda new: _hold(new, taken),
            )
            new_rows = _new_rows(taken)
            # The first row of each swipe id, in SWIPE_COLUMNS order (row[5] is its time).
            first = {item.key: item.row for item in reversed(bulk) if item.row is not None}
            paired = await pair_new_swipes(
                conn,
                outbox,
                company_id=company_id,
                swipes=[
                    _pairing(first[r.key])
                    for r in results
                    if not r.duplicate and r.outcome is ACCEPTED
                ],
                window=timedelta(hours=settings.visit_pairing_window_hours),
                history_windows=history_windows,
            )
            await judge_new_visits(
                conn,
                outbox,
                company_id=company_id,
                plans=paired.plans,
                limits=anomaly_limits_of(settings),
                history=paired.history,
            )
            await count_new_swipes(
                conn,
                company_id,
                [
                    CountedSwipe(first[r.key][5], r.outcome.status, r.outcome.reasons)
                    for r in results
                    if not r.duplicate
                ],
                zone=ZoneInfo(settings.business_timezone),
            )
            # Last, so the company's chain head is locked for as short a time as can be: from
            # here to the commit, one company's batches extend its chain one after another.
            await _write_rows(conn, company_id, client_id, new_rows)
        written = [
            SwipeAnswer(r.key, "duplicate", r.outcome.reasons, first_status=r.outcome.status)
            if r.duplicate
            else SwipeAnswer(r.key, r.outcome.status, r.outcome.reasons)
            for r in results
        ]
    answers: list[SwipeAnswer] = []
    next_written = iter(written)
    for item in items:
        if isinstance(item, InvalidSwipe):
            answers.append(
                SwipeAnswer(
                    item.swipe_id,
                    "rejected",
                    (SwipeReason.invalid.value,),
                    field=item.field,
                    detail=item.detail,
                )
            )
        else:
            answers.append(next(next_written))
    return answers


async def list_swipes(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    equipment_code: str | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID, str] | None,
    limit: int,
    reason: str | None = None,
) -> list[SwipeRead]:
    async with database.connection() as conn:
        rows = await queries.list_swipes(
            conn,
            reason=reason,
            company_id=company_id,
            equipment_code=equipment_code,
            status=status,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
    return [SwipeRead.model_validate(row) for row in rows]


# -- partitions -------------------------------------------------------------------------------


def month_bounds(
    today: date, zone: ZoneInfo, *, behind: int, ahead: int
) -> list[tuple[str, datetime, datetime]]:
    """(partition name, start, end) of the months from `behind` before `today`'s to `ahead`
    after it; a month is a calendar month in the business time zone."""
    months: list[tuple[str, datetime, datetime]] = []
    index = today.year * 12 + today.month - 1
    for i in range(index - behind, index + ahead + 1):
        year, month = divmod(i, 12)
        next_year, next_month = divmod(i + 1, 12)
        start = datetime(year, month + 1, 1, tzinfo=zone)
        end = datetime(next_year, next_month + 1, 1, tzinfo=zone)
        months.append((f"swipes_y{year:04d}m{month + 1:02d}", start, end))
    return months


async def keep_partitions(
    database: Database, *, today: date, zone: ZoneInfo, ahead: int
) -> list[str]:
    """Make the default partition and the months around today that are missing; returns the
    names made. One replica at a time (an advisory lock), in one transaction."""
    made: list[str] = []
    async with database.transaction() as conn:
        await queries.lock_partitions(conn)
        await queries.make_default_partition(conn)
        for name, start, end in month_bounds(today, zone, behind=1, ahead=ahead):
            if not await queries.partition_exists(conn, name):
                await queries.make_month_partition(conn, name=name, start=start, end=end)
                made.append(name)
    return made
