"""Pairing swipes into visits, and when maintenance is overdue (TSG T5002)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from elevator_maintenance.visits.rules import (
    PairingSwipe,
    VisitPlan,
    maintenance_standing,
    pair_swipes,
    plan_visits,
)

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
LIFT = "311000000000000001"
OTHER_LIFT = "311000000000000002"


def s(
    swipe_id: str,
    kind: str,
    minutes: float,
    *,
    cert: str = "A",
    lift: str = LIFT,
    visit_kind: str | None = None,
) -> PairingSwipe:
    return PairingSwipe(swipe_id, lift, cert, kind, T0 + timedelta(minutes=minutes), visit_kind)


def pairs_of(swipes: list[PairingSwipe]) -> list[tuple[str, str]]:
    return [(p.start.swipe_id, p.end.swipe_id) for p in pair_swipes(swipes)]


def test_an_end_pairs_with_the_start_before_it() -> None:
    assert pairs_of([s("s1", "start", 0), s("e1", "end", 45)]) == [("s1", "e1")]


def test_an_end_takes_the_nearest_unpaired_start() -> None:
    swipes = [s("s1", "start", 0), s("s2", "start", 30), s("e1", "end", 60)]
    assert pairs_of(swipes) == [("s2", "e1")]


def test_a_start_already_taken_is_not_taken_twice() -> None:
    swipes = [s("s1", "start", 0), s("s2", "start", 30), s("e1", "end", 60), s("e2", "end", 90)]
    assert pairs_of(swipes) == [("s1", "e2"), ("s2", "e1")]


def test_a_start_more_than_eight_hours_before_the_end_is_not_paired() -> None:
    assert pairs_of([s("s1", "start", 0), s("e1", "end", 8 * 60 + 1)]) == []
    assert pairs_of([s("s1", "start", 0), s("e1", "end", 8 * 60)]) == [("s1", "e1")]


def test_the_window_is_a_setting() -> None:
    swipes = [s("s1", "start", 0), s("e1", "end", 150)]
    assert pair_swipes(swipes, window=timedelta(hours=2)) == []
    assert len(pair_swipes(swipes, window=timedelta(hours=3))) == 1


def test_a_start_after_the_end_is_not_its_start() -> None:
    assert pairs_of([s("e1", "end", 0), s("s1", "start", 10)]) == []


def test_swipes_of_another_elevator_or_certificate_do_not_pair() -> None:
    assert pairs_of([s("s1", "start", 0), s("e1", "end", 30, cert="B")]) == []
    assert pairs_of([s("s1", "start", 0), s("e1", "end", 30, lift=OTHER_LIFT)]) == []


def test_the_order_the_swipes_arrive_in_does_not_matter() -> None:
    swipes = [s("e1", "end", 60), s("s1", "start", 0), s("e2", "end", 200), s("s2", "start", 120)]
    assert pairs_of(swipes) == [("s1", "e1"), ("s2", "e2")]


def ids() -> uuid.UUID:
    return uuid.uuid4()


def test_two_workers_at_one_elevator_at_the_same_time_are_one_visit() -> None:
    pairs = pair_swipes(
        [
            s("a1", "start", 0, cert="A"),
            s("a2", "end", 50, cert="A", visit_kind="quarterly"),
            s("b1", "start", 5, cert="B"),
            s("b2", "end", 55, cert="B"),
        ]
    )
    visits = plan_visits(pairs, [])
    assert len(visits) == 1
    (visit,) = visits
    assert visit.workers == ["A", "B"]
    assert (visit.started_at, visit.ended_at) == (T0, T0 + timedelta(minutes=55))
    assert visit.kind == "quarterly"
    assert visit.is_new


def test_visits_that_do_not_overlap_are_two_visits() -> None:
    pairs = pair_swipes(
        [
            s("a1", "start", 0, cert="A"),
            s("a2", "end", 50, cert="A"),
            s("b1", "start", 60, cert="B"),
            s("b2", "end", 100, cert="B"),
        ]
    )
    assert len(plan_visits(pairs, [])) == 2


def test_one_worker_twice_the_same_day_is_two_visits() -> None:
    pairs = pair_swipes(
        [s("a1", "start", 0), s("a2", "end", 50), s("a3", "start", 40), s("a4", "end", 90)]
    )
    assert [v.workers for v in plan_visits(pairs, [])] == [["A"], ["A"]]


def test_a_worker_who_posts_later_joins_the_visit_held() -> None:
    held = VisitPlan(
        visit_id=uuid.uuid4(),
        equipment_code=LIFT,
        started_at=T0,
        ended_at=T0 + timedelta(minutes=50),
        kind=None,
        workers=["A"],
        is_new=False,
    )
    pairs = pair_swipes(
        [s("b1", "start", 10, cert="B", visit_kind="yearly"), s("b2", "end", 70, cert="B")]
    )
    (visit,) = plan_visits(pairs, [held])
    assert visit.visit_id == held.visit_id
    assert not visit.is_new
    assert visit.workers == ["A", "B"]
    assert visit.ended_at == T0 + timedelta(minutes=70)
    assert visit.kind == "yearly"
    assert [p.certificate_number for p in visit.new_pairs] == ["B"]


def test_maintenance_is_due_within_fifteen_days_and_overdue_the_day_after() -> None:
    last = date(2026, 11, 1)
    assert (
        maintenance_standing(last, interval_days=None, today=date(2026, 11, 16)).overdue_since
        is None
    )
    late = maintenance_standing(last, interval_days=None, today=date(2026, 11, 17))
    assert (late.interval_days, late.due_by, late.overdue_since) == (
        15,
        date(2026, 11, 16),
        date(2026, 11, 17),
    )


def test_an_on_demand_contract_sets_its_own_interval() -> None:
    standing = maintenance_standing(date(2026, 11, 1), interval_days=30, today=date(2026, 11, 20))
    assert (standing.interval_days, standing.due_by, standing.overdue_since) == (
        30,
        date(2026, 12, 1),
        None,
    )


def test_an_elevator_never_visited_has_no_due_date_yet() -> None:
    standing = maintenance_standing(None, interval_days=None, today=date(2026, 11, 20))
    assert (standing.due_by, standing.overdue_since) == (None, None)
