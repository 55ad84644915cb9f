"""Folding and publishing the daily swipe statistics: every `SWIPE_STATISTICS_FOLD_INTERVAL_S`,
the tallies the batches left pending are added to their company-days, and each day changed goes
out once with its totals (`tzsb.elevator.maintenance.swipe_statistics.v1`), through the outbox in
the transaction that folds it.

Why not in the transaction that stores the swipes: there the company-day's row stayed locked
from the batch's count to its commit, and every post of the company queued behind the one
before. A pass also folds every batch of a second into one event per day. Replicas may run
passes at once: each takes its tallies with SKIP LOCKED.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from elevator_maintenance.settings import ElevatorMaintenanceSettings
from elevator_maintenance.swipe_statistics.service import fold_pending
from tzsb_common.app import LifespanHook
from tzsb_common.cancellation import repeat_every, running_in_background
from tzsb_common.logging import get_logger
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database

_log = get_logger(__name__)
TALLIES_PER_TRANSACTION = 2_000


async def fold_and_publish(database: Database, outbox: Outbox) -> int:
    """Fold every pending tally, `TALLIES_PER_TRANSACTION` to a transaction; returns how many."""
    folded = 0
    while True:
        async with database.transaction() as conn:
            taken = await fold_pending(conn, outbox, TALLIES_PER_TRANSACTION)
        folded += taken
        if taken < TALLIES_PER_TRANSACTION:
            return folded


def swipe_statistics_hook(settings: ElevatorMaintenanceSettings) -> LifespanHook:
    async def keep_folding(app: FastAPI) -> None:
        # PostgreSQL away: the tallies wait, pending, for a pass that works.
        await repeat_every(
            settings.swipe_statistics_fold_interval_s,
            lambda: fold_and_publish(app.state.database, app.state.outbox),
            log=_log,
            failure="swipe statistics not folded",
        )

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        if not settings.run_background_workers:
            yield
            return
        async with running_in_background(keep_folding(app), name="swipe-statistics-fold"):
            yield

    return hook
