"""Pure decisions about inspection intervals: which rule applies to a piece of equipment, and
when its next inspection is due.

The rules table (category, variety, safety grade, schedule, intervals, legal source, valid
from) holds the numbers; this module only knows the shapes of schedule there are:

- `months`: due a fixed number of calendar months after the inspection (TSG 11, TSG 21,
  TSG D7005, TSG Q7015, TSG 81, TSG 71, TSG S7001, TSG ZF001);
- `elevator_years` (TSG T7001-2023): a check every year on the anniversary of commissioning —
  an inspection by an agency in the rule's inspection years (1, 4, 7, 9, 11, 13, 15) and every
  year after the last of them, the maintenance company's self-test (自行检测, TSG T7008-2023)
  in the other years;
- `not_permitted`: the equipment must not be used (pressure vessel grade 5), nothing is due.

Calendar months are calendar months: 31 January plus one month is the last day of February.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Schedule(StrEnum):
    months = "months"
    elevator_years = "elevator_years"
    not_permitted = "not_permitted"


class DueKind(StrEnum):
    periodic = "periodic"  # 定期检验
    self_test = "self_test"  # 自行检测


class Conclusion(StrEnum):
    passed = "pass"  # 合格
    pass_after_reinspection = "pass_after_reinspection"  # noqa: S105  (复检合格, not a secret)
    fail = "fail"  # 不合格
    monitored_use = "monitored_use"  # 允许监控使用


class RuleReason(StrEnum):
    """Why a rules table was refused. Values are stable API."""

    duplicate_rule = "duplicate_rule"
    variety_not_in_category = "variety_not_in_category"
    interval_required = "interval_required"
    interval_not_allowed = "interval_not_allowed"
    max_interval_below_interval = "max_interval_below_interval"
    inspection_years_required = "inspection_years_required"


@dataclass(frozen=True)
class InspectionRule:
    category: str
    variety: str | None
    safety_grade: int | None
    schedule: Schedule
    interval_months: int | None
    max_interval_months: int | None
    first_inspection_months: int | None
    monitored_use_max_months: int | None
    inspection_years: tuple[int, ...]
    early_inspection_months: int
    legal_source: str
    valid_from: date

    def matches(self, category: str, variety: str, safety_grade: int | None) -> bool:
        if self.category != category:
            return False
        if self.safety_grade is not None and self.safety_grade != safety_grade:
            return False
        return self.variety is None or _variety_matches(self.variety, variety)

    def specificity(self, variety: str) -> tuple[int, int]:
        exact = 2 if self.variety == variety else 1 if self.variety is not None else 0
        return exact, 0 if self.safety_grade is None else 1


def _variety_matches(rule_variety: str, variety: str) -> bool:
    """A class code (e.g. 4300 塔式起重机) covers its varieties (4310, 4320)."""
    if rule_variety == variety:
        return True
    return rule_variety.endswith("00") and variety[:2] == rule_variety[:2]


@dataclass(frozen=True)
class NextDue:
    due_on: date
    kind: DueKind


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (2024-01-31 + 1 → 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def applicable_rule(
    rules: Iterable[InspectionRule],
    *,
    category: str,
    variety: str,
    safety_grade: int | None,
    on: date,
) -> InspectionRule | None:
    """The most specific rule for the equipment (exact variety over its class over the
    category; a grade over none), and of those the latest valid on `on`."""
    candidates = [
        rule
        for rule in rules
        if rule.valid_from <= on and rule.matches(category, variety, safety_grade)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (*r.specificity(variety), r.valid_from))


def monitored_use_rule(
    rules: Iterable[InspectionRule], *, category: str, variety: str, on: date
) -> InspectionRule | None:
    """允许监控使用 is the regime of safety grade 4 (TSG 21, TSG D7005): its rule, if the
    category has one."""
    rule = applicable_rule(rules, category=category, variety=variety, safety_grade=4, on=on)
    return rule if rule is not None and rule.monitored_use_max_months else None


def elevator_check_kind(rule: InspectionRule, year: int) -> DueKind:
    """TSG T7001-2023: an agency inspects in the listed years after commissioning and every
    year after the last of them; the maintenance company self-tests in the others."""
    if year in rule.inspection_years or year > max(rule.inspection_years, default=0):
        return DueKind.periodic
    return DueKind.self_test


def _anniversary(commissioned_on: date, years: int) -> date:
    return add_months(commissioned_on, 12 * years)


def first_due(rule: InspectionRule, *, commissioned_on: date) -> NextDue | None:
    """When a piece of equipment never inspected since commissioning is first due."""
    if rule.schedule is Schedule.not_permitted:
        return None
    if rule.schedule is Schedule.elevator_years:
        return NextDue(_anniversary(commissioned_on, 1), elevator_check_kind(rule, 1))
    months = rule.first_inspection_months or rule.interval_months
    assert months is not None, "a months rule has an interval (checked when it is stored)"
    return NextDue(add_months(commissioned_on, months), DueKind.periodic)


def next_due(
    rule: InspectionRule,
    *,
    inspected_on: date,
    commissioned_on: date | None,
    monitored_since: date | None = None,
) -> NextDue | None:
    """The next due date after a valid inspection on `inspected_on`; None when nothing can be
    due (the equipment must not be used, or monitored use has reached its limit).

    `rule` is the monitored-use rule when the conclusion was 允许监控使用, and
    `monitored_since` the day monitored use began: TSG 21 allows it with inspections at most
    a year apart and for at most `monitored_use_max_months` in total.
    """
    if rule.schedule is Schedule.not_permitted:
        return None
    if rule.schedule is Schedule.elevator_years and commissioned_on is not None:
        # The check of year n may be done up to `early_inspection_months` before the n-th
        # anniversary; one done earlier than that leaves year n's check still due.
        year = 1
        while add_months(_anniversary(commissioned_on, year), -rule.early_inspection_months) <= (
            inspected_on
        ):
            year += 1
        return NextDue(_anniversary(commissioned_on, year), elevator_check_kind(rule, year))
    months = rule.interval_months or 12
    due_on = add_months(inspected_on, months)
    if monitored_since is not None and rule.monitored_use_max_months:
        due_on = min(due_on, add_months(monitored_since, rule.monitored_use_max_months))
        if due_on <= inspected_on:
            return None
    return NextDue(due_on, DueKind.periodic)


def latest_allowed_due(
    rule: InspectionRule,
    *,
    inspected_on: date,
    commissioned_on: date | None,
    monitored_since: date | None = None,
) -> date | None:
    """The latest next due date an agency may set: the rule's longest interval (3–6 years for
    a grade 1–2 vessel under TSG 21), never past the schedule of elevators or the limit of
    monitored use."""
    scheduled = next_due(
        rule,
        inspected_on=inspected_on,
        commissioned_on=commissioned_on,
        monitored_since=monitored_since,
    )
    if scheduled is None:
        return None
    if (
        rule.schedule is Schedule.months
        and rule.max_interval_months
        and not (monitored_since and rule.monitored_use_max_months)
    ):
        return max(scheduled.due_on, add_months(inspected_on, rule.max_interval_months))
    return scheduled.due_on


@dataclass(frozen=True)
class RuleViolation:
    index: int
    field: str
    code: RuleReason
    message: str


def check_rules(rules: Sequence[InspectionRule]) -> list[RuleViolation]:
    """The consistency a rules table must keep beyond each field's own range."""
    violations: list[RuleViolation] = []
    seen: dict[tuple[str, str | None, int | None, date], int] = {}
    for index, rule in enumerate(rules):
        key = (rule.category, rule.variety, rule.safety_grade, rule.valid_from)
        if key in seen:
            violations.append(
                RuleViolation(
                    index,
                    "valid_from",
                    RuleReason.duplicate_rule,
                    f"rule {seen[key]} has the same category, variety, grade and valid_from",
                )
            )
        seen.setdefault(key, index)
        if rule.variety is not None and rule.variety[0] != rule.category[0]:
            violations.append(
                RuleViolation(
                    index,
                    "variety",
                    RuleReason.variety_not_in_category,
                    f"{rule.variety} is not a variety of category {rule.category}",
                )
            )
        violations.extend(_schedule_problems(index, rule))
    return violations


def _schedule_problems(index: int, rule: InspectionRule) -> list[RuleViolation]:
    problems: list[RuleViolation] = []
    if rule.schedule is Schedule.not_permitted:
        for name in ("interval_months", "max_interval_months", "first_inspection_months"):
            if getattr(rule, name) is not None:
                problems.append(
                    RuleViolation(
                        index, name, RuleReason.interval_not_allowed, "nothing is due here"
                    )
                )
        return problems
    if rule.schedule is Schedule.elevator_years and not rule.inspection_years:
        problems.append(
            RuleViolation(
                index,
                "inspection_years",
                RuleReason.inspection_years_required,
                "the elevator schedule needs the years in which an agency inspects",
            )
        )
    if rule.interval_months is None:
        problems.append(
            RuleViolation(
                index, "interval_months", RuleReason.interval_required, "an interval is needed"
            )
        )
    elif rule.max_interval_months is not None and rule.max_interval_months < rule.interval_months:
        problems.append(
            RuleViolation(
                index,
                "max_interval_months",
                RuleReason.max_interval_below_interval,
                "the longest interval cannot be shorter than the default one",
            )
        )
    return problems
