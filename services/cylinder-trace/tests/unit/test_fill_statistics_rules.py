"""The daily tallies a batch of fills adds to a station's statistics, as a pure function."""

from __future__ import annotations

import json
from datetime import date

from cylinder_trace.fill_statistics.rules import CountedFill, daily_tallies

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def test_fills_are_tallied_per_day_and_medium_and_refusals_per_day_and_reason() -> None:
    tallies = daily_tallies(
        [
            CountedFill(TUESDAY, "accepted", (), "LPG"),
            CountedFill(MONDAY, "refused", ("overfilled", "inspection_overdue"), "LPG"),
            CountedFill(TUESDAY, "refused", ("overfilled",), "O2"),
            CountedFill(MONDAY, "accepted", (), "O2"),
            CountedFill(MONDAY, "refused", ("overfilled",), "LPG"),
        ]
    )

    assert (tallies.days, tallies.accepted, tallies.refused) == (
        [MONDAY, TUESDAY], [1, 1], [2, 1]
    )  # fmt: skip
    assert [json.loads(reasons) for reasons in tallies.refused_by_reason] == [
        {"inspection_overdue": 1, "overfilled": 2},
        {"overfilled": 1},
    ]
    assert [json.loads(media) for media in tallies.accepted_by_medium] == [{"O2": 1}, {"LPG": 1}]
    assert [json.loads(media) for media in tallies.refused_by_medium] == [{"LPG": 2}, {"O2": 1}]


def test_a_day_of_accepted_fills_only_has_no_refusals() -> None:
    tallies = daily_tallies([CountedFill(MONDAY, "accepted", (), "CNG")] * 3)

    assert (tallies.days, tallies.accepted, tallies.refused) == ([MONDAY], [3], [0])
    assert [json.loads(reasons) for reasons in tallies.refused_by_reason] == [{}]
    assert [json.loads(media) for media in tallies.refused_by_medium] == [{}]


def test_nothing_new_adds_nothing() -> None:
    assert daily_tallies([]).empty
