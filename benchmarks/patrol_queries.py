"""The online patrol, risk grades and rates over a million pieces of equipment, on this machine.

    uv run --frozen --all-packages python benchmarks/patrol_queries.py
    uv run --frozen --all-packages python benchmarks/patrol_queries.py --equipment 200000

Seeds the inspection replica and due schedule as `due_scan.py` does (20,000 use units, 2 % long
overdue, 2 % suspended), spreads the equipment over three parks, gives 95 % of it maintenance
contracts (a tenth of them expired), marks 1 % as failed, and adds a year of inspections (one
per 20 pieces) and hazards (one per 50). Then times each read the way a request makes it,
through the service functions: the patrol's counts, a first page of each question, a page
filtered by park and by unit, the risk-grade list and one unit, and a year's rates. Prints
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from due_scan import DEFAULT_EQUIPMENT, FIRST_DAY, scratch_database, seed

from inspection.patrol import service as patrol
from inspection.patrol.rules import PatrolQuestion
from inspection.rates import service as rates
from inspection.risk_grades import service as risk_grades
from inspection.risk_grades.rules import RiskGrade
from inspection.settings import InspectionSettings
from tzsb_common.db import asyncpg_dsn
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.pg import Database, create_pool

MIGRATIONS = (
    __import__("tzsb_common.settings", fromlist=["REPO_ROOT"]).REPO_ROOT
    / "services"
    / "inspection"
    / "migrations"
)
ZONE = ZoneInfo("Asia/Shanghai")
UNIT_1 = uuid.UUID("00000000-0000-4000-8000-000000000001")

_SPREAD = [
    # Three parks; one piece in a thousand in use without a registration number.
    "UPDATE equipment SET park = (ARRAY['中川园区', '秦川园区', '西岔园区'])"
    "[1 + right(equipment_code, 6)::int % 3], registration_number = CASE "
    "WHEN right(equipment_code, 6)::int % 1000 = 9 THEN NULL ELSE 'R' || equipment_code END",
    "UPDATE due_schedule SET valid = false, last_conclusion = 'fail', "
    "last_inspection_id = gen_random_uuid(), last_inspected_on = $1::date - 30 "
    "WHERE right(equipment_code, 6)::int % 100 = 3",
    "UPDATE due_schedule SET last_inspection_id = gen_random_uuid(), "
    "last_inspected_on = $1::date - 200 WHERE valid AND right(equipment_code, 6)::int % 3 = 0",
]
_CONTRACTS = """
    INSERT INTO contract_elevators (equipment_code, contract_id, valid_from, in_force_until)
    SELECT equipment_code, gen_random_uuid(), $1::date - 300,
           CASE WHEN right(equipment_code, 6)::int % 10 = 4 THEN $1::date - 10
                ELSE $1::date + 60 END
    FROM equipment WHERE right(equipment_code, 6)::int % 20 <> 5
"""
_INSPECTIONS = """
    INSERT INTO inspections (id, agency_id, client_id, equipment_code, report_number, kind,
                             inspected_on, conclusion, next_due_computed, valid)
    SELECT gen_random_uuid(), '00000000-0000-4000-8000-0000000000aa', 'bench', equipment_code,
           'R' || equipment_code, 'periodic', $1::date - (right(equipment_code, 6)::int % 365),
           CASE WHEN right(equipment_code, 6)::int % 7 = 0 THEN 'fail' ELSE 'pass' END,
           true, right(equipment_code, 6)::int % 7 <> 0
    FROM equipment WHERE right(equipment_code, 6)::int % 20 = 0
"""
_HAZARDS = """
    INSERT INTO hazards (equipment_code, use_unit_id, source, inspection_id, severity,
                         description, deadline, state, created_at)
    SELECT i.equipment_code, e.use_unit_id, 'inspection', i.id,
           CASE WHEN right(i.equipment_code, 6)::int % 3 = 0 THEN 'major' ELSE 'general' END,
           '隐患', i.inspected_on + 30,
           CASE WHEN right(i.equipment_code, 6)::int % 4 = 0 THEN 'open' ELSE 'closed' END,
           i.inspected_on::timestamptz
    FROM inspections i JOIN equipment e USING (equipment_code)
    WHERE right(i.equipment_code, 6)::int % 40 = 0
"""


async def seed_more(database_url: str) -> float:
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(_SPREAD[0])
        for statement in _SPREAD[1:]:
            await conn.execute(statement, FIRST_DAY)
        for statement in (_CONTRACTS, _INSPECTIONS):
            await conn.execute(statement, FIRST_DAY)
        await conn.execute(_HAZARDS)
        for table in ("equipment", "due_schedule", "contract_elevators", "inspections", "hazards"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def timed(label: str, read: Callable[[], Awaitable[Any]], emit: Callable[[str], None]) -> Any:
    await read()  # a first run warms the cache and the prepared statement
    started = time.perf_counter()
    answer = await read()
    emit(f"{label:<48} {(time.perf_counter() - started) * 1000:9.1f} ms")
    return answer


async def run(database_url: str, equipment: int, emit: Callable[[str], None]) -> None:
    upgrade_to_head(MIGRATIONS, database_url)
    emit(f"seeded {equipment:,} equipment in {await seed(database_url, equipment):.1f} s")
    emit(f"seeded contracts, inspections, hazards in {await seed_more(database_url):.1f} s")
    settings = InspectionSettings(
        database_url=database_url, database_pool_size=2, log_json=False, log_level="WARNING"
    )
    pool = await create_pool(settings)
    database = Database(pool, acquire_timeout_s=10)
    grading = risk_grades.grading_from(settings)
    as_of = FIRST_DAY
    try:
        counts = await timed(
            "patrol counts",
            lambda: patrol.count_questions(database, as_of=as_of, park=None, use_unit_id=None),
            emit,
        )
        emit(f"  {counts.model_dump(exclude={'as_of'})}")
        for question in PatrolQuestion:
            await timed(
                f"patrol page of 50: {question.value}",
                lambda q=question: patrol.list_question(  # type: ignore[misc]
                    database, question=q, as_of=as_of, park=None, use_unit_id=None,
                    after=None, limit=51,
                ),
                emit,
            )  # fmt: skip
        await timed(
            "patrol page of 50: past_due in 秦川园区",
            lambda: patrol.list_question(
                database, question=PatrolQuestion.past_due, as_of=as_of, park="秦川园区",
                use_unit_id=None, after="000000000000500000", limit=51,
            ),
            emit,
        )  # fmt: skip
        await timed(
            "patrol counts of one use unit",
            lambda: patrol.count_questions(database, as_of=as_of, park=None, use_unit_id=UNIT_1),
            emit,
        )
        await timed(
            "risk grades: first page of 50",
            lambda: risk_grades.list_grades(
                database, grading=grading, as_of=as_of, zone=ZONE, grade=None, after=None,
                limit=51,
            ),
            emit,
        )  # fmt: skip
        await timed(
            "risk grades: first page of grade D",
            lambda: risk_grades.list_grades(
                database, grading=grading, as_of=as_of, zone=ZONE, grade=RiskGrade.D,
                after=None, limit=51,
            ),
            emit,
        )  # fmt: skip
        await timed(
            "risk grade of one unit",
            lambda: risk_grades.get_grade(
                database, grading=grading, as_of=as_of, zone=ZONE, use_unit_id=UNIT_1
            ),
            emit,
        )
        await timed(
            "rates for a year",
            lambda: rates.rates_of(
                database, period_start=date(2025, 7, 1), period_end=date(2026, 6, 30)
            ),
            emit,
        )
    finally:
        await pool.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equipment", type=int, default=DEFAULT_EQUIPMENT)
    args = parser.parse_args()
    async with scratch_database() as url:
        await run(url, args.equipment, emit=print)


if __name__ == "__main__":
    asyncio.run(main())
