from __future__ import annotations

from registry.clients.rules import ClientRefusal, SlidingWindowLimit, check_new_client


def test_a_new_client_is_refused_at_the_limit() -> None:
    assert check_new_client(active_clients=9, max_clients=10) is None
    assert check_new_client(active_clients=10, max_clients=10) is ClientRefusal.client_limit_reached


def test_the_sliding_window_admits_the_limit_then_asks_to_wait() -> None:
    limit = SlidingWindowLimit(limit=3, window_s=60.0)
    assert [limit.hit("a", 1.0) for _ in range(3)] == [None, None, None]
    wait = limit.hit("a", 2.0)
    assert wait is not None
    assert 1 <= wait <= 60
    assert limit.hit("b", 2.0) is None  # keys are independent


def test_the_previous_window_weighs_less_as_time_passes() -> None:
    limit = SlidingWindowLimit(limit=3, window_s=60.0)
    for _ in range(3):
        assert limit.hit("a", 59.0) is None
    # Just after the window turns, the previous window still counts nearly in full.
    assert limit.hit("a", 61.0) is None  # 3 × 59/60 + 0 < 3
    assert limit.hit("a", 61.0) is not None  # 3 × 59/60 + 1 ≥ 3
    assert limit.hit("a", 119.0) is None  # almost a whole window later


def test_idle_keys_are_forgotten_when_too_many_are_held() -> None:
    limit = SlidingWindowLimit(limit=1, window_s=1.0, max_keys=10)
    for i in range(11):
        limit.hit(f"k{i}", 0.5)
    limit.hit("late", 5.5)
    assert len(limit._counts) <= 10
