"""What the consumer loop waits out (never dead-letters) and what it counts against an event."""

from __future__ import annotations

import httpx
import pytest

from tzsb_common.consumer import HandlerTimedOut, RetryLater, is_transient

REQUEST = httpx.Request("GET", "http://registry.invalid/api/v1/equipment/1")


class _PostgresError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(cause: BaseException) -> Exception:
    try:
        raise RuntimeError("while applying an event") from cause
    except RuntimeError as exc:
        return exc


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused", request=REQUEST),
        httpx.ReadTimeout("slow", request=REQUEST),
        httpx.PoolTimeout("busy"),
        httpx.HTTPStatusError(
            "unavailable", request=REQUEST, response=httpx.Response(503, request=REQUEST)
        ),
        TimeoutError(),  # asyncio.TimeoutError is this class
        HandlerTimedOut("30s"),
        RetryLater("registry not answering"),
        _PostgresError("40001"),
        _PostgresError("40P01"),
        _PostgresError("57P01"),
        _wrapped(httpx.ConnectTimeout("slow", request=REQUEST)),
    ],
)
def test_unavailability_and_time_outs_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("refusing thing"),
        KeyError("seq"),
        httpx.HTTPStatusError(
            "not found", request=REQUEST, response=httpx.Response(404, request=REQUEST)
        ),
        _PostgresError("23505"),
        _PostgresError("22001"),
        _wrapped(ValueError("bad")),
    ],
)
def test_errors_of_the_event_itself_are_not_transient(error: BaseException) -> None:
    assert not is_transient(error)
