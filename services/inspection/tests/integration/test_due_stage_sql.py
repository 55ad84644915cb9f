"""The due rule's SQL stage starts equal `stage_dates` on every day of a leap year and the year
after: the scan and the dates people read from the rules never disagree at a month's end."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI

from inspection.due.queries import due_rule
from inspection.due.rules import stage_dates


async def test_the_sql_stage_starts_are_the_python_stage_dates(app: FastAPI) -> None:
    rule = due_rule(reminder_months=2, hazard_topic="tzsb.hazard")
    days = [date(2028, 1, 1) + timedelta(days=n) for n in range(366 + 365)]
    starts = ", ".join(
        f"({stage.starts.replace('deadline', 'd')})::date AS {stage.name}" for stage in rule.stages
    )
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            f"SELECT d, {starts} FROM unnest($1::date[]) AS d ORDER BY d",  # noqa: S608
            days,
        )

    assert len(rows) == len(days)
    mismatches = [
        (row["d"], stage, row[stage.value], expected)
        for row in rows
        for stage, expected in stage_dates(row["d"], reminder_months=2).items()
        if row[stage.value] != expected
    ]
    assert mismatches == []
