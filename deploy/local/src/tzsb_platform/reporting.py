"""`tzsb reporting rebuild` — empty reporting's read models and build them again from the bus.

Runs beside a running platform (or with it stopped: then the registry's relay publishes the
re-queued snapshots when it next starts, and the command waits for them up to `--timeout`).
It reads each service's settings as the services do (DATABASE_URL …, KAFKA_BOOTSTRAP_SERVERS).

1. reporting's read models and their inbox rows are emptied (reporting.read_models.rebuild);
2. the registry re-publishes every snapshot topic reporting reads (as `tzsb republish` does),
   and the command waits until the registry's relay has sent those events;
3. the read models' consumers read every topic from its first retained event under a consumer
   group of their own until they reach its end.

Exit status: 0 when rebuilt, 1 when the replay did not catch up in time (run it again), 2 when
it cannot start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from tzsb_common.contracts.registry import (
    CERTIFICATE_TOPIC,
    CONTRACT_TOPIC,
    EQUIPMENT_TOPIC,
    LICENCE_TOPIC,
    ORGANISATION_TOPIC,
)
from tzsb_common.db import create_engine
from tzsb_platform.republish import DEFAULT_BATCH_SIZE, republish
from tzsb_platform.services import REGISTRY, SERVICES_BY_NAME

REGISTRY_TOPICS = (
    ORGANISATION_TOPIC,
    LICENCE_TOPIC,
    CERTIFICATE_TOPIC,
    EQUIPMENT_TOPIC,
    CONTRACT_TOPIC,
)
"""The registry's snapshot topics reporting builds read models from."""


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="tzsb reporting", description="reporting's commands")
    what = cli.add_subparsers(dest="what", required=True)
    rebuild = what.add_parser(
        "rebuild", help="drop the read models and rebuild them from the registry and the topics"
    )
    rebuild.add_argument(
        "--no-republish",
        action="store_true",
        help="skip the registry's re-publishing (its topics still hold every record)",
    )
    rebuild.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for each step (600)"
    )
    return cli


async def _wait_for_registry_relay(topics: Sequence[str], timeout_s: float) -> None:
    """Until the registry's outbox holds no unsent event for `topics`."""
    from registry.db import load_metadata, outbox  # the registry's own outbox table

    load_metadata()
    settings = REGISTRY.load_settings()
    names = [settings.topic(topic) for topic in topics]
    unsent = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.topic.in_(names), outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    )
    engine = create_engine(settings)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with engine.connect() as conn:
                left = int(await conn.scalar(unsent) or 0)
            if left == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the registry's relay has not sent {left} re-published events; is the "
                    "registry running?"
                )
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def rebuild(*, with_republish: bool, timeout_s: float) -> Any:
    from reporting.read_models.rebuild import rebuild_read_models

    async def republish_registry() -> None:
        for topic in REGISTRY_TOPICS:
            queued = await republish(REGISTRY.name, topic, DEFAULT_BATCH_SIZE)
            print(f"registry: {queued} snapshot events queued for {topic}", file=sys.stderr)
        await _wait_for_registry_relay(REGISTRY_TOPICS, timeout_s)

    settings: Any = SERVICES_BY_NAME["reporting"].load_settings()
    return await rebuild_read_models(
        settings,
        republish=republish_registry if with_republish else None,
        timeout_s=timeout_s,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from reporting.read_models.rebuild import RebuildIncomplete

    try:
        report = asyncio.run(rebuild(with_republish=not args.no_republish, timeout_s=args.timeout))
    except (RebuildIncomplete, TimeoutError) as error:
        print(f"reporting rebuild: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"reporting rebuild: {error}", file=sys.stderr)
        return 2
    for table, rows in report.rows.items():
        print(f"{table}\t{rows}")
    print(f"read models rebuilt in {report.seconds:.1f} s (replayed as {report.replay_group}.*)")
    return 0
