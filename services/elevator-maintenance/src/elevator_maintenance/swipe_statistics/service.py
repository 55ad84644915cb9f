"""Daily swipe statistics per maintenance company (刷卡统计): what each batch adds is written
with its swipes, folded into the days and published with their new totals (publishing.py),
read a page of company-days at a time.

Why a roll-up and not a query over the swipes: the swipes of a year run to millions of rows
partitioned by month, and the rejections by reason are wanted per day for every company (the
bureau's dashboard); the reporting service builds its read models from events only, and a
refused swipe is no event of its own. Counting where the swipes are stored costs one insert per
batch, not a round trip per swipe, and publishing from the fold costs one event per day and
pass, not one per swipe or batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.swipe_statistics import queries
from elevator_maintenance.swipe_statistics.rules import (
    CountedSwipe,
    daily_tallies,
    merged_tallies,
)
from elevator_maintenance.swipe_statistics.schemas import (
    SwipeDayStatistics,
    SwipeStatisticsCursor,
    SwipeStatisticsPage,
)
from tzsb_common.contracts import elevator as contract
from tzsb_common.events import CloudEvent
from tzsb_common.outbox import Outbox
from tzsb_common.pagination import decode_cursor_as, keyset_page
from tzsb_common.pg import Connection, Database


def _event(row: dict[str, Any], source: str) -> tuple[CloudEvent, str]:
    payload = contract.SwipeStatisticsV1(
        statistics=contract.SwipeDayStatistics(
            maintenance_company_id=row["company_id"],
            day=row["day"],
            accepted=row["accepted"],
            rejected=row["rejected"],
            rejected_by_reason=row["rejected_by_reason"],
            version=row["version"],
        )
    )
    subject = contract.swipe_statistics_subject(row["company_id"], row["day"])
    return payload.to_event(source=source, subject=subject), payload.topic


async def count_new_swipes(
    conn: Connection, company_id: uuid.UUID, swipes: Iterable[CountedSwipe], *, zone: ZoneInfo
) -> None:
    """Count swipes stored for the first time, in the caller's transaction (the one that stores
    them: a swipe is counted once, however often it is posted). An insert of the batch's
    tallies, which the fold adds to the days (publishing.py)."""
    tallies = daily_tallies(swipes, zone)
    if tallies:
        await queries.add_pending(conn, company_id, tallies)


async def fold_pending(conn: Connection, outbox: Outbox, limit: int) -> int:
    """Fold up to `limit` pending tallies into their days and write the event of each day
    changed, with its new totals and version, to the outbox (in the caller's transaction);
    returns how many tallies were folded."""
    pending = await queries.take_pending(conn, limit)
    if pending:
        days = await queries.fold(conn, merged_tallies(pending))
        source = outbox.settings.service_name
        await outbox.add_events_on_connection(conn, [_event(day, source) for day in days])
    return len(pending)


def _item(row: dict[str, Any]) -> SwipeDayStatistics:
    return SwipeDayStatistics(
        company_id=row["company_id"],
        day=row["day"],
        swipes=row["accepted"] + row["rejected"],
        accepted=row["accepted"],
        rejected=row["rejected"],
        rejected_by_reason=row["rejected_by_reason"],
    )


async def swipe_statistics(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    first: date | None,
    last: date | None,
    cursor: str | None,
    limit: int,
) -> SwipeStatisticsPage:
    after = None
    if cursor is not None:
        key = decode_cursor_as(cursor, SwipeStatisticsCursor)
        after = (key.day, key.company_id)
    async with database.connection() as conn:
        rows = await queries.statistics(
            conn, company_id=company_id, first=first, last=last, after=after, limit=limit + 1
        )
    page, next_cursor = keyset_page(
        rows, limit, lambda r: {"day": r["day"], "company_id": r["company_id"]}
    )
    return SwipeStatisticsPage(items=[_item(row) for row in page], next_cursor=next_cursor)
