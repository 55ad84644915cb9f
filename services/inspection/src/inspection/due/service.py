"""Running the due scan: the deadline machinery with inspection's rule."""

from __future__ import annotations

from datetime import date

from inspection.due.queries import RULE_NAME
from inspection.due.schemas import DueScanRead, DueStageCounts
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.pg import Database


async def run_due_scan(scanner: DeadlineScanner, database: Database, *, as_of: date) -> DueScanRead:
    """A pass for `as_of`, waiting for a replica's pass in progress, so the counts are this
    date's: a stage fired by an earlier pass for the same date is not counted again."""
    [outcome] = [o for o in await scanner.run_pass(database, as_of=as_of) if o.rule == RULE_NAME]
    return DueScanRead(as_of=as_of, counts=DueStageCounts.model_validate(outcome.counts))
