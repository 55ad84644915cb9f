"""`make demo` end to end: the loader at a tiny scale against a whole platform started as
`make up` starts it (own ports and state directory), then what it loaded read back through the
services' read APIs, then a second run that finds the data and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from platform_support import running_platform

SCALE = "0.1"


@pytest.fixture
def platform() -> Iterator[dict[str, str]]:
    with running_platform("demo") as env:
        yield env


def _load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tzsb_platform.demo", "--scale", SCALE, "--seed", "77"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _figures(stdout: str) -> dict[str, int]:
    figures: dict[str, int] = {}
    for line in stdout.splitlines():
        name, _, count = line.rpartition(" ")
        if name.strip() and count.isdigit():
            figures[name.strip()] = int(count)
    return figures


def _all(url: str, token: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = {"limit": 100, **(params or {})}
    while True:
        response = httpx.get(url, params=query, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if not page.get("next_cursor"):
            return items
        query["cursor"] = page["next_cursor"]


def _table_1(reporting: str, token: str, rows: int) -> dict[str, Any]:
    """The annual report's Table 1 for this year, once reporting has read `rows` bodies of
    staff from the registry's events."""
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    deadline = time.monotonic() + 120
    while True:
        answer = httpx.get(
            f"{reporting}/reports/annual/{year}",
            params={"format": "json"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        staff: dict[str, Any] = answer.json()["staff"]
        if len(staff["rows"]) >= rows or time.monotonic() > deadline:
            return staff
        time.sleep(1)


def test_demo_loads_through_the_apis_and_a_second_run_writes_nothing(
    platform: dict[str, str],
) -> None:
    first = _load(platform)
    assert first.returncode == 0, first.stderr[-3000:]
    figures = _figures(first.stdout)

    credential = json.loads((Path(platform["STATE_DIR"]) / "bureau-client.json").read_text())
    token = httpx.post(
        credential["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(credential["client_id"], credential["client_secret"]),
    ).json()["access_token"]
    registry = f"http://127.0.0.1:{platform['REGISTRY_PORT']}/api/v1"
    inspection = f"http://127.0.0.1:{platform['INSPECTION_PORT']}/api/v1"
    maintenance = f"http://127.0.0.1:{platform['ELEVATOR_MAINTENANCE_PORT']}/api/v1"
    cylinders = f"http://127.0.0.1:{platform['CYLINDER_TRACE_PORT']}/api/v1"
    reporting = f"http://127.0.0.1:{platform['REPORTING_PORT']}/api/v1"

    companies = _all(f"{registry}/organisations", token, {"kind": "maintenance_company"})
    assert len(companies) == figures["maintenance companies"] == 8
    equipment = _all(f"{registry}/equipment", token)
    assert {e["park"] for e in equipment} == {"中川园区", "秦川园区", "西岔园区", "化工园区"}
    loaded = sum(count for name, count in figures.items() if name.startswith("equipment "))
    assert len(equipment) == loaded
    assert {e["category"] for e in equipment} >= {"1000", "2000", "3000", "4000", "8000"}

    # Table 1 as the registry counts it, and as the annual report prints it from the events.
    seed_table_1 = {
        "兰州新区市场监督管理局": [6, 1, 5, 4],
        "中川园区市场监督管理局": [11, 0, 11, 2],
        "秦川园区市场监督管理局": [6, 0, 6, 2],
        "西岔园区市场监督管理局": [7, 0, 7, 4],
    }
    counts = httpx.get(
        f"{registry}/staff/counts",
        params={"group_by": "supervision_body"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert figures["supervision staff"] == 30

    def lines(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
        return {
            r["supervision_body"]: [
                r["staff"],
                r["certificate_level_a"],
                r["certificate_level_b"],
                r["active"],
            ]
            for r in rows
        }

    assert lines(counts["groups"]) == seed_table_1
    report = _table_1(reporting, token, rows=4)
    assert lines(report["rows"]) == seed_table_1
    assert report["rows"][0]["supervision_body"] == "兰州新区市场监督管理局"
    assert (report["bodies"], report["certified"], report["total"]["active"]) == (4, 30, 12)

    hazards = _all(f"{inspection}/hazards", token)
    assert len({h["state"] for h in hazards}) >= 3, hazards
    patrol = httpx.get(f"{inspection}/patrol", headers={"Authorization": f"Bearer {token}"}).json()
    assert patrol["never_inspected"] == figures.get("inspections: never inspected", 0)

    # The platform runs with the default SWIPE_MAX_AGE_DAYS, so only the last weeks went in,
    # and the loader says so.
    assert "loaded the last 29 days of swipes only" in first.stdout
    visits = _all(f"{maintenance}/visits", token)
    assert len(visits) == (figures["swipes accepted"]) // 2

    days = _all(f"{cylinders}/fill-statistics", token)
    assert sum(d["accepted"] for d in days) == figures["fills accepted"]
    assert sum(d["refused"] for d in days) == figures["fills refused"]

    second = _load(platform)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "already loaded" in second.stdout
    assert len(_all(f"{registry}/equipment", token)) == loaded
