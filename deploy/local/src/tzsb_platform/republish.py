"""`python -m tzsb_platform republish --service registry --topic tzsb.registry.equipment`

Re-emits the current state of every record a service holds for one of its snapshot topics, so a
replica built after the broker dropped the original events (or a new consumer group) can be
built from scratch. The events go through the service's outbox in bounded batches and carry
the ids the original events had: a consumer that has them already ignores them.

The service is read from its own settings (DATABASE_URL and friends, as for the service
itself); its relay publishes the queued events, at once if it runs, else when it next starts.
Running it again, or after a failure part-way, is always safe: the same ids go out again.
A service offers re-publishing by a module `<package>.republish.command` with `TOPICS` and
`async run(settings, *, topic, batch_size) -> int`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from tzsb_platform.services import SERVICES_BY_NAME, ServiceSpec

DEFAULT_BATCH_SIZE = 500


def _command_module(spec: ServiceSpec) -> ModuleType | None:
    name = f"{spec.package}.republish.command"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name in (name, f"{spec.package}.republish"):
            return None  # the service has no such module; any other missing import is a bug
        raise


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m tzsb_platform republish",
        description="Re-emit a service's current records onto one of its snapshot topics.",
    )
    cli.add_argument("--service", required=True, choices=sorted(SERVICES_BY_NAME))
    cli.add_argument("--topic", required=True, help="e.g. tzsb.registry.equipment (no prefix)")
    cli.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"records per transaction (default {DEFAULT_BATCH_SIZE})",
    )
    return cli


async def republish(service: str, topic: str, batch_size: int) -> int:
    """Queue the snapshots; returns how many. Raises ValueError for what cannot be done."""
    if batch_size <= 0:
        raise ValueError("--batch-size must be positive")
    spec = SERVICES_BY_NAME[service]
    command = _command_module(spec)
    if command is None:
        raise ValueError(f"{service} has no snapshot topics to re-publish")
    topics: Sequence[str] = command.TOPICS
    if topic not in topics:
        raise ValueError(f"{service} re-publishes {', '.join(topics)}; not {topic}")
    queued: int = await command.run(spec.load_settings(), topic=topic, batch_size=batch_size)
    return queued


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        queued = asyncio.run(republish(args.service, args.topic, args.batch_size))
    except ValueError as error:
        print(f"republish: {error}", file=sys.stderr)
        return 2
    print(
        f"{queued} snapshot events queued in the {args.service} outbox for {args.topic}; "
        f"its relay publishes them"
    )
    return 0
