"""The daily tallies a batch of fills adds to a station's statistics, as a pure function."""

from __future__ import annotations

from datetime import date

from cylinder_trace.fill_statistics.rules import CountedFill, daily_tallies

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def test_fills_are_tallied_per_day_and_refusals_per_day_and_reason_in_sorted_order() -> None:
    tallies = daily_tallies(
        [
            CountedFill(TUESDAY, "accepted", ()),
            CountedFill(MONDAY, "refused", ("overfilled", "inspection_overdue")),
            CountedFill(TUESDAY, "refused", ("overfilled",)),
            CountedFill(MONDAY, "accepted", ()),
            CountedFill(MONDAY, "refused", ("overfilled",)),
        ]
    )

    assert (tallies.days, tallies.accepted, tallies.refused) == (
        [MONDAY, TUESDAY], [1, 1], [2, 1]
    )  # fmt: skip
    assert list(zip(tallies.reason_days, tallies.reasons, tallies.reason_fills, strict=True)) == [
        (MONDAY, "inspection_overdue", 1),
        (MONDAY, "overfilled", 2),
        (TUESDAY, "overfilled", 1),
    ]


def test_a_day_of_accepted_fills_only_has_no_refusals() -> None:
    tallies = daily_tallies([CountedFill(MONDAY, "accepted", ())] * 3)

    assert (tallies.days, tallies.accepted, tallies.refused) == ([MONDAY], [3], [0])
    assert tallies.reasons == []


def test_nothing_new_adds_nothing() -> None:
    assert daily_tallies([]).empty
