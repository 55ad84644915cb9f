"""The pure rules of the monitoring feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elevator_maintenance.monitoring.rules import (
    MonitoringKind,
    MonitoringReason,
    check_monitoring_event,
    opens_rescue,
)

NOW = datetime(2026, 10, 10, 1, 0, tzinfo=UTC)
TOLERANCE = timedelta(minutes=5)


def test_a_fault_needs_its_code_and_an_alarm_does_not() -> None:
    assert check_monitoring_event(
        MonitoringKind.fault, None, NOW, now=NOW, future_tolerance=TOLERANCE
    ) == [MonitoringReason.fault_code_required]
    assert (
        check_monitoring_event(
            MonitoringKind.trapped_passenger, None, NOW, now=NOW, future_tolerance=TOLERANCE
        )
        == []
    )


def test_an_event_from_the_future_is_refused() -> None:
    assert check_monitoring_event(
        MonitoringKind.fault, "E35", NOW + timedelta(minutes=6), now=NOW, future_tolerance=TOLERANCE
    ) == [MonitoringReason.time_in_future]


def test_only_a_trapped_passenger_alarm_opens_a_rescue() -> None:
    assert opens_rescue(MonitoringKind.trapped_passenger)
    assert not opens_rescue(MonitoringKind.fault)
