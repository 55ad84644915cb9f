"""A producer the relay dropped during an outage delivers nothing once the broker is back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from machinery_support import THINGS_TOPIC, new_subject, outbox, thing_event
from tzsb_common.db import create_engine
from tzsb_common.kafka import ensure_topics
from tzsb_common.outbox import Outbox, OutboxRelay
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TestInfra, TopicReader

pytestmark = pytest.mark.restarts_broker


@pytest.fixture(autouse=True)
def _needs_restartable_broker(tzsb_infra: TestInfra) -> None:
    if not tzsb_infra.broker_restartable:
        pytest.skip("the broker in use loses its data on restart")


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncEngine:
    engine = create_engine(settings)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [settings.topic(THINGS_TOPIC)],
        partitions=settings.kafka_topic_partitions,
    )
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_batch_queued_before_an_outage_is_published_once_by_the_new_producer(
    engine: AsyncEngine,
    settings: ServiceSettings,
    tzsb_infra: TestInfra,
    topic_reader: TopicReader,
) -> None:
    event = thing_event(new_subject(), 1)
    async with async_sessionmaker(engine)() as session:
        await Outbox(outbox, settings).add_event(session, event, topic=THINGS_TOPIC)
        await session.commit()
    # Giving up well before the producer's own request time-out (5 s here) lets the batch
    # still be queued when the producer is dropped, rather than expired by aiokafka already.
    relay = OutboxRelay(
        engine=engine,
        table=outbox,
        settings=settings.model_copy(update={"outbox_publish_timeout_s": 2.0}),
    )
    try:
        producer = await relay._ensure_producer()  # connected while the broker is up
        # The topic's partitions known too: without them the publish waits for metadata and
        # times out before any batch is queued.
        await producer.partitions_for(settings.topic(THINGS_TOPIC))
        await tzsb_infra.stop_broker()
        try:
            with pytest.raises(TimeoutError):
                await relay.publish_pending()  # queued, never acknowledged
            # The queued batch, whether still waiting or in flight when the producer goes.
            accumulator = relay._producer._message_accumulator  # type: ignore[union-attr]
            deliveries = [
                batch.future
                for batches in [*accumulator._batches.values(), accumulator._pending_batches]
                for batch in batches
            ]
            await relay._drop_producer()
        finally:
            await tzsb_infra.start_broker()
        assert await relay.publish_pending() == 1
    finally:
        await relay._drop_producer()

    records = await topic_reader.read(THINGS_TOPIC, count=2, timeout_s=20)
    assert [json.loads(r.value)["id"] for r in records] == [str(event.id)]
    # The dropped batch's failure is expected: retrieved, so that asyncio does not report it
    # as an error ("Future exception was never retrieved") when the future goes.
    assert deliveries
    assert all(d.done() and not d._log_traceback for d in deliveries)
