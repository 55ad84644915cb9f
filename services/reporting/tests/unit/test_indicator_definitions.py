"""Which version of each indicator's definition judges a period."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from reporting.indicators.rules import (
    Indicator,
    IndicatorDefinition,
    NoDefinition,
    definition,
    definitions_in_effect,
    judgement,
)

FIRST = date(1990, 1, 1)


def first_versions() -> list[IndicatorDefinition]:
    parameters = {
        Indicator.inspection: {"passing_conclusions": ["pass", "pass_after_reinspection"]},
        Indicator.on_time_maintenance: {"interval_days": 15},
    }
    return [
        definition(indicator.value, 1, FIRST, "…", parameters.get(indicator, {}))
        for indicator in Indicator
    ]


def test_a_period_is_judged_by_the_versions_in_effect_on_its_last_day() -> None:
    tighter = definition("on_time_maintenance", 2, date(2026, 7, 1), "…", {"interval_days": 10})
    definitions = [*first_versions(), tighter]

    before = judgement(
        definitions_in_effect(definitions, date(2026, 6, 30)), default_interval_days=15
    )
    on_the_day = judgement(
        definitions_in_effect(definitions, date(2026, 7, 1)), default_interval_days=15
    )

    assert (before.interval_days, before.versions[Indicator.on_time_maintenance]) == (15, 1)
    assert (on_the_day.interval_days, on_the_day.versions[Indicator.on_time_maintenance]) == (10, 2)
    assert on_the_day.versions[Indicator.label] == 1
    assert before.passing_conclusions == ("pass", "pass_after_reinspection")


def test_a_version_that_leaves_the_interval_open_takes_the_setting() -> None:
    open_interval = definition("on_time_maintenance", 2, date(2026, 1, 1), "…", {})

    judged = judgement(
        definitions_in_effect([*first_versions(), open_interval], date(2026, 3, 31)),
        default_interval_days=20,
    )

    assert judged.interval_days == 20


def test_a_day_before_every_version_has_no_definition() -> None:
    with pytest.raises(NoDefinition, match="record_completeness"):
        definitions_in_effect(first_versions(), date(1989, 12, 31))


def test_parameters_an_indicator_does_not_know_are_refused() -> None:
    with pytest.raises(ValidationError):
        definition("label", 2, date(2026, 1, 1), "…", {"interval_days": 10})
    with pytest.raises(ValidationError):
        definition("on_time_maintenance", 2, date(2026, 1, 1), "…", {"interval_days": 0})
