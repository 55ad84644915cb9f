"""`python -m tzsb_platform republish --service registry --topic …` runs this.

It only writes the outbox of the registry's database; the registry's running relay publishes
the events (or does so when it next starts), exactly as it publishes every other event.
"""

from __future__ import annotations

from registry.db import load_metadata, outbox
from registry.republish.service import SOURCES, NotRepublishable, republish_topic
from registry.settings import RegistrySettings
from tzsb_common.db import create_engine, create_session_factory
from tzsb_common.outbox import Outbox

TOPICS = tuple(SOURCES)

__all__ = ["TOPICS", "NotRepublishable", "run"]


async def run(settings: RegistrySettings, *, topic: str, batch_size: int) -> int:
    """Queue one snapshot event per record of `topic`; returns how many were queued."""
    load_metadata()
    engine = create_engine(settings)
    try:
        return await republish_topic(
            create_session_factory(engine),
            Outbox(outbox, settings),
            topic=topic,
            batch_size=batch_size,
        )
    finally:
        await engine.dispose()
