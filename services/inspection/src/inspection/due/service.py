"""Running the due scan: the deadline machinery with inspection's rule."""

from __future__ import annotations

from datetime import date

from inspection.due.queries import RULE_NAME
from inspection.due.schemas import DueScanRead, DueStageCounts
from inspection.hazards.queries import DEADLINE_RULE_NAME, SEAL_RULE_NAME
from tzsb_common.deadlines import DeadlineScanner
from tzsb_common.pg import Database


async def run_due_scan(scanner: DeadlineScanner, database: Database, *, as_of: date) -> DueScanRead:
    """A pass for `as_of`, waiting for a replica's pass in progress, so the counts are this
    date's: a stage fired by an earlier pass for the same date is not counted again."""
    outcomes = {o.rule: o for o in await scanner.run_pass(database, as_of=as_of)}
    hazards, seals = outcomes.get(DEADLINE_RULE_NAME), outcomes.get(SEAL_RULE_NAME)
    return DueScanRead(
        as_of=as_of,
        counts=DueStageCounts.model_validate(outcomes[RULE_NAME].counts),
        hazards_overdue=hazards.fired if hazards is not None else 0,
        seals_expired=seals.fired if seals is not None else 0,
    )
