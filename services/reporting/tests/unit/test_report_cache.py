"""Repeated report requests are answered from the last answer for a while, and no longer."""

from __future__ import annotations

from reporting.indicators.cache import ReportCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_until_it_expires_and_reuse_does_not_extend_it() -> None:
    clock = Clock()
    cache = ReportCache(30.0, clock=clock)
    cache.put(("elevators", "2026-Q1"), "report")

    clock.now += 29.9
    assert cache.get(("elevators", "2026-Q1")) == "report"
    clock.now += 0.1
    assert cache.get(("elevators", "2026-Q1")) is None


def test_a_zero_lifetime_keeps_nothing() -> None:
    cache = ReportCache(0.0)
    cache.put("key", "report")

    assert cache.get("key") is None


def test_the_least_recently_used_answer_makes_room() -> None:
    cache = ReportCache(30.0, max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # b is now the oldest in use
    cache.put("c", 3)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_answers_a_change_made_stale_are_forgotten() -> None:
    cache = ReportCache(30.0)
    cache.put(("maintenance-companies", 1), "ranking")
    cache.put(("elevators", 1), "indicators")

    cache.forget(lambda key: key[0] == "maintenance-companies")

    assert cache.get(("maintenance-companies", 1)) is None
    assert cache.get(("elevators", 1)) == "indicators"
