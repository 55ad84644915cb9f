"""Under CI=true a skipped broker-restart test fails the run; elsewhere it stays a skip."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import pytest

@pytest.mark.restarts_broker
def test_stops_the_broker():
    pytest.skip("the broker in use loses its data on restart")

@pytest.mark.restarts_broker
@pytest.mark.skip(reason="skipped by a marker")
def test_also_stops_the_broker():
    pass

def test_unrelated():
    pytest.skip("nothing to do with the broker")
"""


def _run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(TESTS)
    return pytester.runpytest("-p", "tzsb_common.testing", "-p", "no:cacheprovider")


def test_skipped_broker_restart_tests_fail_the_run_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(pytester)
    # A skip in the test body fails it; a skip while setting up is an error: both fail the run.
    result.assert_outcomes(failed=1, errors=1, skipped=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*CI=true: a `restarts_broker` test may not be skipped*"])


def test_skipped_broker_restart_tests_stay_skips_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = _run(pytester)
    result.assert_outcomes(skipped=3)
    assert result.ret == 0
