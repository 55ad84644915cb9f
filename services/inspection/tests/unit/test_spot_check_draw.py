"""The spot-check draw (spot_checks.rules): reproducible from its seed, weighted by risk grade,
without replacement."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

from inspection.risk_grades.rules import RiskGrade
from inspection.spot_checks.rules import (
    SpotCheckConclusion,
    SpotCheckReason,
    candidates_of,
    check_draw,
    check_result,
    draw,
)

LOTS = {RiskGrade.A: 1, RiskGrade.B: 2, RiskGrade.C: 4, RiskGrade.D: 8}
UNITS = [(uuid.UUID(int=n), RiskGrade(g)) for n, g in zip(range(1, 9), "AABBCCDD", strict=True)]
POOL = [uuid.UUID(int=100 + n) for n in range(5)]


def test_a_seed_always_draws_the_same_units_and_inspectors() -> None:
    candidates = candidates_of(UNITS, LOTS)

    drawn = draw(
        seed=20261125, candidates=candidates, inspector_pool=POOL, unit_count=3, inspector_count=2
    )

    # Pinned: a change of algorithm or of candidate order would break every published draw.
    assert [u.use_unit_id.int for u in drawn.units] == [8, 1, 6]
    assert [i.int for i in drawn.inspector_ids] == [103, 101]


def test_candidates_are_ordered_by_unit_whatever_order_they_come_in() -> None:
    assert candidates_of(list(reversed(UNITS)), LOTS) == candidates_of(UNITS, LOTS)


def test_no_unit_and_no_inspector_is_drawn_twice() -> None:
    candidates = candidates_of(UNITS, LOTS)
    for seed in range(200):
        drawn = draw(
            seed=seed, candidates=candidates, inspector_pool=POOL, unit_count=8, inspector_count=5
        )
        assert sorted(u.use_unit_id for u in drawn.units) == sorted(u for u, _ in UNITS)
        assert sorted(drawn.inspector_ids) == sorted(POOL)


def test_higher_grades_are_drawn_more_often() -> None:
    candidates = candidates_of(UNITS, LOTS)
    first = Counter(
        draw(seed=seed, candidates=candidates, inspector_pool=POOL, unit_count=1,
             inspector_count=1).units[0].grade
        for seed in range(3000)
    )  # fmt: skip

    # Lots 2 A, 4 B, 8 C, 16 D of 30: the expected shares are 7 %, 13 %, 27 %, 53 %.
    assert first[RiskGrade.A] < first[RiskGrade.B] < first[RiskGrade.C] < first[RiskGrade.D]
    assert 1400 < first[RiskGrade.D] < 1800


def test_a_draw_asking_for_more_than_there_is_is_refused() -> None:
    violations = check_draw(unit_count=9, inspector_count=6, candidates=8, inspectors=5)

    assert [v.code for v in violations] == [
        SpotCheckReason.too_few_candidates,
        SpotCheckReason.too_few_inspectors,
    ]
    assert check_draw(unit_count=8, inspector_count=5, candidates=8, inspectors=5) == []


def test_a_result_must_fit_its_draw_and_its_conclusion() -> None:
    def codes(**overrides: object) -> list[SpotCheckReason]:
        arguments: dict[str, object] = {
            "drawn": True,
            "drawn_on": date(2026, 11, 1),
            "checked_on": date(2026, 11, 10),
            "today": date(2026, 11, 25),
            "conclusion": SpotCheckConclusion.compliant,
            "hazards_found": 0,
        }
        arguments.update(overrides)
        return [v.code for v in check_result(**arguments)]  # type: ignore[arg-type]

    assert codes() == []
    assert codes(checked_on=date(2026, 11, 1)) == []
    assert codes(drawn=False) == [SpotCheckReason.unit_not_drawn]
    assert codes(checked_on=date(2026, 10, 31)) == [SpotCheckReason.checked_before_draw]
    assert codes(checked_on=date(2026, 11, 26)) == [SpotCheckReason.checked_in_future]
    assert codes(hazards_found=2) == [SpotCheckReason.hazards_with_compliant]
    assert codes(conclusion=SpotCheckConclusion.hazards_found) == [
        SpotCheckReason.no_hazards_counted
    ]
