"""The deadline machinery: every regulated clock as a subject, a deadline and stages that fire once.

Inspection due dates, hazard and order deadlines, the maintenance interval, licence expiry — each
is a set of subjects (an equipment code, a hazard id) with a deadline date, and stages that
become due at dates derived from the deadline (a reminder two months before, a warning on the
first of the month, overdue the day after). A service declares a `DeadlineRule`; this module
runs it. No service writes its own scheduler.

One pass of a rule, for a business date `as_of`, is one SQL statement in one transaction:

- the rule's `subjects` query yields (subject, deadline, data) — every subject whose clock is
  running, with the payload its events carry;
- each gets the stage in effect on `as_of` (the latest stage whose start is on or before it);
- a stage is written to the ledger unless the ledger already holds it or a later stage of the
  same subject and deadline (`INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`): the unique
  key on (rule, subject, deadline, stage) makes "once" a constraint, not a hope;
- every newly written stage gets its CloudEvent in the outbox, and the rule's `effects` (plain
  SQL over the newly fired rows: a draft order, a hazard) run in the same statement.

So a stage and its event and its effects exist together or not at all, and re-running any day
fires only what that day adds. Only the stage in effect fires: a subject first seen long after
its deadline gets "overdue", not a reminder to apply in time; a pass re-run for an earlier day
never fires a stage earlier than one already fired.

Clocks of minutes (rescue arrival, 救援到达): a rule declared `instant` takes the pass's instant
(timestamptz) as `$1`, its `deadline` is a timestamptz and its stage starts are timestamptz
expressions. The ledger keys such a clock by the deadline's UTC date (the subject names the
clock), and the event carries the exact deadline. Such rules are run every few seconds
(`DeadlineScanner.run_every`, `frequent_scans`) instead of daily.

Replicas: a pass holds a transaction-scoped advisory lock per rule. The daily scan runs in
every replica and *skips* a rule whose lock is taken (another replica is scanning it; the
result would be the same). A pass asked for explicitly (a bureau re-running a day, a test
moving time) *waits* for the lock, so its caller gets the counts of its own date. Passes are
recorded in `deadline_passes`; each replica's daily loop checks a few times an hour whether
today's pass is done and runs it if not, so a replica that was down at the scan time, or a pass
that failed, is caught up the same day.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from tzsb_common.cancellation import raise_if_cancelled, running_in_background
from tzsb_common.logging import get_logger
from tzsb_common.pg import Database
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)

LEDGER_TABLE = "deadline_ledger"
PASSES_TABLE = "deadline_passes"
ADVISORY_LOCK_CLASS = 0x7A5B0002
"""First key of the two-key advisory lock (the outbox uses …0001); a hash of the rule name is
the second."""


def add_deadline_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The ledger of fired stages and the record of passes, on the service's own metadata."""
    ledger = Table(
        LEDGER_TABLE,
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("rule", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("deadline", Date, nullable=False),
        Column("stage", Text, nullable=False),
        Column("fired_on", Date, nullable=False),  # the business date of the pass
        Column("fired_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("event_id", Uuid, nullable=False),
        # The rule is part of the key: two clocks of one subject (an inspection due date and a
        # hazard deadline of the same equipment) may fall on the same day with the same stage.
        UniqueConstraint("rule", "subject", "deadline", "stage", name="uq_deadline_ledger_stage"),
    )
    passes = Table(
        PASSES_TABLE,
        metadata,
        Column("rule", Text, nullable=False),
        Column("as_of", Date, nullable=False),
        Column("runs", Integer, nullable=False, server_default=text("1")),
        # Stages fired by every run for this date together.
        Column("fired", Integer, nullable=False, server_default=text("0")),
        Column("last_counts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("finished_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("rule", "as_of", name="pk_deadline_passes"),
    )
    return ledger, passes


@dataclass(frozen=True)
class Stage:
    """One step of a clock. `starts` is a SQL date expression of `deadline` (a date column):
    the first day on which this stage is in effect, e.g. `(deadline - interval '2 months')::date`.
    """

    name: str
    starts: str


@dataclass(frozen=True)
class DeadlineRule:
    """A clock a service declares.

    `subjects` is a SELECT yielding `subject` (text), `deadline` (date) and `data` (jsonb, the
    event payload without the stage); `$1` in it is the pass's `as_of` date, so it can skip
    subjects whose first stage is still far off (with an index) — a superset is enough, the
    stages decide exactly, and a bound too tight misses a day. `stages` are in order.
    `effects` are SQL statements (usually INSERT … SELECT) run in the same statement as the
    ledger insert; they read the newly fired stages from the relation `fired` (`subject`,
    `deadline`, `stage`, `event_id`, `data`) and may use `$1`.
    Every fired stage is published as `event_type` on `topic` with `data` plus `stage`,
    `deadline_field` (the deadline) and `as_of`.
    """

    name: str
    subjects: str
    stages: Sequence[Stage]
    event_type: str
    topic: str
    deadline_field: str = "deadline"
    effects: Sequence[str] = ()
    instant: bool = False
    """A clock of minutes: `$1` is an instant and `deadline` a timestamptz (module docstring)."""
    event_subject: str = "subject"
    """SQL over `fired` giving the event's subject and key, when it is not the ledger's subject:
    a rescue clock runs per incident, but its events are keyed by the elevator like the rest."""
    annotate: bool = True
    """Add `stage`, the deadline and `as_of` to the event's data; False when `data` already is
    a whole payload of another contract (a hazard signal)."""

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError(f"deadline rule {self.name} has no stages")
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"deadline rule {self.name} repeats a stage")

    @property
    def lock_key(self) -> int:
        return zlib.crc32(self.name.encode()) - 2**31  # an int4, as the two-key lock takes


@dataclass(frozen=True)
class RulePass:
    rule: str
    as_of: date
    counts: dict[str, int] = field(default_factory=dict)
    """Stages newly fired by this pass, every stage of the rule named (zeros included)."""

    @property
    def fired(self) -> int:
        return sum(self.counts.values())


def _pass_statement(rule: DeadlineRule, *, ledger: str, outbox: str) -> str:
    clock = "timestamptz" if rule.instant else "date"
    in_effect = " ".join(
        f"WHEN $1::{clock} >= ({stage.starts}) THEN '{stage.name}'"
        for stage in reversed(rule.stages)
    )
    # The ledger's deadline is a date: an instant's is its UTC date, the same on every replica.
    ledger_deadline = "(deadline AT TIME ZONE 'UTC')::date" if rule.instant else "deadline"
    fired_on = "($1::timestamptz AT TIME ZONE 'UTC')::date" if rule.instant else "$1::date"
    data = (
        f"data || jsonb_build_object('stage', stage, $7::text, deadline, 'as_of', $1::{clock})"
        if rule.annotate
        else "data"
    )
    effects = "".join(f", effect_{n} AS ({sql})" for n, sql in enumerate(rule.effects))
    # $1 as_of, $2 stage names in order, $3 rule, $4 topic (prefixed), $5 source, $6 event
    # type, $7 the data key of the deadline (annotated rules only). A pass fires at most one
    # stage per subject and deadline (the one in effect), so the rows need no order: sorting a
    # million of them cost a tenth of the pass.
    return f"""
        WITH subjects AS ({rule.subjects}),
        staged AS (
            SELECT subject, deadline, {ledger_deadline} AS ledger_deadline, data,
                   CASE {in_effect} END AS stage
            FROM subjects
        ),
        candidates AS (
            SELECT st.subject, st.deadline, st.ledger_deadline, st.data, st.stage FROM staged st
            WHERE st.stage IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {ledger} l
                  WHERE l.rule = $3 AND l.subject = st.subject
                    AND l.deadline = st.ledger_deadline
                    AND array_position($2::text[], l.stage)
                        >= array_position($2::text[], st.stage))
        ),
        inserted AS (
            INSERT INTO {ledger} (rule, subject, deadline, stage, fired_on, event_id)
            SELECT $3, subject, ledger_deadline, stage, {fired_on}, gen_random_uuid()
            FROM candidates
            ON CONFLICT DO NOTHING
            RETURNING subject, deadline, stage, event_id
        ),
        fired AS (
            SELECT i.subject, c.deadline, i.stage, i.event_id, c.data
            FROM inserted i JOIN candidates c
              ON c.subject = i.subject AND c.ledger_deadline = i.deadline AND c.stage = i.stage
        ),
        published AS (
            INSERT INTO {outbox} (event_id, topic, key, event)
            SELECT event_id, $4, event_subject, jsonb_build_object(
                'specversion', '1.0', 'id', event_id, 'source', $5::text, 'type', $6::text,
                'subject', event_subject, 'time', now(), 'datacontenttype', 'application/json',
                'data', {data})
            FROM (SELECT *, {rule.event_subject} AS event_subject FROM fired) AS f
        ){effects}
        SELECT stage, count(*)::int AS fired FROM inserted GROUP BY stage
    """  # noqa: S608 (table names and stage SQL are the service's own declarations)


_RECORD_PASS = f"""
    INSERT INTO {PASSES_TABLE} (rule, as_of, fired, last_counts) VALUES ($1, $2, $3, $4::jsonb)
    ON CONFLICT (rule, as_of) DO UPDATE SET runs = {PASSES_TABLE}.runs + 1,
        fired = {PASSES_TABLE}.fired + EXCLUDED.fired, last_counts = EXCLUDED.last_counts,
        finished_at = now()
"""  # noqa: S608
_PASSES_DONE = f"SELECT rule FROM {PASSES_TABLE} WHERE as_of = $1 AND rule = ANY($2::text[])"  # noqa: S608


class DeadlineScanner:
    """Runs a service's rules: a pass for a date on demand, and the daily scan."""

    def __init__(
        self,
        rules: Sequence[DeadlineRule],
        *,
        settings: ServiceSettings,
        outbox_table: Table,
        ledger_table: Table | None = None,
        pass_timeout_s: float = 300.0,
    ) -> None:
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ValueError("two deadline rules share a name")
        self.rules = list(rules)
        self.settings = settings
        self.pass_timeout_s = pass_timeout_s
        ledger = ledger_table.name if ledger_table is not None else LEDGER_TABLE
        self._statements = {
            rule.name: _pass_statement(rule, ledger=ledger, outbox=outbox_table.name)
            for rule in self.rules
        }

    async def run_pass(
        self, database: Database, *, as_of: date, wait: bool = True
    ) -> list[RulePass]:
        """One pass of every rule for `as_of`, each in its own transaction. With `wait`, a rule
        another replica is scanning is waited for; without, it is skipped (left out of the
        answer). A scanner holds rules of one kind: `as_of` is a date for day rules, a datetime
        for instant ones."""
        results = []
        for rule in self.rules:
            outcome = await self.run_rule(database, rule, as_of=as_of, wait=wait)
            if outcome is not None:
                results.append(outcome)
        return results

    async def run_rule(
        self, database: Database, rule: DeadlineRule, *, as_of: date, wait: bool = True
    ) -> RulePass | None:
        if rule.instant != isinstance(as_of, datetime):
            wanted = "datetime" if rule.instant else "date"
            raise TypeError(f"deadline rule {rule.name} takes a {wanted}")
        timeout = f"{int(self.pass_timeout_s * 1000)}ms"
        async with database.transaction() as conn:
            # A pass over a million subjects outlasts the request path's statement time-out.
            await conn.execute("SELECT set_config('statement_timeout', $1, true)", timeout)
            if wait:
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1, $2)",
                    ADVISORY_LOCK_CLASS,
                    rule.lock_key,
                    timeout=self.pass_timeout_s + 5,  # waits for another replica's pass
                )
            elif not await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock($1, $2)", ADVISORY_LOCK_CLASS, rule.lock_key
            ):
                log.info("deadline pass skipped: another replica holds it", rule=rule.name)
                return None
            arguments: list[object] = [
                as_of,
                [stage.name for stage in rule.stages],
                rule.name,
                self.settings.topic(rule.topic),
                self.settings.service_name,
                rule.event_type,
            ]
            if rule.annotate:
                arguments.append(rule.deadline_field)
            rows = await conn.fetch(
                self._statements[rule.name],
                *arguments,
                # The driver's bound on one round trip (DATABASE_COMMAND_TIMEOUT_S) is for
                # request paths; a pass is bounded by its own statement time-out above.
                timeout=self.pass_timeout_s + 5,
            )
            counts = {stage.name: 0 for stage in rule.stages}
            counts.update({row["stage"]: row["fired"] for row in rows})
            outcome = RulePass(rule=rule.name, as_of=as_of, counts=counts)
            await conn.execute(_RECORD_PASS, rule.name, _pass_day(as_of), outcome.fired, counts)
        if outcome.fired or not rule.instant:  # an instant rule passes every few seconds
            log.info("deadline pass", rule=rule.name, as_of=as_of.isoformat(), **counts)
        return outcome

    async def pending_rules(self, database: Database, *, as_of: date) -> list[DeadlineRule]:
        """The rules without a recorded pass for `as_of`."""
        async with database.connection() as conn:
            rows = await conn.fetch(_PASSES_DONE, as_of, [rule.name for rule in self.rules])
        done = {row["rule"] for row in rows}
        return [rule for rule in self.rules if rule.name not in done]

    async def run_daily(
        self,
        database: Database,
        *,
        at: time,
        zone: ZoneInfo,
        check_interval_s: float = 300.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """For ever: once the local time is past `at`, run today's pass of every rule that has
        none yet (skipping rules another replica is scanning). Checked every
        `check_interval_s`, jittered so replicas do not all ask at once."""
        now_in_zone = clock or (lambda: datetime.now(zone))
        while True:
            raise_if_cancelled()
            try:
                now = now_in_zone()
                if now.time() >= at:
                    for rule in await self.pending_rules(database, as_of=now.date()):
                        await self.run_rule(database, rule, as_of=now.date(), wait=False)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: the next check tries again
                log.warning("deadline scan failed", error=f"{type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(check_interval_s * (0.5 + random.random()))

    async def run_every(
        self,
        database: Database,
        *,
        interval_s: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """For ever: a pass of every instant rule for the current instant, about every
        `interval_s` (jittered), skipping rules another replica is scanning."""
        now = clock or (lambda: datetime.now(UTC))
        while True:
            raise_if_cancelled()
            try:
                for rule in self.rules:
                    if rule.instant:
                        await self.run_rule(database, rule, as_of=now(), wait=False)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: the next round tries again
                log.warning("clock scan failed", error=f"{type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(interval_s * (0.5 + random.random()))


def _pass_day(as_of: date) -> date:
    return as_of.astimezone(UTC).date() if isinstance(as_of, datetime) else as_of


def daily_scans(
    scanner_of: Callable[[FastAPI], DeadlineScanner],
    *,
    at: time,
    zone: ZoneInfo,
    check_interval_s: float = 300.0,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan hook (`ServiceDefinition.hooks`): builds the scanner into
    `app.state.deadline_scanner` and, where background workers run, the daily scan beside them."""

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        scanner = scanner_of(app)
        app.state.deadline_scanner = scanner
        if not scanner.settings.run_background_workers:
            yield
            return
        daily = scanner.run_daily(
            app.state.database, at=at, zone=zone, check_interval_s=check_interval_s
        )
        async with running_in_background(daily, name="deadline-scan"):
            yield

    return hook


def frequent_scans(
    scanner_of: Callable[[FastAPI], DeadlineScanner],
    *,
    every_s: float,
    state_attribute: str = "clock_scanner",
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan hook for instant rules: the scanner goes into `app.state.<state_attribute>`
    (beside a daily scanner, if the service has one) and, where background workers run, passes
    for the current instant about every `every_s`."""

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        scanner = scanner_of(app)
        setattr(app.state, state_attribute, scanner)
        if not scanner.settings.run_background_workers:
            yield
            return
        passes = scanner.run_every(app.state.database, interval_s=every_s)
        async with running_in_background(passes, name=f"clock-scan-{state_attribute}"):
            yield

    return hook


__all__ = [
    "ADVISORY_LOCK_CLASS",
    "DeadlineRule",
    "DeadlineScanner",
    "RulePass",
    "Stage",
    "add_deadline_tables",
    "daily_scans",
    "frequent_scans",
]
