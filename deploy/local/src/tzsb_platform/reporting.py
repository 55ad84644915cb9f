"""`tzsb reporting rebuild` — empty reporting's read models and build them again from the bus.

Runs beside a running platform (or with it stopped: then the registry's relay publishes the
re-queued snapshots when it next starts, and the command waits for them up to `--timeout`).
It reads each service's settings as the services do (KAFKA_BOOTSTRAP_SERVERS …); since it
works on two databases, `--reporting-database-url` and `--registry-database-url` name them
where DATABASE_URL does not (by default each service's own database on the embedded server).

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
    STAFF_TOPIC,
)
from tzsb_common.db import async_url, create_engine
from tzsb_common.settings import ServiceSettings
from tzsb_platform.republish import DEFAULT_BATCH_SIZE
from tzsb_platform.services import REGISTRY, SERVICES_BY_NAME

REGISTRY_TOPICS = (
    ORGANISATION_TOPIC,
    LICENCE_TOPIC,
    CERTIFICATE_TOPIC,
    EQUIPMENT_TOPIC,
    CONTRACT_TOPIC,
    STAFF_TOPIC,
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
    rebuild.add_argument("--reporting-database-url", help="reporting's database")
    rebuild.add_argument("--registry-database-url", help="the registry's database")
    return cli


def _with_database(settings: ServiceSettings, url: str | None) -> ServiceSettings:
    return settings if url is None else settings.model_copy(update={"database_url": async_url(url)})


async def _wait_for_registry_relay(
    settings: ServiceSettings, topics: Sequence[str], timeout_s: float
) -> None:
    """Until the registry's outbox holds no unsent event for `topics`."""
    from registry.db import load_metadata, outbox  # the registry's own outbox table

    load_metadata()
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


async def rebuild(
    reporting_settings: ServiceSettings,
    registry_settings: ServiceSettings | None,
    *,
    timeout_s: float,
) -> Any:
    """Rebuild reporting's read models; with `registry_settings`, after the registry
    re-published its snapshot topics and its relay sent them."""
    from registry.republish import command as registry_republish
    from reporting.read_models.rebuild import rebuild_read_models

    async def republish_registry() -> None:
        assert registry_settings is not None
        for topic in REGISTRY_TOPICS:
            queued = await registry_republish.run(
                registry_settings,  # type: ignore[arg-type]
                topic=topic,
                batch_size=DEFAULT_BATCH_SIZE,
            )
            print(f"registry: {queued} snapshot events queued for {topic}", file=sys.stderr)
        await _wait_for_registry_relay(registry_settings, REGISTRY_TOPICS, timeout_s)

    return await rebuild_read_models(
        reporting_settings,  # type: ignore[arg-type]
        republish=None if registry_settings is None else republish_registry,
        timeout_s=timeout_s,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from reporting.read_models.rebuild import RebuildIncomplete

    reporting = _with_database(
        SERVICES_BY_NAME["reporting"].load_settings(), args.reporting_database_url
    )
    registry = (
        None
        if args.no_republish
        else _with_database(REGISTRY.load_settings(), args.registry_database_url)
    )
    try:
        report = asyncio.run(rebuild(reporting, registry, timeout_s=args.timeout))
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
