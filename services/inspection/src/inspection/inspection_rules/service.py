"""Inspection-rule use cases: read the table, replace it (audited), and the rules in the form
the due-date functions take."""

from __future__ import annotations

from datetime import date
from typing import Any

from inspection.inspection_rules import queries
from inspection.inspection_rules.rules import (
    InspectionRule,
    RuleViolation,
    Schedule,
    check_rules,
)
from inspection.inspection_rules.schemas import (
    InspectionRuleRead,
    InspectionRulesRead,
    InspectionRulesWrite,
)
from tzsb_common.auth import Principal
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import PreconditionFailed


class RulesRefused(Exception):
    def __init__(self, violations: list[RuleViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_rule(row: dict[str, Any]) -> InspectionRule:
    return InspectionRule(
        category=row["category"],
        variety=row["variety"],
        safety_grade=row["safety_grade"],
        schedule=Schedule(row["schedule"]),
        interval_months=row["interval_months"],
        max_interval_months=row["max_interval_months"],
        first_inspection_months=row["first_inspection_months"],
        monitored_use_max_months=row["monitored_use_max_months"],
        inspection_years=tuple(row["inspection_years"] or ()),
        early_inspection_months=row["early_inspection_months"],
        legal_source=row["legal_source"],
        valid_from=row["valid_from"],
    )


async def current_rules(conn: Connection) -> list[InspectionRule]:
    """The table as the due-date functions take it (a few dozen rows)."""
    return [to_rule(row) for row in await queries.list_rules(conn)]


async def get_rules(database: Database) -> InspectionRulesRead:
    async with database.connection() as conn, conn.transaction(isolation="repeatable_read"):
        version = await queries.rules_version(conn)
        rows = await queries.list_rules(conn)
    return InspectionRulesRead(
        version=version, rules=[InspectionRuleRead.model_validate(row) for row in rows]
    )


def _as_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()} for row in rows
    ]


async def replace_rules(
    database: Database,
    *,
    principal: Principal,
    data: InspectionRulesWrite,
    expected_versions: frozenset[int] | None,
) -> InspectionRulesRead:
    """Replace the whole table. Due dates already computed keep their value: a change applies
    to the due dates computed after it (the next inspection recorded, the next equipment
    seen)."""
    new_rows = [rule.model_dump(mode="python") for rule in data.rules]
    violations = check_rules([to_rule(row) for row in new_rows])
    if violations:
        raise RulesRefused(violations)
    async with database.transaction() as conn:
        version = await queries.rules_version(conn, for_update=True)
        if expected_versions and version not in expected_versions:
            raise PreconditionFailed(
                f"the inspection rules are at version {version}; read them again",
                current_version=version,
            )
        previous = await queries.list_rules(conn)
        await queries.replace_rules(conn, new_rows, version + 1)
        await queries.record_change(
            conn,
            version=version + 1,
            client_id=principal.client_id,
            organisation_id=principal.organisation_id,
            previous=_as_json(previous),
            rules=_as_json(new_rows),
        )
        rows = await queries.list_rules(conn)
    return InspectionRulesRead(
        version=version + 1, rules=[InspectionRuleRead.model_validate(row) for row in rows]
    )
