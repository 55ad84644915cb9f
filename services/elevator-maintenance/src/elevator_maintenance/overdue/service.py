"""Running the overdue pass: the deadline machinery with maintenance's rule."""

from __future__ import annotations

from datetime import date

from elevator_maintenance.overdue.queries import RULE_NAME
from elevator_maintenance.overdue.schemas import OverdueScanRead, OverdueStageCounts
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.pg import Database


async def run_overdue_scan(
    scanner: DeadlineScanner, database: Database, *, as_of: date
) -> OverdueScanRead:
    """A pass for `as_of`, waiting for a replica's pass in progress, so the counts are this
    date's: a spell signalled by an earlier pass is not counted again."""
    [outcome] = [o for o in await scanner.run_pass(database, as_of=as_of) if o.rule == RULE_NAME]
    return OverdueScanRead(as_of=as_of, counts=OverdueStageCounts.model_validate(outcome.counts))
