"""Coalescer: a key's writes one transaction at a time, the requests that wait meanwhile
written together, each answered with its own items' answers."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from tzsb_common.coalescing import Coalescer
from tzsb_common.problems import ServiceUnavailable


class DatabaseAway(Exception):
    sqlstate = "08006"  # connection_failure


class Refused(ValueError):
    """A value the database will not store."""


class Writes:
    """A write that records each call and holds it until released; an item below zero is a
    value the database refuses."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.release = asyncio.Event()
        self.fail_with: Exception | None = None

    async def __call__(self, key: str, items: list[int]) -> list[str]:
        self.calls.append((key, items))
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        if any(item < 0 for item in items):
            raise Refused("a negative item")
        return [f"{key}:{item}" for item in items]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_request_is_written_at_once_and_those_arriving_meanwhile_together() -> None:
    writes = Writes()
    labels = {"service": "test", "path": "/together"}
    coalescer: Coalescer[str, int, str] = Coalescer(
        writes, max_items=100, metric_labels=(labels["service"], labels["path"])
    )

    first = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    started_alone = list(writes.calls)
    waiting = [asyncio.create_task(coalescer.submit("a", [n, n + 1])) for n in (10, 20, 30)]
    other_key = asyncio.create_task(coalescer.submit("b", [7]))
    await settle()
    writes.release.set()
    answers = await asyncio.gather(first, *waiting, other_key)

    assert started_alone == [("a", [1])]
    assert writes.calls == [("a", [1]), ("b", [7]), ("a", [10, 11, 20, 21, 30, 31])]
    assert answers == [
        ["a:1"], ["a:10", "a:11"], ["a:20", "a:21"], ["a:30", "a:31"], ["b:7"]
    ]  # fmt: skip
    assert coalescer.keys_running == 0
    assert REGISTRY.get_sample_value("tzsb_coalesced_posts_total", labels) == 5
    assert REGISTRY.get_sample_value("tzsb_coalesced_transactions_total", labels) == 3


@pytest.mark.parametrize(
    ("gather_s", "transactions"), [(0.0, [[1], [2], [3]]), (0.05, [[1], [2, 3]])]
)
async def test_a_post_set_off_by_an_answer_joins_the_next_transaction_within_the_window(
    gather_s: float, transactions: list[list[int]]
) -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=100, gather_s=gather_s)

    async def terminal() -> list[str]:
        """Posts its next item as soon as it has the answer to its first."""
        await coalescer.submit("a", [1])
        return await coalescer.submit("a", [3])

    posting = asyncio.create_task(terminal())
    await settle()
    started_at_once = [items for _, items in writes.calls]
    other = asyncio.create_task(coalescer.submit("a", [2]))
    await settle()
    writes.release.set()

    assert await posting == ["a:3"]
    assert await other == ["a:2"]
    assert started_at_once == [[1]]
    assert [items for _, items in writes.calls] == transactions
    assert coalescer.keys_running == 0


def test_a_negative_gather_window_is_refused() -> None:
    with pytest.raises(ValueError, match="gather_s"):
        Coalescer(Writes(), max_items=1, gather_s=-0.001)


async def test_a_group_stops_before_max_items_but_always_takes_one_request() -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=4)

    first = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    rest = [
        asyncio.create_task(coalescer.submit("a", items)) for items in ([2, 3], [4, 5], [6] * 6)
    ]
    await settle()
    writes.release.set()
    await asyncio.gather(first, *rest)

    assert [items for _, items in writes.calls] == [[1], [2, 3, 4, 5], [6] * 6]


async def test_the_database_away_fails_every_request_of_its_group_and_the_next_group_runs() -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=100)
    writes.fail_with = DatabaseAway("connection refused")

    first = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    second = asyncio.create_task(coalescer.submit("a", [2]))
    third = asyncio.create_task(coalescer.submit("a", [3]))
    await settle()
    writes.release.set()
    outcomes = await asyncio.gather(first, second, third, return_exceptions=True)

    assert all(isinstance(o, DatabaseAway) for o in outcomes)
    assert [items for _, items in writes.calls] == [[1], [2, 3]]  # none written again alone
    writes.fail_with = None
    assert await coalescer.submit("a", [4]) == ["a:4"]


async def test_when_a_shared_transaction_fails_each_request_is_written_alone() -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=100)

    first = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    together = [asyncio.create_task(coalescer.submit("a", items)) for items in ([2], [-3], [4])]
    await settle()
    writes.release.set()
    outcomes = await asyncio.gather(first, *together, return_exceptions=True)

    assert outcomes[:2] == [["a:1"], ["a:2"]]
    assert isinstance(outcomes[2], Refused)
    assert outcomes[3] == ["a:4"]
    assert [items for _, items in writes.calls] == [[1], [2, -3, 4], [2], [-3], [4]]


async def test_a_request_cancelled_while_waiting_is_not_written_and_the_others_are() -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=100)

    first = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    gone = asyncio.create_task(coalescer.submit("a", [2]))
    kept = asyncio.create_task(coalescer.submit("a", [3]))
    await settle()
    gone.cancel()
    writes.release.set()

    assert await first == ["a:1"]
    assert await kept == ["a:3"]
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert writes.calls == [("a", [1]), ("a", [3])]


async def test_stopping_fails_what_is_still_waiting_once_the_time_is_up() -> None:
    writes = Writes()
    coalescer: Coalescer[str, int, str] = Coalescer(writes, max_items=100)

    running = asyncio.create_task(coalescer.submit("a", [1]))
    await settle()
    behind = asyncio.create_task(coalescer.submit("a", [2]))
    await settle()
    await coalescer.stop(timeout_s=0.01)

    for request in (running, behind):
        with pytest.raises(ServiceUnavailable):
            await request
    assert coalescer.keys_running == 0
    assert await coalescer.submit("a", []) == []
