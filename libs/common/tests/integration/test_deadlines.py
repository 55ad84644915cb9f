"""The deadline machinery on real PostgreSQL: stages fire once, in order, on their day, with
their events and effects in the same transaction, however many passes run at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from machinery_support import CLOCK_RULE, CLOCK_TOPIC
from tzsb_common.deadlines import DeadlineRule, DeadlineScanner, Stage
from tzsb_common.events import CloudEvent
from tzsb_common.pg import Database, create_pool
from tzsb_common.settings import ServiceSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def database(settings: ServiceSettings) -> AsyncIterator[Database]:
    pool = await create_pool(settings)
    yield Database(pool, acquire_timeout_s=5)
    await pool.close()


@pytest.fixture
def scanner(settings: ServiceSettings) -> DeadlineScanner:
    from machinery_support import outbox

    return DeadlineScanner([CLOCK_RULE], settings=settings, outbox_table=outbox)


async def add_clocks(database: Database, clocks: dict[str, date]) -> None:
    async with database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO clocks (subject, due_on) VALUES ($1, $2) "
            "ON CONFLICT (subject) DO UPDATE SET due_on = EXCLUDED.due_on",
            list(clocks.items()),
        )


async def ledger_rows(database: Database) -> list[tuple[str, date, str, date]]:
    async with database.connection() as conn:
        rows = await conn.fetch(
            "SELECT subject, deadline, stage, fired_on FROM deadline_ledger ORDER BY id"
        )
    return [(r["subject"], r["deadline"], r["stage"], r["fired_on"]) for r in rows]


async def days(scanner: DeadlineScanner, database: Database, start: date, end: date) -> None:
    day = start
    while day <= end:
        await scanner.run_pass(database, as_of=day)
        day += timedelta(days=1)


async def test_each_stage_fires_once_in_order_on_its_day_with_its_event_and_effect(
    scanner: DeadlineScanner, database: Database, settings: ServiceSettings
) -> None:
    await add_clocks(database, {"A": date(2026, 5, 31), "B": date(2024, 3, 1)})

    await days(scanner, database, date(2023, 12, 1), date(2026, 7, 1))

    assert await ledger_rows(database) == [
        ("B", date(2024, 3, 1), "reminder", date(2024, 1, 1)),
        ("B", date(2024, 3, 1), "warning", date(2024, 3, 1)),
        ("B", date(2024, 3, 1), "overdue", date(2024, 3, 2)),
        # 31 May less two calendar months is 31 March; the warning is on the first of May.
        ("A", date(2026, 5, 31), "reminder", date(2026, 3, 31)),
        ("A", date(2026, 5, 31), "warning", date(2026, 5, 1)),
        ("A", date(2026, 5, 31), "overdue", date(2026, 6, 1)),
    ]
    async with database.connection() as conn:
        effects = await conn.fetch("SELECT subject, stage FROM clock_effects ORDER BY id")
        events = await conn.fetch("SELECT topic, key, event FROM outbox ORDER BY id")
        passes = await conn.fetchval("SELECT count(*) FROM deadline_passes")
    assert [(e["subject"], e["stage"]) for e in effects] == [
        ("B", "warning"), ("B", "overdue"), ("A", "warning"), ("A", "overdue")
    ]  # fmt: skip
    assert len(events) == 6
    first = CloudEvent.model_validate(events[0]["event"])
    assert events[0]["topic"] == settings.topic(CLOCK_TOPIC)
    assert first.type == "tzsb.test.clock.due.v1"
    assert first.subject == "B"
    assert first.data == {
        "subject": "B", "stage": "reminder", "due_on": "2024-03-01", "as_of": "2024-01-01"
    }  # fmt: skip
    assert passes == (date(2026, 7, 1) - date(2023, 12, 1)).days + 1


async def test_a_moved_deadline_cancels_the_later_stages_of_the_old_one(
    scanner: DeadlineScanner, database: Database
) -> None:
    await add_clocks(database, {"A": date(2026, 6, 15)})
    await days(scanner, database, date(2026, 4, 1), date(2026, 4, 20))
    await add_clocks(database, {"A": date(2027, 6, 15)})  # inspected in time
    await days(scanner, database, date(2026, 4, 21), date(2026, 8, 1))

    assert [(d, s) for _, d, s, _ in await ledger_rows(database)] == [
        (date(2026, 6, 15), "reminder")
    ]


async def test_only_the_stage_in_effect_fires_and_an_earlier_day_never_fires_an_earlier_stage(
    scanner: DeadlineScanner, database: Database
) -> None:
    await add_clocks(database, {"late": date(2020, 1, 10)})
    await scanner.run_pass(database, as_of=date(2026, 1, 1))
    [outcome] = await scanner.run_pass(database, as_of=date(2019, 12, 5))  # a re-run day

    assert outcome.counts == {"reminder": 0, "warning": 0, "overdue": 0}
    assert [s for _, _, s, _ in await ledger_rows(database)] == ["overdue"]


async def test_concurrent_passes_fire_every_stage_once(
    scanner: DeadlineScanner, database: Database, settings: ServiceSettings
) -> None:
    from machinery_support import outbox

    await add_clocks(database, {f"S{n:04d}": date(2026, 3, 1) + timedelta(n) for n in range(300)})
    other = DeadlineScanner([CLOCK_RULE], settings=settings, outbox_table=outbox)

    for day in (date(2026, 1, 15), date(2026, 3, 20), date(2026, 12, 1)):
        outcomes = await asyncio.gather(
            scanner.run_pass(database, as_of=day),
            other.run_pass(database, as_of=day),
            scanner.run_pass(database, as_of=day, wait=False),
        )
        fired = [o.fired for passes in outcomes for o in passes]
        assert sum(1 for f in fired if f) <= 1  # one pass did the work, the rest found it done

    rows = await ledger_rows(database)
    assert len(rows) == len({(s, d, st) for s, d, st, _ in rows})
    async with database.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == len(rows)
    assert {st for _, _, st, _ in rows} == {"reminder", "warning", "overdue"}


async def test_a_pass_that_may_not_wait_skips_a_rule_another_replica_holds(
    scanner: DeadlineScanner, database: Database
) -> None:
    async with database.transaction() as holder:
        await holder.execute(
            "SELECT pg_advisory_xact_lock($1, $2)", 0x7A5B0002, CLOCK_RULE.lock_key
        )
        assert await scanner.run_pass(database, as_of=date(2026, 1, 1), wait=False) == []
    [outcome] = await scanner.run_pass(database, as_of=date(2026, 1, 1), wait=False)
    assert outcome.rule == "test_clock"


async def test_the_daily_scan_runs_todays_pass_once_after_the_scan_time(
    scanner: DeadlineScanner, database: Database
) -> None:
    await add_clocks(database, {"A": date(2026, 3, 1)})
    now = datetime(2026, 3, 2, 1, 30, tzinfo=SHANGHAI)
    task = asyncio.create_task(
        scanner.run_daily(
            database, at=time(2, 0), zone=SHANGHAI, check_interval_s=0.02, clock=lambda: now
        )
    )
    try:
        await asyncio.sleep(0.2)
        assert await ledger_rows(database) == []  # before the scan time
        now = datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await ledger_rows(database):
                break
        await asyncio.sleep(0.3)  # several more checks
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert await ledger_rows(database) == [("A", date(2026, 3, 1), "overdue", date(2026, 3, 2))]
    async with database.connection() as conn:
        runs = await conn.fetchval("SELECT runs FROM deadline_passes")
    assert runs == 1


@pytest.mark.parametrize(
    "settings_overrides",
    [{"database_command_timeout_s": 0.5, "database_statement_timeout_s": 0.4}],
)
async def test_a_pass_may_outlast_the_request_paths_time_outs(
    database: Database, settings: ServiceSettings
) -> None:
    from dataclasses import replace

    from machinery_support import outbox

    slow = replace(
        CLOCK_RULE,
        subjects=CLOCK_RULE.subjects.replace("FROM clocks", "FROM clocks, pg_sleep(1)"),
    )
    await add_clocks(database, {"A": date(2026, 3, 1)})
    scanner = DeadlineScanner([slow], settings=settings, outbox_table=outbox, pass_timeout_s=10)

    [outcome] = await scanner.run_pass(database, as_of=date(2026, 3, 2))

    assert outcome.counts["overdue"] == 1


# A clock of minutes over the same subjects: due 90 minutes after midnight UTC of `due_on`,
# its events keyed apart from the ledger's subject and carrying the data as the rule built it.
MINUTE_RULE = DeadlineRule(
    name="test_minutes",
    subjects="""
        SELECT subject, (due_on::timestamp AT TIME ZONE 'UTC') + interval '90 minutes'
                   AS deadline,
               jsonb_build_object('subject', subject) AS data
        FROM clocks
        WHERE (due_on::timestamp AT TIME ZONE 'UTC') + interval '90 minutes' <= $1::timestamptz
    """,
    stages=(Stage("late", "deadline"),),
    event_type="tzsb.test.clock.late.v1",
    topic=CLOCK_TOPIC,
    instant=True,
    event_subject="'key-' || subject",
    annotate=False,
)


async def test_an_instant_rule_fires_at_its_minute_once_with_its_own_key_and_data(
    database: Database, settings: ServiceSettings
) -> None:
    from machinery_support import outbox

    scanner = DeadlineScanner([MINUTE_RULE], settings=settings, outbox_table=outbox)
    await add_clocks(database, {"A": date(2026, 5, 31)})
    due = datetime(2026, 5, 31, 1, 30, tzinfo=UTC)

    fired = [
        (await scanner.run_pass(database, as_of=at))[0].fired
        for at in (due - timedelta(seconds=1), due, due + timedelta(minutes=5))
    ]

    assert fired == [0, 1, 0]
    assert await ledger_rows(database) == [("A", date(2026, 5, 31), "late", date(2026, 5, 31))]
    async with database.connection() as conn:
        (row,) = await conn.fetch("SELECT key, event FROM outbox ORDER BY id")
    event = CloudEvent.model_validate(row["event"])
    assert row["key"] == event.subject == "key-A"
    assert event.data == {"subject": "A"}
    with pytest.raises(TypeError):
        await scanner.run_pass(database, as_of=date(2026, 6, 1))
