"""The Lanzhou seed's Table 3 row for 兰州新区 (99.97 + 100 + 100 + 97.79 + 94.11 + 90.29 +
99.96 + 96 = 778.12), built the way the bureau's data really arrives: through the public REST
APIs of the registry, the inspection service and elevator maintenance, against a whole platform
started as `make up` starts it (own ports, own state directory), and read back from the
reporting service once its read models have caught up through Kafka.

6,692 elevators is the smallest fleet in which every one of the eight rates is a whole number
of elevators (services/reporting/tests/integration/test_table3_seed.py pins the arithmetic on
read-model rows written directly; this one goes through everything in front of them).

The period is the previous calendar month, so the monthly visit roll-up is what is read. Swipes
of that month are up to about two months old when posted: the platform runs with
SWIPE_MAX_AGE_DAYS=70 (the default 30 would reject the month's first weeks `time_too_old`), and
with REPORT_CACHE_SECONDS=0 so the indicators can be asked again until the last events are in.
About two and a half minutes here: a minute to start and stop the platform, the rest loading
(one import of the register, 6,692 inspections, 24,680 swipes) and waiting for the consumers.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from platform_support import running_platform

from tzsb_platform.demo import Api, credit_code, id_number

SETTLE_TIMEOUT_S = 240
READ_TIMEOUT_S = 60
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
SWIPE_MAX_AGE_DAYS = 70
"""The previous month's first day is at most 62 days back; 70 leaves room for a slow run."""

FLEET = 6692
COMPLETE = 6690  # 99.97: two records lack their factory number (出厂编号)
CONTRACTED = 6544  # 97.79: the others have no maintenance contract
SWIPED = 6298  # 94.11: the other contracted ones keep paper records
ON_TIME = 6042  # 90.29: the other swiped ones were first visited 16 days or more into the month
ON_PLATFORM = 6689  # 99.96: three have no 96333 rescue code
LABELLED = 6424  # 96.00: the others have no rescue sign posted in the car

REGION = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"}
PARK = "中川园区"
SITE = (36.515, 103.620)
"""One estate: every elevator within a few hundred metres, so a worker walking between them is
never judged as travel (ANOMALY_SAME_SITE_KM)."""
WORKERS = 48
VISITS_PER_WORKER_DAY = 12
"""ANOMALY_MAX_VISITS_PER_DAY: a certificate in more visits than this a day is an anomaly."""
USE_UNITS = 4
CONTRACT_SIZE = 1000  # the most elevators one contract may name
SWIPE_BATCH = 1000
TAG = "6692"


def _previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


@pytest.fixture
def platform() -> Iterator[dict[str, str]]:
    with running_platform(
        "table3",
        SWIPE_MAX_AGE_DAYS=str(SWIPE_MAX_AGE_DAYS),
        # Every read is computed afresh, so an answer asked for before the last events were
        # applied is not served again from the cache.
        REPORT_CACHE_SECONDS="0",
    ) as env:
        yield env


def _code(n: int) -> str:
    return f"3110{TAG}{n:010d}"


def _position(n: int) -> tuple[float, float]:
    # A grid of about 300 m by 300 m.
    return round(SITE[0] + (n % 60) * 0.00005, 6), round(SITE[1] + (n // 60) * 0.00003, 6)


def _register_csv(unit_ids: list[str], period_start: date) -> bytes:
    commissioned = period_start - timedelta(days=3 * 365)
    columns = [
        "equipment_code", "category", "variety", "status", "use_unit_id", "province", "city",
        "district", "park", "manufacturer", "factory_number", "manufactured_on",
        "commissioned_on", "address", "lat", "lon", "registration_number", "registered_on",
        "rescue_code", "rescue_sign_posted", "rated_load_kg", "rated_speed_ms", "stops",
    ]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for n in range(1, FLEET + 1):
        lat, lon = _position(n)
        writer.writerow(
            {
                "equipment_code": _code(n),
                "category": "3000",
                "variety": "3110",
                "status": "in_use",
                "use_unit_id": unit_ids[n % len(unit_ids)],
                **REGION,
                "park": PARK,
                "manufacturer": "兰州电梯制造有限公司",
                "factory_number": f"F{TAG}-{n:05d}" if n <= COMPLETE else "",
                "manufactured_on": (commissioned - timedelta(days=90)).isoformat(),
                "commissioned_on": commissioned.isoformat(),
                "address": f"兰州新区中川园区纬一路 {n // 60 + 1} 号楼",
                "lat": lat,
                "lon": lon,
                "registration_number": f"梯11甘A{n:05d}",
                "registered_on": commissioned.isoformat(),
                "rescue_code": f"96333{TAG}{n:05d}" if n <= ON_PLATFORM else "",
                "rescue_sign_posted": "true" if n <= LABELLED else "false",
                "rated_load_kg": 1000,
                "rated_speed_ms": 1.75,
                "stops": 18,
            }
        )
    return text.getvalue().encode()


def _visit_days(n: int) -> list[int]:
    """Day offsets into the month of elevator n's visits.

    On time (TSG T5002, 15 days): a first visit on day d (1 ≤ d ≤ 13) and a second 14 days
    later, so no stretch from the month's start, between the visits or to its end (28 to 31
    days) exceeds 15 days. Late: one visit, 16 to 20 days into the month."""
    if n <= ON_TIME:
        first = 1 + n % 13
        return [first, first + 14]
    if n <= SWIPED:
        return [16 + n % 5]
    return []


def _swipes(period_start: date, workers: list[str]) -> list[dict[str, Any]]:
    """Start and end swipes of every visit, in time order. A worker takes at most 12 elevators a
    day, one after another, 30 minutes each, 40 minutes apart."""
    by_day: dict[int, list[int]] = {}
    for n in range(1, SWIPED + 1):
        for day in _visit_days(n):
            by_day.setdefault(day, []).append(n)
    swipes: list[tuple[datetime, dict[str, Any]]] = []
    for day, elevators in sorted(by_day.items()):
        assert len(elevators) <= len(workers) * VISITS_PER_WORKER_DAY, day
        on = period_start + timedelta(days=day)
        for index, n in enumerate(elevators):
            worker = workers[index % len(workers)]
            slot = index // len(workers)
            start = datetime(on.year, on.month, on.day, 8, tzinfo=BUSINESS_ZONE) + timedelta(
                minutes=40 * slot
            )
            lat, lon = _position(n)
            for kind, at in (("start", start), ("end", start + timedelta(minutes=30))):
                swipes.append(
                    (
                        at,
                        {
                            "swipe_id": f"{_code(n)}-{on:%Y%m%d}-{kind}",
                            "equipment_code": _code(n),
                            "certificate_number": worker,
                            "kind": kind,
                            "at": at.isoformat(),
                            "lat": lat,
                            "lon": lon,
                            "source": "app",
                            "visit_kind": "half_monthly",
                        },
                    )
                )
    swipes.sort(key=lambda pair: pair[0])
    return [swipe for _, swipe in swipes]


async def _settled(api: Api, what: str) -> None:
    """Every outbox empty and every consumer caught up, seen twice a lag check apart."""
    started = time.monotonic()
    await asyncio.sleep(6)
    calm = 0
    while calm < 2:
        assert time.monotonic() - started < SETTLE_TIMEOUT_S, f"{what} never settled"
        calm = calm + 1 if await api.metrics_settled() else 0
        if calm < 2:
            await asyncio.sleep(5.5)
    print(f"{what}: settled in {time.monotonic() - started:.0f} s")


class Build:
    def __init__(self, api: Api, bureau: str, period_start: date, period_end: date) -> None:
        self.api = api
        self.bureau = bureau
        self.period_start = period_start
        self.period_end = period_end

    async def organisation(self, index: int, name: str, kind: str) -> str:
        response = await self.api.call(
            "POST",
            "registry",
            "/api/v1/organisations",
            self.bureau,
            json_body={
                "credit_code": credit_code(f"91620100{TAG}{index:05d}"),
                "name": name,
                "kind": kind,
                "region": {**REGION, "park": PARK},
                "address": "甘肃省兰州新区中川园区",
            },
        )
        organisation_id: str = response.json()["id"]
        return organisation_id

    async def client_token(self, organisation_id: str) -> str:
        response = await self.api.call(
            "POST",
            "registry",
            f"/api/v1/organisations/{organisation_id}/clients",
            self.bureau,
            json_body={"name": "table 3"},
        )
        client = response.json()
        return await self.api.token(client["client_id"], client["client_secret"])

    async def certificates(self, company_id: str) -> list[str]:
        numbers = [f"TZ{TAG}T{i:04d}" for i in range(WORKERS)]
        for i, number in enumerate(numbers):
            await self.api.call(
                "POST",
                "registry",
                "/api/v1/certificates",
                self.bureau,
                json_body={
                    "holder_name": f"维保{i}号",
                    "employer_id": company_id,
                    "valid_from": (self.period_start - timedelta(days=400)).isoformat(),
                    "valid_to": (self.period_end + timedelta(days=1000)).isoformat(),
                    "number": number,
                    "id_number": id_number(f"62010019800101{i:03d}"),
                    "item": "T",
                },
            )
        return numbers

    async def register(self, unit_ids: list[str]) -> None:
        response = await self.api.call(
            "POST",
            "registry",
            "/api/v1/equipment/import",
            self.bureau,
            content=_register_csv(unit_ids, self.period_start),
            content_type="text/csv; charset=utf-8",
        )
        summary = response.json()["summary"]
        assert (summary["imported"], summary["refused"]) == (FLEET, 0), json.dumps(
            [r for r in response.json()["rows"] if r["status"] != "imported"][:3],
            ensure_ascii=False,
        )

    async def contracts(self, company_id: str) -> None:
        codes = [_code(n) for n in range(1, CONTRACTED + 1)]
        await asyncio.gather(
            *(
                self.api.call(
                    "POST",
                    "registry",
                    "/api/v1/contracts",
                    self.bureau,
                    json_body={
                        "maintenance_company_id": company_id,
                        "equipment_codes": codes[i : i + CONTRACT_SIZE],
                        "valid_from": (self.period_start - timedelta(days=200)).isoformat(),
                        "valid_to": (self.period_end + timedelta(days=500)).isoformat(),
                    },
                )
                for i in range(0, len(codes), CONTRACT_SIZE)
            )
        )

    async def inspections(self, agency: str) -> None:
        inspected_on = self.period_start - timedelta(days=45)

        async def inspect(n: int) -> None:
            response = await self.api.call(
                "POST",
                "inspection",
                "/api/v1/inspections",
                agency,
                json_body={
                    "equipment_code": _code(n),
                    "report_number": f"JY{TAG}-{n:05d}",
                    "kind": "periodic",
                    "inspected_on": inspected_on.isoformat(),
                    "conclusion": "pass",
                },
            )
            answer = response.json()
            assert date.fromisoformat(answer["next_due_on"]) >= self.period_end, answer

        await asyncio.gather(*(inspect(n) for n in range(1, FLEET + 1)))

    async def swipes(self, company: str, workers: list[str]) -> None:
        swipes = _swipes(self.period_start, workers)
        assert len(swipes) == 2 * (2 * ON_TIME + SWIPED - ON_TIME)
        # One company's batches go one after another: its hash chain orders them.
        for i in range(0, len(swipes), SWIPE_BATCH):
            response = await self.api.call(
                "POST",
                "elevator-maintenance",
                "/api/v1/swipes",
                company,
                json_body={"swipes": swipes[i : i + SWIPE_BATCH]},
            )
            results = response.json()["results"]
            refused = [r for r in results if r["status"] != "accepted"]
            assert not refused, refused[:3]
        # Believable visits: no short one, no overlap, no worker in too many in a day.
        anomalies = await self.api.call(
            "GET", "elevator-maintenance", "/api/v1/anomalies", self.bureau, params={"limit": 10}
        )
        assert anomalies.json()["items"] == []


INDICATORS = [
    "record_completeness",
    "registration",
    "inspection",
    "contract_validity",
    "swipe_maintenance",
    "on_time_maintenance",
    "emergency_platform",
    "label",
]


def _seeds_row(period_start: date, period_end: date) -> dict[str, Any]:
    return {
        "region": {"province": None, "city": None, "district": "兰州新区", "park": None},
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "elevators_in_use": FLEET,
        "rates": {
            "record_completeness": 99.97,
            "registration": 100.0,
            "inspection": 100.0,
            "contract_validity": 97.79,
            "swipe_maintenance": 94.11,
            "on_time_maintenance": 90.29,
            "emergency_platform": 99.96,
            "label": 96.0,
        },
        "composite": 778.12,
        "definition_versions": dict.fromkeys(INDICATORS, 1),
    }


async def _indicators(api: Api, bureau: str, start: date, end: date) -> dict[str, Any]:
    """The answer once it is the seed's row, or the last one after READ_TIMEOUT_S: the lag
    gauges are read every few seconds, so the last events may still be being applied."""
    deadline = time.monotonic() + READ_TIMEOUT_S
    while True:
        response = await api.call(
            "GET",
            "reporting",
            "/api/v1/indicators/elevators",
            bureau,
            params={
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "district": REGION["district"],
            },
        )
        answer: dict[str, Any] = response.json()
        if answer == _seeds_row(start, end) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(1)


async def _build_and_read(env: dict[str, str]) -> tuple[dict[str, Any], date, date]:
    credential = json.loads((Path(env["STATE_DIR"]) / "bureau-client.json").read_text())
    urls = {
        "registry": f"http://127.0.0.1:{env['REGISTRY_PORT']}",
        "inspection": f"http://127.0.0.1:{env['INSPECTION_PORT']}",
        "elevator-maintenance": f"http://127.0.0.1:{env['ELEVATOR_MAINTENANCE_PORT']}",
        "cylinder-trace": f"http://127.0.0.1:{env['CYLINDER_TRACE_PORT']}",
        "reporting": f"http://127.0.0.1:{env['REPORTING_PORT']}",
    }
    period_start, period_end = _previous_month(datetime.now(BUSINESS_ZONE).date())
    api = Api(urls, concurrency=6)
    timings: list[str] = []
    mark = time.monotonic()

    def lap(what: str) -> None:
        nonlocal mark
        timings.append(f"{what} {time.monotonic() - mark:.0f} s")
        mark = time.monotonic()

    try:
        bureau = await api.token(credential["client_id"], credential["client_secret"])
        build = Build(api, bureau, period_start, period_end)
        units = [
            await build.organisation(i, f"兰州新区第{i + 1}物业管理有限公司", "use_unit")
            for i in range(USE_UNITS)
        ]
        company_id = await build.organisation(
            100, "甘肃永泰电梯工程有限公司", "maintenance_company"
        )
        agency_id = await build.organisation(
            200, "甘肃省特种设备检验检测研究院兰州新区中心", "inspection_agency"
        )
        company = await build.client_token(company_id)
        agency = await build.client_token(agency_id)
        workers = await build.certificates(company_id)
        await build.register(units)
        await build.contracts(company_id)
        lap("registry")
        await _settled(api, "the registry's records")
        lap("replicas")
        await asyncio.gather(build.inspections(agency), build.swipes(company, workers))
        lap("inspections and swipes")
        await _settled(api, "the inspections and visits")
        answer = await _indicators(api, bureau, period_start, period_end)
        lap("reporting")
        print(", ".join(timings), f"({datetime.now(UTC):%H:%M} UTC)")
        return answer, period_start, period_end
    finally:
        await api.close()


@pytest.mark.timeout(600)
def test_the_seeds_table_3_row_comes_out_of_the_public_apis(platform: dict[str, str]) -> None:
    answer, period_start, period_end = asyncio.run(_build_and_read(platform))

    assert answer == _seeds_row(period_start, period_end)
