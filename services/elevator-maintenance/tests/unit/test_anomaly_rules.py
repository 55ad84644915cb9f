"""The anomaly rules: each finding, its threshold, and what is not a finding."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from elevator_maintenance.anomalies.rules import (
    AnomalyKind,
    AnomalyLimits,
    VisitSpan,
    WorkerVisit,
    certificate_findings,
    impossible_travel,
    overlap,
    short_visit,
    too_many_visits,
)

LIMITS = AnomalyLimits()
COMPANY = uuid.uuid4()
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
# 兰州新区 and 兰州 city centre, about 56 km apart; two elevators of one estate, 300 m apart.
ZHONGCHUAN = (36.51, 103.62)
CITY = (36.06, 103.83)
NEXT_DOOR = (36.5127, 103.62)


def worker_visit(
    start: datetime,
    minutes: float = 40,
    *,
    at: tuple[float, float] | None = ZHONGCHUAN,
    certificate: str = "TS0000000001",
    code: str = "311012345678901234",
) -> WorkerVisit:
    return WorkerVisit(
        visit_id=uuid.uuid4(),
        certificate_number=certificate,
        equipment_code=code,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        lat=at[0] if at else None,
        lon=at[1] if at else None,
    )


def span(minutes: float) -> VisitSpan:
    return VisitSpan(uuid.uuid4(), "311012345678901234", T0, T0 + timedelta(minutes=minutes))


def test_a_visit_of_19_minutes_is_short() -> None:
    finding = short_visit(span(19), LIMITS)
    assert finding is not None
    assert finding.kind is AnomalyKind.short_visit
    assert finding.details == {"minutes": 19.0, "min_minutes": 20.0}
    assert finding.certificate_number is None


def test_a_visit_of_exactly_20_minutes_is_not_short() -> None:
    assert short_visit(span(20), LIMITS) is None


def test_the_short_visit_threshold_is_a_setting() -> None:
    assert short_visit(span(25), AnomalyLimits(min_visit=timedelta(minutes=30))) is not None


def test_two_visits_of_one_certificate_that_overlap_are_found() -> None:
    a = worker_visit(T0, 60)
    b = worker_visit(T0 + timedelta(minutes=30), 60, at=CITY)
    finding = overlap(a, b)
    assert finding is not None
    assert finding.kind is AnomalyKind.overlapping_visits
    assert finding.other_visit_id == b.visit_id
    assert finding.details["overlap_minutes"] == 30.0
    # Judged from either side, it is one finding.
    other_side = overlap(b, a)
    assert other_side is not None
    assert other_side.key == finding.key


def test_visits_that_only_touch_do_not_overlap() -> None:
    a = worker_visit(T0, 60)
    b = worker_visit(T0 + timedelta(minutes=60), 30)
    assert overlap(a, b) is None


def test_56_km_in_20_minutes_is_impossible_travel() -> None:
    earlier = worker_visit(T0, 40)
    later = worker_visit(earlier.ended_at + timedelta(minutes=20), 40, at=CITY)
    finding = impossible_travel(earlier, later, LIMITS)
    assert finding is not None
    assert finding.kind is AnomalyKind.impossible_travel
    assert finding.visit_id == later.visit_id
    assert finding.other_visit_id == earlier.visit_id
    assert 50 < finding.details["km"] < 60
    assert finding.details["kmh"] > 120


def test_56_km_in_an_hour_is_believable() -> None:
    earlier = worker_visit(T0, 40)
    later = worker_visit(earlier.ended_at + timedelta(hours=1), 40, at=CITY)
    assert impossible_travel(earlier, later, LIMITS) is None


def test_the_speed_limit_is_a_setting() -> None:
    earlier = worker_visit(T0, 40)
    later = worker_visit(earlier.ended_at + timedelta(hours=1), 40, at=CITY)
    assert impossible_travel(earlier, later, AnomalyLimits(max_travel_kmh=40)) is not None


def test_elevators_of_one_site_are_never_judged_as_travel() -> None:
    earlier = worker_visit(T0, 40)
    later = worker_visit(earlier.ended_at, 40, at=NEXT_DOOR)
    assert impossible_travel(earlier, later, LIMITS) is None


def test_an_elevator_without_a_position_is_not_judged_for_travel() -> None:
    earlier = worker_visit(T0, 40)
    later = worker_visit(earlier.ended_at + timedelta(minutes=1), 40, at=None)
    assert impossible_travel(earlier, later, LIMITS) is None


def test_a_thirteenth_visit_in_a_day_is_too_many() -> None:
    day = [worker_visit(T0 + timedelta(minutes=45 * i), 40) for i in range(13)]
    assert too_many_visits(day[11], day[:12], company_id=COMPANY, limits=LIMITS) is None
    finding = too_many_visits(day[12], day, company_id=COMPANY, limits=LIMITS)
    assert finding is not None
    assert finding.kind is AnomalyKind.too_many_visits
    assert finding.details == {"day": "2026-11-20", "visits": 13, "max_visits": 12}


def test_visits_are_counted_per_business_day_in_shanghai() -> None:
    # 23:30 UTC on the 19th is 07:30 on the 20th in Shanghai: T0's business day.
    late = [worker_visit(datetime(2026, 11, 19, 23, 30, tzinfo=UTC), 20)]
    day = [worker_visit(T0 + timedelta(minutes=45 * i), 40) for i in range(12)]
    judged = day[-1]
    assert too_many_visits(judged, day + late, company_id=COMPANY, limits=LIMITS) is not None
    previous = [worker_visit(datetime(2026, 11, 19, 15, 30, tzinfo=UTC), 20)]  # 23:30 the 19th
    assert (
        too_many_visits(judged, [*day[:11], judged, *previous], company_id=COMPANY, limits=LIMITS)
        is None
    )


def test_other_certificates_do_not_count_towards_the_day() -> None:
    day = [worker_visit(T0 + timedelta(minutes=45 * i), 40) for i in range(12)]
    other = worker_visit(T0, 40, certificate="TS0000000002")
    assert too_many_visits(day[-1], [*day, other], company_id=COMPANY, limits=LIMITS) is None


def test_certificate_findings_judge_new_visits_against_their_neighbours() -> None:
    home = worker_visit(T0, 40)
    far = worker_visit(home.ended_at + timedelta(minutes=10), 40, at=CITY)
    findings = certificate_findings([far], [home, far], company_id=COMPANY, limits=LIMITS)
    assert [f.kind for f in findings] == [AnomalyKind.impossible_travel]


def test_certificate_findings_report_a_pattern_once() -> None:
    a = worker_visit(T0, 60)
    b = worker_visit(T0 + timedelta(minutes=10), 60)
    findings = certificate_findings([a, b], [a, b], company_id=COMPANY, limits=LIMITS)
    assert [f.kind for f in findings] == [AnomalyKind.overlapping_visits]


def test_an_honest_day_has_no_findings() -> None:
    day = [worker_visit(T0 + timedelta(hours=i), 40) for i in range(6)]
    assert certificate_findings(day, day, company_id=COMPANY, limits=LIMITS) == []


def test_a_findings_id_is_derived_from_what_it_is_about() -> None:
    visit = span(5)
    first, again = short_visit(visit, LIMITS), short_visit(visit, LIMITS)
    assert first is not None
    assert again is not None
    assert first.anomaly_id == again.anomaly_id
    other = short_visit(span(5), LIMITS)
    assert other is not None
    assert other.anomaly_id != first.anomaly_id
