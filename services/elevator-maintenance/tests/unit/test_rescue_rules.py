"""The pure rules of emergency rescue: clocks, the order of steps, the geofence, the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from elevator_maintenance.rescue.rules import (
    IncidentState,
    IncidentTimes,
    RescueLimits,
    RescueReason,
    RescueStatus,
    arrival_distance,
    check_step,
    half_up,
    months_in,
    outside_geofence,
    percentage,
    rescue_clock,
    rescue_figures,
)

T0 = datetime(2026, 10, 10, 1, 0, tzinfo=UTC)
LIMITS = RescueLimits()


def test_an_urban_incident_must_be_reached_in_30_minutes_and_any_other_in_60() -> None:
    urban = rescue_clock(T0, urban=True, limits=LIMITS)
    other = rescue_clock(T0, urban=False, limits=LIMITS)
    assert urban.acknowledge_due_at == T0 + timedelta(minutes=3)
    assert urban.escalate_at == T0 + timedelta(minutes=20)
    assert urban.arrival_due_at == T0 + timedelta(minutes=30)
    assert other.arrival_due_at == T0 + timedelta(minutes=60)


@pytest.mark.parametrize(
    ("status", "step", "reason"),
    [
        (RescueStatus.dispatched, RescueStatus.arrived, RescueReason.not_acknowledged),
        (RescueStatus.dispatched, RescueStatus.released, RescueReason.not_arrived),
        (RescueStatus.acknowledged, RescueStatus.acknowledged, RescueReason.already_acknowledged),
        (RescueStatus.acknowledged, RescueStatus.released, RescueReason.not_arrived),
        (RescueStatus.arrived, RescueStatus.arrived, RescueReason.already_arrived),
        (RescueStatus.arrived, RescueStatus.acknowledged, RescueReason.already_acknowledged),
        (RescueStatus.released, RescueStatus.released, RescueReason.already_released),
        (RescueStatus.released, RescueStatus.acknowledged, RescueReason.already_released),
    ],
)
def test_a_step_out_of_order_is_refused_with_its_reason(
    status: RescueStatus, step: RescueStatus, reason: RescueReason
) -> None:
    incident = IncidentState(status=status, dispatched_at=T0, acknowledged_at=T0, arrived_at=T0)
    # A conflict comes alone, even with a time that is also wrong.
    late = T0 + timedelta(hours=1)
    assert check_step(incident, step, at=late, now=T0, limits=LIMITS) == [reason]


def test_each_next_step_is_accepted_in_its_turn() -> None:
    later = T0 + timedelta(minutes=10)
    for status, step in [
        (RescueStatus.dispatched, RescueStatus.acknowledged),
        (RescueStatus.acknowledged, RescueStatus.arrived),
        (RescueStatus.arrived, RescueStatus.released),
    ]:
        incident = IncidentState(status=status, dispatched_at=T0, acknowledged_at=T0, arrived_at=T0)
        assert check_step(incident, step, at=later, now=later, limits=LIMITS) == []


def test_a_step_dated_before_the_previous_one_or_in_the_future_is_refused() -> None:
    incident = IncidentState(
        status=RescueStatus.acknowledged,
        dispatched_at=T0,
        acknowledged_at=T0 + timedelta(minutes=2),
    )
    assert check_step(
        incident, RescueStatus.arrived, at=T0 + timedelta(minutes=1), now=T0, limits=LIMITS
    ) == [RescueReason.time_before_previous_step]
    assert check_step(
        incident, RescueStatus.arrived, at=T0 + timedelta(minutes=6), now=T0, limits=LIMITS
    ) == [RescueReason.time_in_future]


def test_an_arrival_farther_than_the_fence_is_outside_and_an_unknown_position_is_not() -> None:
    near = arrival_distance(36.5105, 103.62, 36.51, 103.62)
    far = arrival_distance(36.52, 103.62, 36.51, 103.62)
    assert near is not None
    assert 50 < near < 60
    assert not outside_geofence(near, LIMITS)
    assert outside_geofence(far, LIMITS)
    assert arrival_distance(36.52, 103.62, None, None) is None
    assert not outside_geofence(None, LIMITS)


def test_percentages_round_half_up_and_an_empty_denominator_is_none() -> None:
    assert half_up(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert percentage(1, 3) == Decimal("33.33")
    assert percentage(2, 3) == Decimal("66.67")
    assert percentage(0, 0) is None


def test_months_count_calendar_months_and_their_shares() -> None:
    assert months_in(date(2026, 10, 1), date(2026, 10, 31)) == 1
    assert months_in(date(2026, 1, 1), date(2026, 3, 31)) == 3
    assert months_in(date(2026, 10, 1), date(2026, 11, 15)) == Decimal("1.5")


def test_figures_count_an_incident_never_reached_against_the_rates() -> None:
    def incident(ack: float | None, arrive: float | None, release: float | None) -> IncidentTimes:
        def at(minutes: float | None) -> datetime | None:
            return T0 + timedelta(minutes=minutes) if minutes is not None else None

        return IncidentTimes("c", T0, at(ack), at(arrive), at(release), 1 if release else None)

    (figures,) = rescue_figures(
        [incident(1, 10, 15), incident(3.5, 31, 40), incident(None, None, None)],
        {"c": 3},
        months=Decimal(1),
    )
    assert figures.incidents == 3
    assert figures.response_in_3_min_pct == Decimal("33.33")
    assert figures.arrival_in_30_min_pct == Decimal("33.33")
    assert figures.average_arrival_minutes == Decimal("20.50")
    assert figures.average_rescue_minutes == Decimal("7.00")
    assert figures.trapping_rate_per_1000_per_month == Decimal("1000.00")
    (none,) = rescue_figures([], {"c": 0}, months=Decimal(1))
    assert none.trapping_rate_per_1000_per_month is None
    assert none.response_in_3_min_pct is None
