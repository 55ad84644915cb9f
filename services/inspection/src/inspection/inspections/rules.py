"""Pure decisions on an inspection record: is it acceptable, what does it make due, and does
it leave the equipment with a valid inspection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from inspection.inspection_rules.rules import (
    Conclusion,
    DueKind,
    InspectionRule,
    NextDue,
    Schedule,
    applicable_rule,
    latest_allowed_due,
    monitored_use_rule,
    next_due,
)
from inspection.inspections.schemas import InspectionCreate, InspectionKind

ELEVATOR = "3000"
VALID_CONCLUSIONS = frozenset(
    {Conclusion.passed, Conclusion.pass_after_reinspection, Conclusion.monitored_use}
)


class InspectionReason(StrEnum):
    """Why a record was refused. Values are stable API (the `code` of a validation problem)."""

    unknown_equipment = "unknown_equipment"
    inspected_in_future = "inspected_in_future"
    self_test_not_for_category = "self_test_not_for_category"
    next_due_not_after_inspection = "next_due_not_after_inspection"
    next_due_beyond_interval = "next_due_beyond_interval"
    next_due_with_failed_conclusion = "next_due_with_failed_conclusion"
    no_inspection_rule = "no_inspection_rule"
    use_not_permitted = "use_not_permitted"
    monitored_use_not_applicable = "monitored_use_not_applicable"
    monitored_use_limit_reached = "monitored_use_limit_reached"
    hazard_deadline_before_inspection = "hazard_deadline_before_inspection"


@dataclass(frozen=True)
class Violation:
    field: tuple[str | int, ...]
    code: InspectionReason
    message: str


@dataclass(frozen=True)
class EquipmentStanding:
    """What the record is judged against: the replica and the current due schedule."""

    category: str
    variety: str
    safety_grade: int | None
    commissioned_on: date | None
    last_inspected_on: date | None
    last_conclusion: str | None
    monitored_since: date | None


@dataclass(frozen=True)
class Outcome:
    valid: bool
    next_due: NextDue | None
    next_due_computed: bool
    legal_source: str | None
    monitored_since: date | None
    moves_schedule: bool
    """False for a record older than the latest one held (a late-entered old report)."""


def _monitored_since(record: InspectionCreate, standing: EquipmentStanding) -> date | None:
    if record.conclusion is not Conclusion.monitored_use:
        return None
    if standing.last_conclusion == Conclusion.monitored_use and standing.monitored_since:
        return standing.monitored_since
    return record.inspected_on


def judge_inspection(
    record: InspectionCreate,
    standing: EquipmentStanding,
    rules: Sequence[InspectionRule],
    *,
    today: date,
) -> tuple[Outcome | None, list[Violation]]:
    """The outcome of a record, or why it is refused. A valid conclusion makes the next due
    date the agency's (within the rule's longest interval) or the rule's; a failed one leaves
    the equipment without a valid inspection and sets nothing due."""
    violations: list[Violation] = []
    if record.inspected_on > today:
        violations.append(
            Violation(
                ("inspected_on",), InspectionReason.inspected_in_future, "a date in the future"
            )
        )
    if record.kind is InspectionKind.self_test and standing.category != ELEVATOR:
        violations.append(
            Violation(
                ("kind",),
                InspectionReason.self_test_not_for_category,
                "自行检测 replaces an inspection only for elevators (TSG T7008-2023)",
            )
        )
    for index, hazard in enumerate(record.hazards):
        if hazard.deadline < record.inspected_on:
            violations.append(
                Violation(
                    ("hazards", index, "deadline"),
                    InspectionReason.hazard_deadline_before_inspection,
                    "a rectification deadline before the inspection",
                )
            )
    valid = record.conclusion in VALID_CONCLUSIONS
    if record.next_due_on is not None and not valid:
        violations.append(
            Violation(
                ("next_due_on",),
                InspectionReason.next_due_with_failed_conclusion,
                "a failed inspection sets no next due date",
            )
        )
    if record.next_due_on is not None and record.next_due_on <= record.inspected_on:
        violations.append(
            Violation(
                ("next_due_on",),
                InspectionReason.next_due_not_after_inspection,
                "the next due date must be after the inspection",
            )
        )
    moves = standing.last_inspected_on is None or record.inspected_on >= standing.last_inspected_on
    if not valid:
        outcome = Outcome(False, None, False, None, None, moves)
        return (None, violations) if violations else (outcome, [])
    monitored_since = _monitored_since(record, standing)
    rule, problem = _rule_for(record, standing, rules)
    if problem is not None:
        violations.append(problem)
    if violations:
        return None, violations
    if rule is None:  # no rule applies, the agency dated the next inspection itself
        assert record.next_due_on is not None
        given = NextDue(record.next_due_on, DueKind.periodic)
        return Outcome(True, given, False, None, monitored_since, moves), []
    due = next_due(
        rule,
        inspected_on=record.inspected_on,
        commissioned_on=standing.commissioned_on,
        monitored_since=monitored_since,
    )
    if due is None:
        code, message = (
            (InspectionReason.monitored_use_limit_reached, "允许监控使用 has reached its limit")
            if rule.schedule is not Schedule.not_permitted
            else (InspectionReason.use_not_permitted, f"{rule.legal_source}: record it as fail")
        )
        return None, [Violation(("conclusion",), code, message)]
    if record.next_due_on is None:
        return Outcome(True, due, True, rule.legal_source, monitored_since, moves), []
    latest = latest_allowed_due(
        rule,
        inspected_on=record.inspected_on,
        commissioned_on=standing.commissioned_on,
        monitored_since=monitored_since,
    )
    if latest is not None and record.next_due_on > latest:
        return None, [
            Violation(
                ("next_due_on",),
                InspectionReason.next_due_beyond_interval,
                f"{rule.legal_source} allows at most {latest.isoformat()}",
            )
        ]
    given = NextDue(record.next_due_on, due.kind)
    return Outcome(True, given, False, rule.legal_source, monitored_since, moves), []


def _rule_for(
    record: InspectionCreate, standing: EquipmentStanding, rules: Sequence[InspectionRule]
) -> tuple[InspectionRule | None, Violation | None]:
    if record.conclusion is Conclusion.monitored_use:
        rule = monitored_use_rule(
            rules, category=standing.category, variety=standing.variety, on=record.inspected_on
        )
        if rule is None:
            return None, Violation(
                ("conclusion",),
                InspectionReason.monitored_use_not_applicable,
                "no rule allows 允许监控使用 for this equipment",
            )
        return rule, None
    rule = applicable_rule(
        rules,
        category=standing.category,
        variety=standing.variety,
        safety_grade=standing.safety_grade,
        on=record.inspected_on,
    )
    if rule is None and record.next_due_on is None:
        return None, Violation(
            ("next_due_on",),
            InspectionReason.no_inspection_rule,
            "no inspection rule applies to this equipment on that date: give next_due_on",
        )
    return rule, None
