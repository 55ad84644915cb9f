"""The bulk-write primitive on real PostgreSQL: a month-partitioned target, keys, outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import Column, DateTime, Table, Text, Uuid, func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from machinery_support import THINGS_TOPIC, outbox
from tzsb_common.bulk import (
    SMALL_BATCH,
    BulkItem,
    BulkWriter,
    ItemResult,
    Outcome,
    Row,
    add_idempotency_table,
)
from tzsb_common.db import asyncpg_dsn, new_metadata
from tzsb_common.events import CloudEvent, EventDocument
from tzsb_common.outbox import Outbox
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually

metadata = new_metadata()
swipe_keys = add_idempotency_table(metadata, "swipe_keys")
swipes = Table(
    "swipes",
    metadata,
    Column("company_id", Uuid, nullable=False),
    Column("swipe_id", Text, nullable=False),
    Column("elevator_code", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),
    postgresql_partition_by="RANGE (at)",
)
COLUMNS = ("company_id", "swipe_id", "elevator_code", "at", "kind")
writer = BulkWriter(keys=swipe_keys, target=swipes, columns=COLUMNS)

OCTOBER = datetime(2026, 10, 20, 9, 30, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
ACCEPTED = Outcome("accepted")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for month in ("2026-10", "2026-11"):
            start = datetime.fromisoformat(f"{month}-01T00:00:00+08:00")
            end = (start + timedelta(days=32)).replace(day=1)
            await conn.execute(
                text(
                    f"CREATE TABLE swipes_{month.replace('-', '_')} PARTITION OF swipes "
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
            )
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def writer_outbox(settings: ServiceSettings) -> Outbox:
    return Outbox(outbox, settings)


def swipe(
    company: uuid.UUID,
    swipe_id: str,
    at: datetime,
    *,
    elevator: str = "3110000000000000001",
    with_event: bool = True,
) -> BulkItem:
    event = CloudEvent(
        source="machinery-test",
        type="tzsb.test.swipe.recorded.v1",
        subject=elevator,
        data={"swipe_id": swipe_id},
    )
    return BulkItem(
        key=swipe_id,
        outcome=Outcome("accepted", detail={"month": at.strftime("%Y-%m")}),
        row=(company, swipe_id, elevator, at, "check_in"),
        events=[(event, THINGS_TOPIC)] if with_event else [],
    )


async def swipe_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(swipes.c.swipe_id).order_by("swipe_id"))).all())


async def outbox_subjects_and_ids(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.key, outbox.c.event).order_by(outbox.c.id))
        return [(row.key, row.event["data"]["swipe_id"]) for row in rows]


async def test_new_items_go_into_their_month_partitions_with_their_events_in_order(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    items = [
        swipe(company, "s-3", NOVEMBER),
        swipe(company, "s-1", OCTOBER),
        swipe(company, "s-2", NOVEMBER, elevator="3110000000000000002"),
    ]
    async with sessions() as session:
        results = await writer.write(session, scope=str(company), items=items, outbox=writer_outbox)
        await session.commit()

    assert [(r.key, r.duplicate) for r in results] == [
        ("s-3", False),
        ("s-1", False),
        ("s-2", False),
    ]
    assert [r.outcome for r in results] == [item.outcome for item in items]
    async with engine.connect() as conn:
        by_partition = (
            await conn.execute(
                text("SELECT tableoid::regclass::text, swipe_id FROM swipes ORDER BY swipe_id")
            )
        ).all()
        stored = (await conn.execute(select(swipe_keys.c.client_key, swipe_keys.c.status))).all()
    assert [tuple(row) for row in by_partition] == [
        ("swipes_2026_10", "s-1"),
        ("swipes_2026_11", "s-2"),
        ("swipes_2026_11", "s-3"),
    ]
    assert sorted(tuple(row) for row in stored) == [
        ("s-1", "accepted"),
        ("s-2", "accepted"),
        ("s-3", "accepted"),
    ]
    # The events keep the order the client sent the items in (outbox id order).
    assert await outbox_subjects_and_ids(engine) == [
        ("3110000000000000001", "s-3"),
        ("3110000000000000001", "s-1"),
        ("3110000000000000002", "s-2"),
    ]


async def test_replayed_batch_is_answered_with_the_first_outcomes_and_writes_nothing(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    refused = BulkItem(
        key="s-9",
        outcome=Outcome("refused", reasons=("contract_expired", "certificate_missing")),
    )
    first = [swipe(company, "s-1", OCTOBER), refused, swipe(company, "s-2", NOVEMBER)]
    async with sessions() as session:
        await writer.write(session, scope=str(company), items=first, outbox=writer_outbox)
        await session.commit()

    # The retry carries different rows and outcomes: the first answer still wins.
    replay = [
        BulkItem(key="s-2", outcome=Outcome("accepted", detail={"month": "changed"}), row=None),
        BulkItem(key="s-9", outcome=ACCEPTED, row=(company, "s-9", "x", NOVEMBER, "check_in")),
        swipe(company, "s-1", NOVEMBER),
    ]
    async with sessions() as session:
        results = await writer.write(
            session, scope=str(company), items=replay, outbox=writer_outbox
        )
        await session.commit()

    assert results == [
        ItemResult("s-2", Outcome("accepted", detail={"month": "2026-11"}), duplicate=True),
        ItemResult(
            "s-9",
            Outcome("refused", reasons=("contract_expired", "certificate_missing")),
            duplicate=True,
        ),
        ItemResult("s-1", Outcome("accepted", detail={"month": "2026-10"}), duplicate=True),
    ]
    assert await swipe_ids(engine) == ["s-1", "s-2"]
    assert [swipe_id for _, swipe_id in await outbox_subjects_and_ids(engine)] == ["s-1", "s-2"]


async def test_mixed_batch_answers_new_stored_and_repeated_keys_in_input_order(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    async with sessions() as session:
        await writer.write(
            session,
            scope=str(company),
            items=[swipe(company, "old", OCTOBER)],
            outbox=writer_outbox,
        )
        await session.commit()

    batch = [
        swipe(company, "new", NOVEMBER),
        swipe(company, "old", NOVEMBER),
        BulkItem(key="new", outcome=Outcome("refused", reasons=("late",))),
        swipe(company, "old", NOVEMBER),
        swipe(company, "other", OCTOBER),
    ]
    async with sessions() as session:
        results = await writer.write(session, scope=str(company), items=batch, outbox=writer_outbox)
        await session.commit()

    assert [(r.key, r.outcome.detail, r.duplicate) for r in results] == [
        ("new", {"month": "2026-11"}, False),
        ("old", {"month": "2026-10"}, True),
        ("new", {"month": "2026-11"}, True),
        ("old", {"month": "2026-10"}, True),
        ("other", {"month": "2026-10"}, False),
    ]
    assert await swipe_ids(engine) == ["new", "old", "other"]
    assert [swipe_id for _, swipe_id in await outbox_subjects_and_ids(engine)] == [
        "old",
        "new",
        "other",
    ]


async def test_the_same_key_in_two_scopes_is_two_records(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    async with sessions() as session:
        first = await writer.write(
            session, scope=str(one), items=[swipe(one, "s-1", OCTOBER, with_event=False)]
        )
        second = await writer.write(
            session, scope=str(two), items=[swipe(two, "s-1", OCTOBER, with_event=False)]
        )
        await session.commit()

    assert [r.duplicate for r in first + second] == [False, False]
    async with engine.connect() as conn:
        companies = (await conn.scalars(select(swipes.c.company_id))).all()
    assert sorted(companies) == sorted([one, two])


async def test_a_rolled_back_transaction_leaves_no_key_row_or_event(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    async with sessions() as session:
        results = await writer.write(
            session,
            scope=str(company),
            items=[swipe(company, "s-1", OCTOBER)],
            outbox=writer_outbox,
        )
        assert not results[0].duplicate
        await session.rollback()

    async with sessions() as session:
        again = await writer.write(
            session,
            scope=str(company),
            items=[swipe(company, "s-1", OCTOBER)],
            outbox=writer_outbox,
        )
        await session.commit()
    assert not again[0].duplicate
    assert await swipe_ids(engine) == ["s-1"]


async def test_stored_outcomes_answer_the_written_keys_of_a_scope_only(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    refused = BulkItem(key="s-2", outcome=Outcome("refused", reasons=("no_contract",)))
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            await writer.write_on(
                conn,
                scope=str(company),
                items=[swipe(company, "s-1", NOVEMBER), refused],
                outbox=writer_outbox,
            )
        stored = await writer.stored_outcomes(conn, scope=str(company), keys=["s-1", "s-2", "s-3"])
        elsewhere = await writer.stored_outcomes(conn, scope=str(uuid.uuid4()), keys=["s-1"])
    finally:
        await conn.close()

    assert stored == {
        "s-1": Outcome("accepted", detail={"month": "2026-11"}),
        "s-2": Outcome("refused", reasons=("no_contract",)),
    }
    assert elsewhere == {}
    assert len(await outbox_subjects_and_ids(engine)) == 1


async def test_the_batch_shares_the_callers_transaction_with_its_other_writes(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    async with sessions() as session:
        await session.execute(text("CREATE TABLE batch_log (company_id uuid)"))
        await session.execute(text("INSERT INTO batch_log VALUES (:c)"), {"c": company})
        await writer.write(
            session,
            scope=str(company),
            items=[swipe(company, "s-1", OCTOBER)],
            outbox=writer_outbox,
        )
        in_transaction = await session.scalar(select(func.count()).select_from(swipes))
        await session.commit()

    assert in_transaction == 1
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT company_id FROM batch_log")) == company
    assert await swipe_ids(engine) == ["s-1"]


async def test_an_empty_batch_answers_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        assert await writer.write(session, scope="any", items=[]) == []


async def test_items_with_events_need_an_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    company = uuid.uuid4()
    async with sessions() as session:
        with pytest.raises(ValueError, match="no outbox"):
            await writer.write(session, scope="any", items=[swipe(company, "s-1", OCTOBER)])


async def _waiting_on_a_lock(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return int(waiting or 0)


@pytest.mark.parametrize("first_commits", [True, False])
async def test_concurrent_overlapping_batches_write_each_key_once(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    writer_outbox: Outbox,
    first_commits: bool,
) -> None:
    company = uuid.uuid4()
    batch = [swipe(company, f"s-{n}", OCTOBER if n % 2 else NOVEMBER) for n in range(50)]
    # The second batch repeats the first (reversed: its answers follow its own order, not the
    # key order) and brings one key of its own.
    second_batch = [*batch[::-1], swipe(company, "t-only-in-second", OCTOBER)]
    scope = str(company)

    first_session = sessions()
    second_session = sessions()
    try:
        first = await writer.write(first_session, scope=scope, items=batch, outbox=writer_outbox)
        second_task = asyncio.create_task(
            writer.write(second_session, scope=scope, items=second_batch, outbox=writer_outbox)
        )
        await eventually(lambda: _waiting_on_a_lock(engine), until=lambda n: n >= 1)
        assert not second_task.done()
        if first_commits:
            await first_session.commit()
        else:
            await first_session.rollback()
        second = await asyncio.wait_for(second_task, timeout=30)
        await second_session.commit()
    finally:
        await first_session.close()
        await second_session.close()

    assert [r.duplicate for r in first] == [False] * 50
    assert [(r.key, r.duplicate) for r in second] == [
        *((item.key, first_commits) for item in batch[::-1]),
        ("t-only-in-second", False),
    ]
    every_key = sorted(item.key for item in second_batch)
    assert await swipe_ids(engine) == every_key
    events = await outbox_subjects_and_ids(engine)
    assert sorted(swipe_id for _, swipe_id in events) == every_key
    async with engine.connect() as conn:
        months = (await conn.execute(select(swipe_keys.c.detail["month"].astext))).scalars()
        assert Counter(months) == {"2026-10": 26, "2026-11": 25}


async def test_a_raw_asyncpg_connection_in_a_transaction_writes_the_same_way(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    refused = BulkItem(key="s-2", outcome=Outcome("refused", reasons=("no_contract",)))
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            first = await writer.write_on(
                conn,
                scope=str(company),
                items=[swipe(company, "s-1", NOVEMBER), refused],
                outbox=writer_outbox,
            )
        async with conn.transaction():
            again = await writer.write_on(
                conn,
                scope=str(company),
                items=[refused, swipe(company, "s-1", NOVEMBER)],
                outbox=writer_outbox,
            )
    finally:
        await conn.close()

    assert [r.duplicate for r in first] == [False, False]
    assert again == [
        ItemResult("s-2", Outcome("refused", reasons=("no_contract",)), duplicate=True),
        ItemResult("s-1", Outcome("accepted", detail={"month": "2026-11"}), duplicate=True),
    ]
    assert await swipe_ids(engine) == ["s-1"]
    assert len(await outbox_subjects_and_ids(engine)) == 1


async def test_events_given_as_documents_are_written_like_models_in_item_order(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    as_model = swipe(company, "s-1", NOVEMBER)
    (model_event, _) = as_model.events[0]
    document_event = CloudEvent(
        source="machinery-test",
        type="tzsb.test.swipe.recorded.v1",
        subject="3110000000000000002",
        data={"swipe_id": "s-2"},
    )
    as_document = BulkItem(
        key="s-2",
        outcome=ACCEPTED,
        row=(company, "s-2", "3110000000000000002", NOVEMBER, "check_in"),
        events=[
            (
                EventDocument(
                    document_event.id, document_event.subject, document_event.model_dump_json()
                ),
                THINGS_TOPIC,
            )
        ],
    )
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            await writer.write_on(
                conn, scope=str(company), items=[as_document, as_model], outbox=writer_outbox
            )
    finally:
        await conn.close()

    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.event_id, outbox.c.topic, outbox.c.key, outbox.c.event).order_by(
                    outbox.c.id
                )
            )
        ).all()
    topic = writer_outbox.settings.topic(THINGS_TOPIC)
    assert [tuple(row) for row in rows] == [
        (document_event.id, topic, "3110000000000000002", document_event.model_dump(mode="json")),
        (model_event.id, topic, "3110000000000000001", model_event.model_dump(mode="json")),
    ]


async def test_a_key_taken_after_the_callers_own_read_is_answered_as_a_duplicate(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    batch = [swipe(company, f"s-{n:03d}", NOVEMBER) for n in range(SMALL_BATCH + 1)]
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            stored = await writer.stored_outcomes(
                conn, scope=str(company), keys=[item.key for item in batch]
            )
            async with engine.begin() as other:  # another batch takes one key meanwhile
                await other.execute(
                    swipe_keys.insert().values(
                        scope=str(company), client_key="s-007", status="refused", reasons=[]
                    )
                )
            results = await writer.write_on(
                conn, scope=str(company), items=batch, outbox=writer_outbox, read_first=False
            )
    finally:
        await conn.close()

    assert stored == {}
    assert [r.key for r in results if r.duplicate] == ["s-007"]
    assert results[7].outcome == Outcome("refused")
    assert len(await swipe_ids(engine)) == SMALL_BATCH
    # More events than a small batch go in by COPY, still in the order of the items.
    assert [swipe_id for _, swipe_id in await outbox_subjects_and_ids(engine)] == [
        item.key for item in batch if item.key != "s-007"
    ]


async def test_rows_of_makes_the_rows_from_the_items_that_were_new_only(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox
) -> None:
    company = uuid.uuid4()
    seen: list[list[str]] = []

    def numbered(new_items: Sequence[BulkItem]) -> list[Row]:
        # What a hash chain needs: numbers for the rows actually written, in the order given.
        seen.append([item.key for item in new_items])
        return [
            (*item.row[:4], f"n{index}")
            for index, item in enumerate(new_items, start=1)
            if item.row is not None
        ]

    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            await writer.write_on(
                conn,
                scope=str(company),
                items=[swipe(company, "s-1", NOVEMBER, with_event=False)],
            )
        async with conn.transaction():
            await writer.write_on(
                conn,
                scope=str(company),
                items=[
                    swipe(company, "s-3", NOVEMBER, with_event=False),
                    swipe(company, "s-1", NOVEMBER, with_event=False),
                    swipe(company, "s-2", OCTOBER, with_event=False),
                ],
                rows_of=numbered,
            )
        kinds = await conn.fetch("SELECT swipe_id, kind FROM swipes ORDER BY swipe_id")
    finally:
        await conn.close()

    assert seen == [["s-3", "s-2"]]
    assert [tuple(row) for row in kinds] == [("s-1", "check_in"), ("s-2", "n2"), ("s-3", "n1")]


async def test_a_row_of_the_wrong_width_is_refused_before_anything_is_written(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    short = BulkItem(key="s-1", outcome=ACCEPTED, row=(uuid.uuid4(), "s-1"))
    async with sessions() as session:
        with pytest.raises(ValueError, match="2 values for 5 columns"):
            await writer.write(session, scope="any", items=[short])
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(swipe_keys)) == 0


def test_a_writer_refuses_columns_its_target_does_not_have() -> None:
    with pytest.raises(ValueError, match="elevator"):
        BulkWriter(keys=swipe_keys, target=swipes, columns=("company_id", "elevator"))


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
async def test_two_single_items_racing_on_one_key_write_it_once(
    engine: AsyncEngine, database_url: str, writer_outbox: Outbox, first_commits: bool
) -> None:
    """A swipe posted twice at once, each on its own (the small-batch path: claimed at once)."""
    company = uuid.uuid4()
    scope = str(company)
    first_conn = await asyncpg.connect(asyncpg_dsn(database_url))
    second_conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        first_transaction = first_conn.transaction()
        await first_transaction.start()
        first = await writer.write_on(
            first_conn, scope=scope, items=[swipe(company, "s-1", OCTOBER)], outbox=writer_outbox
        )

        async def second_write() -> list[ItemResult]:
            async with second_conn.transaction():
                return await writer.write_on(
                    second_conn,
                    scope=scope,
                    items=[swipe(company, "s-1", NOVEMBER)],
                    outbox=writer_outbox,
                )

        second_task = asyncio.create_task(second_write())
        await eventually(lambda: _waiting_on_a_lock(engine), until=lambda n: n >= 1)
        assert not second_task.done()
        if first_commits:
            await first_transaction.commit()
        else:
            await first_transaction.rollback()
        second = await asyncio.wait_for(second_task, timeout=30)
    finally:
        await first_conn.close()
        await second_conn.close()

    assert not first[0].duplicate
    month = "2026-10" if first_commits else "2026-11"
    assert second == [
        ItemResult("s-1", Outcome("accepted", detail={"month": month}), duplicate=first_commits)
    ]
    assert await swipe_ids(engine) == ["s-1"]
    assert len(await outbox_subjects_and_ids(engine)) == 1
