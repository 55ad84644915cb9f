"""The daily tallies a batch of swipes adds to a company's statistics, as a pure function."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from elevator_maintenance.swipe_statistics.rules import (
    CountedSwipe,
    DayTally,
    daily_tallies,
    merged_tallies,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def test_swipes_are_tallied_per_business_day_and_rejections_per_reason_in_day_order() -> None:
    tallies = daily_tallies(
        [
            CountedSwipe(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI), "accepted"),
            CountedSwipe(
                datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI),
                "rejected",
                ("outside_geofence", "certificate_expired"),
            ),
            CountedSwipe(
                datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), "rejected", ("outside_geofence",)
            ),
            CountedSwipe(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI), "accepted"),
            CountedSwipe(
                datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI), "rejected", ("outside_geofence",)
            ),
        ],
        SHANGHAI,
    )

    assert [(t.day, t.accepted, t.rejected, t.rejected_by_reason) for t in tallies] == [
        (MONDAY, 1, 2, {"certificate_expired": 1, "outside_geofence": 2}),
        (TUESDAY, 1, 1, {"outside_geofence": 1}),
    ]


def test_a_swipe_counts_on_its_shanghai_day_not_its_utc_day() -> None:
    # 23:30 UTC on Monday is 07:30 on Tuesday in Shanghai; 15:59 UTC still Monday there.
    tallies = daily_tallies(
        [
            CountedSwipe(datetime(2026, 11, 23, 23, 30, tzinfo=UTC), "accepted"),
            CountedSwipe(datetime(2026, 11, 23, 15, 59, tzinfo=UTC), "accepted"),
        ],
        SHANGHAI,
    )

    assert [(t.day, t.accepted) for t in tallies] == [(MONDAY, 1), (TUESDAY, 1)]


def test_a_reason_named_twice_on_one_swipe_counts_once() -> None:
    (tally,) = daily_tallies(
        [
            CountedSwipe(
                datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI),
                "rejected",
                ("time_too_old", "time_too_old"),
            )
        ],
        SHANGHAI,
    )

    assert (tally.rejected, tally.rejected_by_reason) == (1, {"time_too_old": 1})


def test_a_day_of_accepted_swipes_only_has_no_rejections() -> None:
    (tally,) = daily_tallies(
        [CountedSwipe(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), "accepted")] * 3, SHANGHAI
    )

    assert (tally.accepted, tally.rejected, tally.rejected_by_reason) == (3, 0, {})


def test_nothing_new_adds_nothing() -> None:
    assert daily_tallies([], SHANGHAI) == []


def test_pending_tallies_are_summed_per_company_and_day_in_company_then_day_order() -> None:
    first, second = uuid.UUID(int=1), uuid.UUID(int=2)

    merged = merged_tallies(
        [
            (second, DayTally(TUESDAY, 1, 0, {})),
            (first, DayTally(TUESDAY, 2, 1, {"outside_geofence": 1})),
            (second, DayTally(MONDAY, 0, 2, {"time_too_old": 2})),
            (first, DayTally(TUESDAY, 3, 2, {"outside_geofence": 1, "time_too_old": 1})),
            (second, DayTally(TUESDAY, 4, 1, {"certificate_expired": 1})),
        ]
    )

    assert merged == [
        (first, DayTally(TUESDAY, 5, 3, {"outside_geofence": 2, "time_too_old": 1})),
        (second, DayTally(MONDAY, 0, 2, {"time_too_old": 2})),
        (second, DayTally(TUESDAY, 5, 1, {"certificate_expired": 1})),
    ]
    assert merged_tallies([]) == []
