"""`make demo`: load a running platform with a dataset modelled on the Lanzhou New Area's 2020
report (兰州新区特种设备安全状况分析报告, ../shared/seeds), through the public REST APIs only.

Everything goes in as an integrator's systems would send it: the bureau's credential from
STATE_DIR/bureau-client.json, an API client per organisation that posts (maintenance companies,
filling stations, inspection agencies, the use units that answer hazards), tokens from the
registry's OAuth client-credentials endpoint. Nothing is written to a database directly.

Scale 1 is a tenth of the seed's 2020 register (about 1,100 pieces of equipment, 500 elevators,
670 cylinders) so it loads in a few minutes on a small machine; `--scale N` multiplies every
count. The same `--seed` always yields the same organisations, codes and histories (dates are
relative to the day it runs); a second run with a seed already loaded says so and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from tqdm import tqdm

from tzsb_platform.settings import PlatformSettings, reachable_host

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
REGION = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"}

# -- the seed's 2020 figures -------------------------------------------------------------------

PARKS: dict[str, tuple[float, float]] = {
    # 园区 → a point near its centre (WGS-84); sites are scattered a few kilometres around it.
    "中川园区": (36.515, 103.620),
    "秦川园区": (36.600, 103.700),
    "西岔园区": (36.430, 103.560),
    "化工园区": (36.470, 103.470),
}
GENERAL_PARKS = ("中川园区", "秦川园区", "西岔园区")
GENERAL_SHARE = (0.5, 0.3, 0.2)

SEED_COUNTS: dict[str, int] = {
    # 2020 年底在册 (figure 1): category → count; gas cylinders are counted apart (6,746).
    "1000": 238,
    "2000": 1969,
    "3000": 4959,
    "4000": 1747,
    "5000": 363,
    "6000": 39,
    "8000": 2071,
    "9000": 1,
}
CHEMICAL_PARK_COUNTS: dict[str, int] = {
    # 化工园区 (figure 2): its share of the counts above.
    "2000": 948,
    "8000": 1590,
    "1000": 8,
    "5000": 28,
    "4000": 22,
    "3000": 9,
}
SEED_CYLINDERS = 6746
ELEVATORS_IN_USE_SHARE = 2981 / 4959
"""在用电梯 2,981 of 4,959 registered; the others are 停用 (suspended)."""
BASE_DIVISOR = 10
"""Scale 1 loads a tenth of the seed's register."""

VARIETIES: dict[str, tuple[str, ...]] = {
    "1000": ("1100", "1200"),
    "2000": ("2150", "2170", "2130"),
    "3000": ("3110", "3110", "3110", "3120", "3310"),
    "4000": ("4110", "4170", "4210", "4D00"),
    "5000": ("5110",),
    "6000": ("6100", "6200", "6A00"),
    "8000": ("8310", "8310", "8210", "8220"),
    "9000": ("9120",),
}

SUPERVISION_BODIES = (
    # 表1: body, park, staff, A-class certificates, on duty
    ("兰州新区市场监督管理局", None, 6, 1, 4),
    ("中川园区市场监督管理局", "中川园区", 11, 0, 2),
    ("秦川园区市场监督管理局", "秦川园区", 6, 0, 2),
    ("西岔园区市场监督管理局", "西岔园区", 7, 0, 4),
)
FILLING_STATIONS_PER_PARK = {"中川园区": 4, "秦川园区": 3, "西岔园区": 1}
"""表2 气瓶充装: 4, 3 and 1 stations."""

MAINTENANCE_COMPANIES = (
    "甘肃永泰电梯工程有限公司",
    "兰州新区恒升电梯有限公司",
    "甘肃正远电梯安装维修有限公司",
    "兰州安达电梯服务有限公司",
    "甘肃富瑞电梯有限公司",
    "重庆嘉运电梯有限责任公司兰州分公司",
    "甘肃远航机电设备有限公司",
    "兰州城安物业服务集团有限公司",
)
PAPER_RECORD_COMPANIES = 1
"""The last company keeps paper maintenance records: its elevators have no swipes (刷卡维保率)."""
LATE_COMPANY = 6
"""This company's visits drift past the 15-day interval (按期维保率)."""

INSPECTION_AGENCIES = (
    "甘肃省特种设备检验检测研究院兰州新区中心",
    "兰州新区特种设备检测有限公司",
)
CYLINDER_AGENCY = "兰州新区气瓶检验站"

UNIT_WORDS = (
    "金川", "恒泰", "华远", "瑞丰", "鑫源", "宏达", "安宁", "博远", "嘉禾", "丝路",
    "润泽", "天成", "广汇", "中和", "长城", "西部", "陇原", "祥瑞", "兴业", "德信",
)  # fmt: skip
UNIT_TRADES = (
    "物业管理", "置业", "酒店管理", "机械制造", "商贸", "物流", "能源", "新材料", "制药", "化工",
)  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
)
OPERATOR_ITEMS = {
    # 作业人员证 of the use units' own staff, by the category they run.
    "1000": "G1",
    "2000": "R1",
    "4000": "Q2",
    "5000": "N1",
    "6000": "Y1",
    "8000": "D",
}

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"

SWIPE_BATCH = 1000
FILL_BATCH = 1000
CYLINDER_BATCH = 1000
REGISTERED = frozenset({"registered", "duplicate"})
DEFAULT_SWIPE_AGE_DAYS = 29
"""The window used when the platform refuses a year of swipes: its SWIPE_MAX_AGE_DAYS default
is 30, less a day so the last swipes are not judged at the very edge while loading."""


def credit_code(first_17: str) -> str:
    """GB 32100-2015: the 18th character is a check character over the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first_17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return first_17 + CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def id_number(first_17: str) -> str:
    """GB 11643-1999: ISO 7064 MOD 11-2 check character."""
    total = sum(int(d) * w for d, w in zip(first_17, _ID_WEIGHTS, strict=True))
    return first_17 + _ID_CHECK_CHARACTERS[total % 11]


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale / BASE_DIVISOR)) if count else 0


def jitter(rng: random.Random, point: tuple[float, float], metres: float) -> tuple[float, float]:
    lat, lon = point
    d_lat = rng.uniform(-metres, metres) / 111_000
    d_lon = rng.uniform(-metres, metres) / (111_000 * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BUSINESS_ZONE)


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Org:
    key: str
    name: str
    kind: str
    credit_code: str
    park: str | None
    site: tuple[float, float]
    id: str = ""
    token: str = ""


@dataclass
class Equipment:
    code: str
    category: str
    variety: str
    park: str
    unit: Org
    status: str
    lat: float
    lon: float
    commissioned_on: date
    registered: bool
    row: dict[str, Any]


@dataclass
class Cylinder:
    code: str
    station: Org
    medium: str
    body: dict[str, Any]
    next_inspection_on: date


@dataclass
class Plan:
    seed: int
    scale: float
    today: date
    use_units: list[Org]
    companies: list[Org]
    stations: list[Org]
    agencies: list[Org]
    cylinder_agency: Org
    equipment: list[Equipment]
    cylinders: list[Cylinder]
    workers: dict[str, list[str]] = field(default_factory=dict)
    fillers: dict[str, list[str]] = field(default_factory=dict)


def build_plan(seed: int, scale: float, today: date) -> Plan:
    rng = random.Random(seed)
    tag = f"{seed % 1000:03d}"

    def org(key: str, index: int, name: str, kind: str, park: str | None) -> Org:
        code = credit_code("9162" + "0100" + tag + f"{index:06d}")
        centre = PARKS[park or "中川园区"]
        return Org(key, name, kind, code, park, jitter(rng, centre, 3000))

    unit_count = max(4, round(40 * scale))
    chemical_units = max(1, round(unit_count * 0.15))
    use_units: list[Org] = []
    for i in range(unit_count):
        park = "化工园区" if i < chemical_units else rng.choices(GENERAL_PARKS, GENERAL_SHARE)[0]
        words = len(UNIT_WORDS) * len(UNIT_TRADES)
        word = UNIT_WORDS[i % len(UNIT_WORDS)]
        trade = "化工" if park == "化工园区" else UNIT_TRADES[(i // len(UNIT_WORDS)) % 9]
        suffix = f"第{i // words + 1}分公司" if i >= words else ""
        name = f"兰州新区{word}{trade}有限公司{suffix}"
        use_units.append(org(f"unit{i}", i, name, "use_unit", park))
    companies = [
        org(f"company{i}", 900 + i, name, "maintenance_company", "中川园区")
        for i, name in enumerate(MAINTENANCE_COMPANIES)
    ]
    stations: list[Org] = []
    for park, count in FILLING_STATIONS_PER_PARK.items():
        for _ in range(count):
            i = len(stations)
            trade = "燃气充装站" if station_media(i) == ["LPG"] else "工业气体有限公司"
            name = f"兰州新区{UNIT_WORDS[(i * 3) % len(UNIT_WORDS)]}{trade}"
            stations.append(org(f"station{i}", 950 + i, name, "filling_station", park))
    agencies = [
        org(f"agency{i}", 980 + i, name, "inspection_agency", "中川园区")
        for i, name in enumerate(INSPECTION_AGENCIES)
    ]
    cylinder_agency = org("cylagency", 990, CYLINDER_AGENCY, "inspection_agency", "秦川园区")

    units_by_park: dict[str, list[Org]] = defaultdict(list)
    for unit in use_units:
        units_by_park[unit.park or ""].append(unit)
    equipment: list[Equipment] = []
    serial = 0
    for category, total in SEED_COUNTS.items():
        count = scaled(total, scale)
        chemical = min(count, scaled(CHEMICAL_PARK_COUNTS.get(category, 0), scale))
        for i in range(count):
            park = "化工园区" if i < chemical else rng.choices(GENERAL_PARKS, GENERAL_SHARE)[0]
            unit = rng.choice(units_by_park[park] or use_units)
            variety = rng.choice(VARIETIES[category])
            serial += 1
            code = f"{variety}{seed % 10000:04d}{serial:010d}"
            equipment.append(_equipment(rng, code, category, variety, park, unit, today))
    cylinders = _cylinders(rng, stations, scale, today, seed)
    return Plan(
        seed, scale, today, use_units, companies, stations, agencies, cylinder_agency,
        equipment, cylinders,
    )  # fmt: skip


def staff_bodies(seed: int) -> list[dict[str, Any]]:
    """表1's supervision staff as `POST /api/v1/staff` bodies: per body its staff, the first
    ones holding the A-class certificate and the rest B-class, the first ones on duty; a
    distinct name for everyone, the same for the same seed."""
    rng = random.Random(seed * 31 + 7)  # a stream of its own: the roster hangs on the seed alone
    bodies: list[dict[str, Any]] = []
    names: set[str] = set()
    for body_name, park, count, a_class, on_duty in SUPERVISION_BODIES:
        for i in range(count):
            name = ""
            while not name or name in names:
                given = rng.sample(GIVEN_NAMES, rng.choice((1, 2)))
                name = rng.choice(SURNAMES) + "".join(given)
            names.add(name)
            bodies.append(
                {
                    "name": name,
                    "region": {**REGION, "park": park},
                    "supervision_body": body_name,
                    "certificate_number": f"JC{seed % 10000:04d}{len(bodies):04d}",
                    "certificate_level": "A" if i < a_class else "B",
                    "active": i < on_duty,
                }
            )
    return bodies


def _equipment(
    rng: random.Random, code: str, category: str, variety: str, park: str, unit: Org, today: date
) -> Equipment:
    elevator = category == "3000"
    status = "in_use"
    if elevator and rng.random() > ELEVATORS_IN_USE_SHARE:
        status = "suspended"
    lat, lon = jitter(rng, unit.site, 120)
    commissioned = today - timedelta(days=rng.randint(400, 365 * 12))
    registered = rng.random() > 0.003
    row: dict[str, Any] = {
        "equipment_code": code,
        "category": category,
        "variety": variety,
        "status": status,
        "use_unit_id": "",
        **REGION,
        "park": park,
        "manufacturer": rng.choice(("西子奥的斯", "日立电梯(中国)", "兰州兰石重工", "太原重工")),
        "factory_number": f"F{code[-8:]}",
        "manufactured_on": (commissioned - timedelta(days=rng.randint(30, 300))).isoformat(),
        "commissioned_on": commissioned.isoformat(),
        "address": f"兰州新区{park}{unit.name[4:8]}厂区{rng.randint(1, 30)}号",
        "lat": lat,
        "lon": lon,
        "registration_number": f"{category[0]}{code[-7:]}甘A" if registered else "",
        "registered_on": commissioned.isoformat() if registered else "",
        "rescue_code": "",
        "rescue_sign_posted": "",
    }
    attributes: dict[str, Any] = {}
    if elevator:
        attributes = {
            "rated_load_kg": rng.choice((630, 800, 1000, 1350, 1600)),
            "rated_speed_ms": rng.choice((1.0, 1.5, 1.75, 2.5)),
            "stops": rng.randint(3, 33),
        }
        # 处置平台进入率 and 贴牌率 fall a little short of 100 %, as in the seed's Table 3.
        row["rescue_code"] = f"96333{code[-8:]}" if rng.random() > 0.004 else ""
        row["rescue_sign_posted"] = "true" if rng.random() > 0.04 else "false"
    elif category in ("2000", "8000"):
        attributes = {"safety_grade": rng.choice((1, 2, 2, 3)), "design_pressure_mpa": 1.6}
        attributes["volume_m3" if category == "2000" else "length_m"] = rng.randint(2, 400)
    elif category == "1000":
        attributes = {"rated_capacity_t_h": rng.choice((2, 4, 10, 20)), "fuel": "天然气"}
    elif category == "4000":
        attributes = {"rated_lifting_capacity_t": rng.choice((3, 5, 10, 16, 32))}
    row.update(attributes)
    return Equipment(
        code, category, variety, park, unit, status, lat, lon, commissioned, registered, row
    )


MEDIA = {
    # medium: (nominal MPa, water volume L, tare kg, permitted fill kg, design life years)
    "LPG": (2.1, 35.5, 16.0, 14.9, 8),
    "O2": (15.0, 40.0, 55.0, None, 30),
    "N2": (15.0, 40.0, 55.0, None, 30),
    "Ar": (15.0, 40.0, 55.0, None, 30),
}
MEDIUM_INTERVAL_YEARS = {"LPG": 4, "O2": 3, "N2": 5, "Ar": 5}


def station_media(index: int) -> list[str]:
    return ["LPG"] if index % 2 == 0 else ["O2", "N2", "Ar"]


def _cylinders(
    rng: random.Random, stations: list[Org], scale: float, today: date, seed: int
) -> list[Cylinder]:
    cylinders: list[Cylinder] = []
    for i in range(scaled(SEED_CYLINDERS, scale)):
        index = i % len(stations)
        station = stations[index]
        medium = rng.choice(station_media(index))
        nominal, water, tare, permitted, life = MEDIA[medium]
        years = MEDIUM_INTERVAL_YEARS[medium]
        manufactured = today - timedelta(
            days=rng.randint(200, 365 * (life - 1 if life < 10 else 12))
        )
        if rng.random() < 0.02:
            # 超期未检: the next inspection passed a few months ago; fills after it are refused.
            next_on = today - timedelta(days=rng.randint(40, 150))
        else:
            next_on = today + timedelta(days=rng.randint(20, 365 * years - 30))
        last_on = max(manufactured, next_on - timedelta(days=365 * years))
        next_on = min(next_on, last_on + timedelta(days=365 * years))
        code = f"GP{seed % 10000:04d}{i + 1:07d}"
        body = {
            "cylinder_code": code,
            "manufacturer": rng.choice(("宁波美恪", "北京天海工业", "沈阳斯林达")),
            "factory_number": f"N{code[-7:]}",
            "medium": medium,
            "nominal_pressure_mpa": nominal,
            "water_volume_l": water,
            "tare_mass_kg": tare,
            "permitted_fill_kg": permitted,
            "manufactured_on": manufactured.isoformat(),
            "design_life_years": life,
            "last_inspected_on": last_on.isoformat(),
            "next_inspection_on": next_on.isoformat(),
            "owner_id": "",
            "status": "in_use",
        }
        cylinders.append(Cylinder(code, station, medium, body, next_on))
    return cylinders


# -- the HTTP side -----------------------------------------------------------------------------


class LoadError(RuntimeError):
    pass


class Api:
    """One client for every service, with the retries an integrator's client has: 429 waits
    for Retry-After, 503 and connection errors are tried again a few times."""

    def __init__(self, urls: dict[str, str], concurrency: int) -> None:
        self.urls = urls
        self.client = httpx.AsyncClient(timeout=120)
        self.gate = asyncio.Semaphore(concurrency)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        token: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, Any] | None = None,
        ok: Iterable[int] = (200, 201),
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        accepted = set(ok)
        for attempt in range(8):
            async with self.gate:
                try:
                    response = await self.client.request(
                        method,
                        self.urls[service] + path,
                        headers=headers,
                        json=json_body,
                        content=content,
                        params=params,
                    )
                except httpx.TransportError:
                    if attempt == 7:
                        raise
                    await asyncio.sleep(1 + attempt)
                    continue
            if response.status_code in accepted:
                return response
            if response.status_code in (429, 503) and attempt < 7:
                await asyncio.sleep(float(response.headers.get("Retry-After", 1 + attempt)))
                continue
            raise LoadError(
                f"{method} {service}{path} answered {response.status_code}: {response.text[:800]}"
            )
        raise AssertionError("unreachable")

    async def token(self, client_id: str, secret: str) -> str:
        for attempt in range(10):
            response = await self.client.post(
                self.urls["registry"] + "/api/v1/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            if response.status_code == 429 and attempt < 9:
                await asyncio.sleep(float(response.headers.get("Retry-After", 5)))
                continue
            if response.status_code != 200:
                raise LoadError(f"token for {client_id}: {response.status_code} {response.text}")
            token: str = response.json()["access_token"]
            return token
        raise AssertionError("unreachable")

    async def metrics_settled(self) -> bool:
        """Every service's outbox is empty and every consumer has caught up."""
        for url in self.urls.values():
            response = await self.client.get(url + "/metrics")
            for line in response.text.splitlines():
                watched = line.startswith(("tzsb_consumer_lag{", "tzsb_outbox_backlog{"))
                if watched and float(line.rsplit(" ", 1)[1]) > 0:
                    return False
        return True


async def gather_with_bar(
    label: str, jobs: Sequence[Callable[[], Awaitable[int]]], total: int | None = None
) -> None:
    """Run the jobs (each answers how many items it loaded) under one progress bar."""
    bar = tqdm(total=total if total is not None else len(jobs), desc=label, unit=" items")
    try:

        async def run(job: Callable[[], Awaitable[int]]) -> None:
            bar.update(await job())

        await asyncio.gather(*(run(job) for job in jobs))
    finally:
        bar.close()


@dataclass
class Figures:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: list[str] = field(default_factory=list)


class Loader:
    def __init__(self, api: Api, plan: Plan, bureau_token: str, swipe_days: int) -> None:
        self.api = api
        self.plan = plan
        self.bureau = bureau_token
        self.swipe_days = swipe_days
        self.figures = Figures()
        self.rng = random.Random(plan.seed + 1)
        self.contract_company: dict[str, Org] = {}
        self.hazards: list[dict[str, Any]] = []
        self.lapsed_until: dict[str, date] = {}

    # -- organisations, licences, certificates, staff --------------------------------------

    async def already_loaded(self) -> bool:
        response = await self.api.call(
            "GET",
            "registry",
            "/api/v1/organisations",
            self.bureau,
            params={"credit_code": self.plan.use_units[0].credit_code},
        )
        return bool(response.json()["items"])

    async def organisations(self) -> None:
        plan = self.plan
        everyone = [
            *plan.use_units, *plan.companies, *plan.stations, *plan.agencies, plan.cylinder_agency,
        ]  # fmt: skip

        def job(org: Org) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                region = {**REGION, "park": org.park}
                response = await self.api.call(
                    "POST",
                    "registry",
                    "/api/v1/organisations",
                    self.bureau,
                    json_body={
                        "credit_code": org.credit_code,
                        "name": org.name,
                        "kind": org.kind,
                        "region": region,
                        "address": f"甘肃省兰州新区{org.park or ''}",
                    },
                )
                org.id = response.json()["id"]
                return 1

            return create

        await gather_with_bar("organisations", [job(o) for o in everyone])
        self.figures.counts["use units"] = len(plan.use_units)
        self.figures.counts["maintenance companies"] = len(plan.companies)
        self.figures.counts["filling stations"] = len(plan.stations)
        self.figures.counts["inspection agencies"] = len(plan.agencies) + 1

    async def api_clients(self, orgs: Sequence[Org]) -> None:
        """One client per organisation that posts, and its token (the registry limits token
        requests per address, which `Api.token` waits out)."""

        def job(org: Org) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                response = await self.api.call(
                    "POST",
                    "registry",
                    f"/api/v1/organisations/{org.id}/clients",
                    self.bureau,
                    json_body={"name": "demo"},
                )
                client = response.json()
                org.token = await self.api.token(client["client_id"], client["client_secret"])
                return 1

            return create

        await gather_with_bar("api clients", [job(o) for o in orgs if not o.token])

    async def licences(self) -> None:
        plan, today = self.plan, self.plan.today
        bodies: list[dict[str, Any]] = []
        for i, company in enumerate(plan.companies):
            bodies.append(
                self._licence(company, f"TS3362{plan.seed:04d}{i:03d}", "maintenance", ["3000"])
            )
        for i, station in enumerate(plan.stations):
            bodies.append(
                self._licence(station, f"TS4262{plan.seed:04d}{i:03d}", "filling", station_media(i))
            )
        for i, agency in enumerate([*plan.agencies, plan.cylinder_agency]):
            scope = (
                ["2000"]
                if agency is plan.cylinder_agency
                else ["1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000"]
            )
            bodies.append(
                self._licence(agency, f"TS7110{plan.seed:04d}{i:03d}", "inspection", scope)
            )
        del today

        def job(body: dict[str, Any]) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                await self.api.call(
                    "POST", "registry", "/api/v1/licences", self.bureau, json_body=body
                )
                return 1

            return create

        await gather_with_bar("licences", [job(b) for b in bodies])
        self.figures.counts["licences"] = len(bodies)

    def _licence(self, org: Org, number: str, kind: str, scope: list[str]) -> dict[str, Any]:
        return {
            "organisation_id": org.id,
            "number": number,
            "kind": kind,
            "scope": scope,
            "valid_from": (self.plan.today - timedelta(days=3 * 365)).isoformat(),
            "valid_to": (
                self.plan.today + timedelta(days=365 + self.rng.randint(0, 700))
            ).isoformat(),
        }

    async def certificates(self) -> None:
        plan, rng = self.plan, self.rng
        bodies: list[dict[str, Any]] = []
        sequence = 0

        def person(employer: Org, item: str, valid_to: date | None = None) -> str:
            nonlocal sequence
            sequence += 1
            birth = date(1965, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))
            number = f"TZ{plan.seed % 10000:04d}{item}{sequence:06d}"
            start = plan.today - timedelta(days=rng.randint(400, 1400))
            bodies.append(
                {
                    "holder_name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_NAMES, 2)),
                    "employer_id": employer.id,
                    "valid_from": start.isoformat(),
                    "valid_to": (valid_to or start + timedelta(days=4 * 365)).isoformat(),
                    "number": number,
                    "id_number": id_number(f"620100{birth:%Y%m%d}{sequence % 1000:03d}"),
                    "item": item,
                }
            )
            return number

        elevators: dict[str, int] = defaultdict(int)
        for piece in plan.equipment:
            if piece.category == "3000":
                elevators[piece.unit.key] += 1
        per_company = max(1, sum(elevators.values()) // len(plan.companies))
        for company in plan.companies:
            workers = max(2, math.ceil(per_company / 20))
            # 作业人员证 of elevator maintenance (item T), valid throughout the year of swipes.
            plan.workers[company.key] = [
                person(company, "T", plan.today + timedelta(days=rng.randint(200, 1400)))
                for _ in range(workers)
            ]
        for station in plan.stations:
            plan.fillers[station.key] = [
                person(station, "P", plan.today + timedelta(days=rng.randint(200, 1400)))
                for _ in range(3)
            ]
        categories_by_unit: dict[str, set[str]] = defaultdict(set)
        for piece in plan.equipment:
            categories_by_unit[piece.unit.key].add(piece.category)
        for unit in plan.use_units:
            person(unit, "A")  # 安全管理
            for category in sorted(categories_by_unit[unit.key]):
                if category in OPERATOR_ITEMS:
                    person(unit, OPERATOR_ITEMS[category])

        def job(chunk: list[dict[str, Any]]) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                for body in chunk:
                    await self.api.call(
                        "POST", "registry", "/api/v1/certificates", self.bureau, json_body=body
                    )
                return len(chunk)

            return create

        chunks = [bodies[i : i + 20] for i in range(0, len(bodies), 20)]
        await gather_with_bar("certificates", [job(c) for c in chunks], total=len(bodies))
        self.figures.counts["certificates"] = len(bodies)

    async def staff(self) -> None:
        bodies = staff_bodies(self.plan.seed)

        async def create() -> int:
            for body in bodies:
                await self.api.call(
                    "POST", "registry", "/api/v1/staff", self.bureau, json_body=body
                )
            return len(bodies)

        await gather_with_bar("supervision staff", [create], total=len(bodies))
        self.figures.counts["supervision staff"] = len(bodies)

    # -- equipment and contracts -----------------------------------------------------------

    async def equipment(self) -> None:
        rows = []
        for piece in self.plan.equipment:
            piece.row["use_unit_id"] = piece.unit.id
            rows.append(piece.row)
        columns: list[str] = []
        for row in rows:
            for name in row:
                if name not in columns:
                    columns.append(name)
        chunk_size = 20_000

        def job(chunk: list[dict[str, Any]]) -> Callable[[], Awaitable[int]]:
            async def upload() -> int:
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                for row in chunk:
                    writer.writerow({k: row.get(k, "") for k in columns})
                response = await self.api.call(
                    "POST",
                    "registry",
                    "/api/v1/equipment/import",
                    self.bureau,
                    content=text.getvalue().encode(),
                    content_type="text/csv; charset=utf-8",
                )
                answer = response.json()
                if answer["summary"]["refused"]:
                    refused = [r for r in answer["rows"] if r["status"] == "refused"][:3]
                    shown = json.dumps(refused, ensure_ascii=False)
                    raise LoadError(f"the register import refused rows: {shown}")
                return len(chunk)

            return upload

        chunks = [rows[i : i + chunk_size] for i in range(0, len(rows), chunk_size)]
        await gather_with_bar("equipment (import)", [job(c) for c in chunks], total=len(rows))
        by_category: dict[str, int] = defaultdict(int)
        for piece in self.plan.equipment:
            by_category[piece.category] += 1
        for category, count in sorted(by_category.items()):
            self.figures.counts[f"equipment {category}"] = count
        self.figures.counts["elevators in use"] = sum(
            1 for p in self.plan.equipment if p.category == "3000" and p.status == "in_use"
        )

    async def contracts(self) -> None:
        """One contract per use unit's elevators with one company. About 2 % of the elevators
        in use have none in force (维保合同有效率 97.79 % in the seed): a contract that ended
        last month and was not renewed."""
        plan, rng, today = self.plan, self.rng, self.plan.today
        by_unit: dict[str, list[Equipment]] = defaultdict(list)
        for piece in plan.equipment:
            if piece.category == "3000" and piece.status == "in_use":
                by_unit[piece.unit.key].append(piece)
        bodies: list[tuple[dict[str, Any], Org, list[Equipment]]] = []
        for index, (_, pieces) in enumerate(sorted(by_unit.items())):
            company = plan.companies[index % len(plan.companies)]
            lapsed = [p for p in pieces if rng.random() < 0.02]
            current = [p for p in pieces if p not in lapsed]
            start = today - timedelta(days=400)
            for group, end in (
                (current, today + timedelta(days=rng.randint(60, 700))),
                (lapsed, today - timedelta(days=rng.randint(10, 40))),
            ):
                if group:
                    bodies.append(
                        (
                            {
                                "maintenance_company_id": company.id,
                                "equipment_codes": [p.code for p in group],
                                "valid_from": start.isoformat(),
                                "valid_to": end.isoformat(),
                            },
                            company,
                            group if end >= today else [],
                        )
                    )
                    for p in group:
                        self.contract_company[p.code] = company
                    if end < today:
                        self.lapsed_until.update({p.code: end for p in group})

        def job(body: dict[str, Any]) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                await self.api.call(
                    "POST", "registry", "/api/v1/contracts", self.bureau, json_body=body
                )
                return 1

            return create

        await gather_with_bar("maintenance contracts", [job(b) for b, _, _ in bodies])
        self.figures.counts["contracts"] = len(bodies)

    async def settle(self, what: str) -> None:
        """Wait until the other services' replicas hold what the registry published: every
        outbox empty and every consumer caught up, seen twice a metrics refresh apart."""
        started = time.monotonic()
        await asyncio.sleep(6)
        calm = 0
        while calm < 2:
            if time.monotonic() - started > 300:
                raise LoadError(f"the platform did not catch up with the {what} within 5 minutes")
            calm = calm + 1 if await self.api.metrics_settled() else 0
            await asyncio.sleep(5.5 if calm < 2 else 0)
        tqdm.write(f"replicas caught up with the {what} in {time.monotonic() - started:.0f} s")

    # -- inspections and hazards -----------------------------------------------------------

    async def inspections(self) -> None:
        """Each piece in use: an inspection a year or more ago, then the next one on time
        (most), late (a few per cent), or missing (about one per cent, and a few never
        inspected at all)."""
        plan, today = self.plan, self.plan.today
        agency_tokens = [a.token for a in plan.agencies]
        pieces = [p for p in plan.equipment if p.status == "in_use"]

        def job(piece: Equipment) -> Callable[[], Awaitable[int]]:
            # Its own generator: the jobs run concurrently, so a shared one would hand out its
            # numbers in whatever order the answers come back.
            rng = random.Random(f"{plan.seed}:inspections:{piece.code}")
            reports = iter(range(1, 100))

            def report() -> str:
                return f"JY{plan.seed % 10000:04d}-{piece.code[-10:]}-{next(reports)}"

            async def inspect() -> int:
                token = agency_tokens[int(piece.code[-3:]) % len(agency_tokens)]
                draw = rng.random()
                if draw < 0.003:
                    self.figures.counts["inspections: never inspected"] += 1
                    return 1
                on = max(piece.commissioned_on, today - timedelta(days=rng.randint(370, 700)))
                answer = await self._inspection(piece, token, report(), on, "pass", [])
                due = date.fromisoformat(answer["next_due_on"])
                kind = "not yet due"
                # Inspected at every due date since, on time, until the next lies ahead; the
                # last one late for a few, and missing (the piece is past due) for fewer.
                for _ in range(6):
                    if due > today:
                        break
                    if draw < 0.012:
                        kind = "missing (past due)"
                        break
                    late = draw < 0.05 and due + timedelta(days=5) < today
                    if late:
                        on = min(
                            today - timedelta(days=1), due + timedelta(days=rng.randint(5, 60))
                        )
                    else:
                        on = max(on + timedelta(days=1), due - timedelta(days=rng.randint(1, 45)))
                    kind = "late" if late else "on time"
                    recent = today - on < timedelta(days=365)
                    conclusion = "fail" if recent and rng.random() < 0.004 else "pass"
                    hazards = []
                    if recent and rng.random() < 0.02:
                        hazards.append(
                            {
                                "description": rng.choice(
                                    (
                                        "安全阀校验超期",
                                        "制动器闸瓦磨损超标",
                                        "压力表未按期检定",
                                        "层门门锁啮合长度不足",
                                        "钢丝绳断丝超标",
                                    )
                                ),
                                "severity": "major" if rng.random() < 0.2 else "general",
                                "deadline": (on + timedelta(days=30)).isoformat(),
                            }
                        )
                    answer = await self._inspection(piece, token, report(), on, conclusion, hazards)
                    for hazard in answer.get("hazards", []):
                        self.hazards.append(
                            {**hazard, "equipment_code": piece.code, "unit": piece.unit}
                        )
                    if conclusion == "fail":
                        kind = "failed"
                        break
                    due = date.fromisoformat(answer["next_due_on"])
                self.figures.counts[f"inspections: {kind}"] += 1
                return 1

            return inspect

        await gather_with_bar("inspections", [job(p) for p in pieces])

    async def _inspection(
        self,
        piece: Equipment,
        token: str,
        number: str,
        on: date,
        conclusion: str,
        hazards: list[dict[str, Any]],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "equipment_code": piece.code,
            "report_number": number,
            "kind": "periodic",
            "inspected_on": on.isoformat(),
            "conclusion": conclusion,
            "hazards": hazards,
        }
        try:
            response = await self.api.call(
                "POST", "inspection", "/api/v1/inspections", token, json_body=body
            )
        except LoadError as exc:
            if "no_inspection_rule" not in str(exc):
                raise
            body["next_due_on"] = (on + timedelta(days=365)).isoformat()
            response = await self.api.call(
                "POST", "inspection", "/api/v1/inspections", token, json_body=body
            )
        self.figures.counts["inspection reports"] += 1
        answer: dict[str, Any] = response.json()
        if answer.get("next_due_on") is None:
            answer["next_due_on"] = (on + timedelta(days=365)).isoformat()
        return answer

    async def bureau_hazards(self) -> None:
        """Hazards the bureau found itself (网上巡查, 现场检查) beside those of inspections."""
        plan, rng = self.plan, self.rng
        pieces = [p for p in plan.equipment if p.status == "in_use"]
        chosen = rng.sample(pieces, min(len(pieces), max(3, round(10 * plan.scale))))

        def job(piece: Equipment) -> Callable[[], Awaitable[int]]:
            rng = random.Random(f"{plan.seed}:bureau-hazards:{piece.code}")

            async def create() -> int:
                response = await self.api.call(
                    "POST",
                    "inspection",
                    "/api/v1/hazards",
                    self.bureau,
                    json_body={
                        "equipment_code": piece.code,
                        "source": rng.choice(("online_patrol", "supervision", "complaint")),
                        "severity": "general",
                        "description": rng.choice(
                            ("使用登记标志未张贴", "作业人员无证上岗", "安全技术档案不全")
                        ),
                        "deadline": (plan.today + timedelta(days=rng.randint(5, 30))).isoformat(),
                    },
                )
                self.hazards.append({**response.json(), "unit": piece.unit})
                return 1

            return create

        await gather_with_bar("bureau hazards", [job(p) for p in chosen])

    async def hazard_states(self) -> None:
        """Move the hazards along: a fifth stay open, the rest get an order (监察指令书) per
        unit; of those some stay order_issued, some are being rectified, some reported
        rectified and some verified and closed."""
        today = self.plan.today
        rng = random.Random(f"{self.plan.seed}:hazard-states")
        by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # In a fixed order, whatever order the concurrent requests that found them answered in.
        self.hazards.sort(key=lambda h: (h["equipment_code"], h["description"], h["deadline"]))
        steps = {h["id"]: rng.random() for h in self.hazards}
        for hazard in self.hazards:
            if hazard.get("state", "open") == "open" and rng.random() >= 0.2:
                by_unit[hazard["unit"].key].append(hazard)
        units = {h["unit"].key: h["unit"] for hs in by_unit.values() for h in hs}
        await self.api_clients(list(units.values()))

        def job(unit_key: str, hazards: list[dict[str, Any]]) -> Callable[[], Awaitable[int]]:
            async def move() -> int:
                unit = units[unit_key]
                await self.api.call(
                    "POST",
                    "inspection",
                    "/api/v1/orders",
                    self.bureau,
                    json_body={
                        "hazard_ids": [h["id"] for h in hazards],
                        "deadline": (today + timedelta(days=30)).isoformat(),
                        "requirements": "限期整改，整改完成后报送整改报告",
                    },
                )
                for hazard in hazards:
                    path = f"/api/v1/hazards/{hazard['id']}"
                    step = steps[hazard["id"]]
                    state = "order_issued"
                    if step >= 0.25:
                        await self.api.call(
                            "POST", "inspection", path + "/rectification", unit.token
                        )
                        state = "rectifying"
                    if step >= 0.45:
                        await self.api.call(
                            "POST",
                            "inspection",
                            path + "/evidence",
                            unit.token,
                            content=EVIDENCE_PNG,
                            content_type="image/png",
                            params={"filename": "整改照片.png"},
                        )
                        await self.api.call(
                            "POST", "inspection", path + "/rectified", unit.token,
                            json_body={"note": "已按指令书要求完成整改"},
                        )  # fmt: skip
                        state = "rectified"
                    if step >= 0.65:
                        await self.api.call(
                            "POST", "inspection", path + "/verification", self.bureau,
                            json_body={"accepted": True, "note": "现场复查，整改到位"},
                        )  # fmt: skip
                        state = "closed"
                    self.figures.counts[f"hazards: {state}"] += 1
                return len(hazards)

            return move

        opened = len(self.hazards) - sum(len(v) for v in by_unit.values())
        self.figures.counts["hazards: open"] += opened
        await gather_with_bar(
            "hazard workflow",
            [job(k, v) for k, v in by_unit.items()],
            total=sum(len(v) for v in by_unit.values()),
        )

    async def scans(self) -> None:
        today = self.plan.today.isoformat()
        due = await self.api.call(
            "POST", "inspection", "/api/v1/due-scans", self.bureau, json_body={"as_of": today}
        )
        self.figures.notes.append(
            f"due scan for {today}: {json.dumps(due.json(), ensure_ascii=False)[:300]}"
        )
        overdue = await self.api.call(
            "POST",
            "elevator-maintenance",
            "/api/v1/overdue-scans",
            self.bureau,
            json_body={"as_of": today},
        )
        self.figures.notes.append(
            f"overdue-maintenance scan: {json.dumps(overdue.json(), ensure_ascii=False)[:300]}"
        )

    # -- swipes ----------------------------------------------------------------------------

    def visits(self, since: date) -> dict[str, list[tuple[datetime, list[dict[str, Any]]]]]:
        """Start and end swipes per company, in time order: every 14 days per elevator (17 at
        the late company), a visit of 35–70 minutes (now and then a perfunctory 10), workers
        taking their elevators one after another through the day."""
        plan, rng, today = self.plan, random.Random(self.plan.seed + 2), self.plan.today
        now = datetime.now(UTC)
        swipes: dict[str, list[tuple[datetime, list[dict[str, Any]]]]] = defaultdict(list)
        slots: dict[tuple[str, date], int] = defaultdict(int)
        paper = {c.key for c in plan.companies[len(plan.companies) - PAPER_RECORD_COMPANIES :]}
        for piece in plan.equipment:
            company = self.contract_company.get(piece.code)
            if piece.category != "3000" or piece.status != "in_use" or company is None:
                continue
            if company.key in paper:
                continue
            lapsed_on = self.lapsed_until.get(piece.code)
            interval = 17 if company.key == plan.companies[LATE_COMPANY].key else 14
            workers = plan.workers[company.key]
            # One worker per site, so a day's visits rarely cross the region.
            worker = workers[plan.use_units.index(piece.unit) % len(workers)]
            day = since + timedelta(days=rng.randint(0, interval - 1))
            while day < today:
                # A few swipes after the contract lapsed: rejected no_valid_contract.
                lapsed = lapsed_on is not None and day > lapsed_on + timedelta(days=3)
                if lapsed and rng.random() > 0.3:
                    break
                if day.weekday() == 6:
                    day += timedelta(days=1)
                    continue
                slot = slots[(worker, day)]
                slots[(worker, day)] += 1
                # Two hours a visit: at most 70 minutes on site and 40 on the road between
                # sites under 30 km apart, well within ANOMALY_MAX_TRAVEL_KMH.
                start = local(day, 8, 0) + timedelta(minutes=120 * slot + rng.randint(0, 10))
                minutes = 10 if rng.random() < 0.01 else rng.randint(35, 70)
                end = start + timedelta(minutes=minutes)
                if end >= now:
                    break
                pair = []
                for kind, at in (("start", start), ("end", end)):
                    lat, lon = jitter(rng, (piece.lat, piece.lon), 30)
                    pair.append(
                        {
                            "swipe_id": f"d{plan.seed}-{piece.code}-{day:%Y%m%d}-{kind}",
                            "equipment_code": piece.code,
                            "certificate_number": worker,
                            "kind": kind,
                            "at": at.isoformat(),
                            "lat": lat,
                            "lon": lon,
                            "source": "app",
                            "visit_kind": "half_monthly",
                        }
                    )
                swipes[company.key].append((start, pair))
                day += timedelta(days=interval + (rng.randint(0, 2) if interval > 14 else 0))
        for pairs in swipes.values():
            pairs.sort(key=lambda p: p[0])
        return swipes

    async def swipes(self) -> None:
        plan = self.plan
        today = plan.today
        since = today - timedelta(days=self.swipe_days)
        companies = {c.key: c for c in plan.companies}
        by_company = self.visits(since)
        # The oldest visit first, alone: it tells whether the platform takes swipes that old.
        oldest_key = min(by_company, key=lambda k: by_company[k][0][0])
        oldest = by_company[oldest_key].pop(0)
        answer = await self._post_swipes(companies[oldest_key], oldest[1])
        reasons = {r for result in answer for r in result["reasons"]}
        if "time_too_old" in reasons:
            cut = datetime.now(UTC) - timedelta(days=DEFAULT_SWIPE_AGE_DAYS)
            self.figures.notes.append(
                f"the platform refuses swipes older than its SWIPE_MAX_AGE_DAYS (the probe of "
                f"{oldest[0]:%Y-%m-%d} was rejected time_too_old): loaded the last "
                f"{DEFAULT_SWIPE_AGE_DAYS} days of swipes only; start it with "
                f"SWIPE_MAX_AGE_DAYS=370 for a year of visits"
            )
            by_company = {k: [p for p in v if p[0] >= cut] for k, v in by_company.items()}
        elif answer and any(r["status"] == "rejected" for r in answer):
            raise LoadError(f"the first visit's swipes were rejected: {answer}")
        total = sum(2 * len(v) for v in by_company.values())

        def job(
            company: Org, pairs: list[tuple[datetime, list[dict[str, Any]]]]
        ) -> Callable[[], Awaitable[int]]:
            async def post() -> int:
                # One company's batches go one after another: its hash chain orders them.
                items = [s for _, pair in pairs for s in pair]
                for i in range(0, len(items), SWIPE_BATCH):
                    batch = items[i : i + SWIPE_BATCH]
                    await self._post_swipes(company, batch)
                    bar.update(len(batch))
                return 0

            return post

        bar = tqdm(total=total, desc="swipes", unit=" swipes")
        try:
            await asyncio.gather(*(job(companies[k], v)() for k, v in by_company.items()))
        finally:
            bar.close()

    async def _post_swipes(self, company: Org, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = await self.api.call(
            "POST",
            "elevator-maintenance",
            "/api/v1/swipes",
            company.token,
            json_body={"swipes": batch},
        )
        results: list[dict[str, Any]] = response.json()["results"]
        for result in results:
            self.figures.counts[f"swipes {result['status']}"] += 1
            for reason in result["reasons"]:
                self.figures.reasons[f"swipe {reason}"] += 1
        return results

    async def rescues(self) -> None:
        """A few 96333 trappings, now: the service dispatches at the moment a report arrives
        and every step is timed against that, so a past rescue cannot be replayed. The company
        holding the contract acknowledges, arrives and frees the people at once; the last one
        is left acknowledged but not reached, so the live clocks escalate it in 20 minutes."""
        plan = self.plan
        rng = random.Random(plan.seed + 5)
        causes = await self.api.call(
            "GET", "elevator-maintenance", "/api/v1/fault-causes", self.bureau
        )
        codes = [c["code"] for c in causes.json()["items"]]
        covered = [
            p
            for p in plan.equipment
            if p.category == "3000"
            and p.status == "in_use"
            and p.code in self.contract_company
            and p.code not in self.lapsed_until
        ]
        chosen = rng.sample(covered, min(len(covered), max(2, round(6 * plan.scale))))

        def job(index: int, piece: Equipment) -> Callable[[], Awaitable[int]]:
            rng = random.Random(f"{plan.seed}:rescue:{piece.code}")

            async def rescue() -> int:
                token = self.contract_company[piece.code].token
                people = rng.randint(1, 4)
                response = await self.api.call(
                    "POST",
                    "elevator-maintenance",
                    "/api/v1/rescues",
                    self.bureau,
                    json_body={
                        "equipment_code": piece.code,
                        "reported_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
                        "trapped_people": people,
                        "caller_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
                    },
                )
                path = f"/api/v1/rescues/{response.json()['id']}"
                await self.api.call(
                    "POST", "elevator-maintenance", path + "/acknowledge", token, json_body={}
                )
                if index == len(chosen) - 1:
                    self.figures.counts["rescues: awaiting arrival"] += 1
                    return 1
                await self.api.call(
                    "POST", "elevator-maintenance", path + "/arrive", token,
                    json_body={"lat": piece.lat, "lon": piece.lon},
                )  # fmt: skip
                await self.api.call(
                    "POST", "elevator-maintenance", path + "/release", token,
                    json_body={"people_freed": people, "fault_cause": rng.choice(codes)},
                )  # fmt: skip
                self.figures.counts["rescues: released"] += 1
                return 1

            return rescue

        await gather_with_bar("rescues (96333)", [job(i, p) for i, p in enumerate(chosen)])

    # -- cylinders and fills ---------------------------------------------------------------

    async def cylinders(self) -> None:
        by_station: dict[str, list[Cylinder]] = defaultdict(list)
        for cylinder in self.plan.cylinders:
            cylinder.body["owner_id"] = cylinder.station.id
            by_station[cylinder.station.key].append(cylinder)
        stations = {s.key: s for s in self.plan.stations}

        def job(station: Org, chunk: list[Cylinder]) -> Callable[[], Awaitable[int]]:
            async def create() -> int:
                response = await self.api.call(
                    "POST",
                    "cylinder-trace",
                    "/api/v1/cylinders",
                    station.token,
                    json_body={"cylinders": [c.body for c in chunk]},
                )
                results = response.json()["results"]
                refused = [r for r in results if r["status"] not in REGISTERED]
                if refused:
                    raise LoadError(f"cylinders refused: {refused[:3]}")
                return len(chunk)

            return create

        jobs = [
            job(stations[key], items[i : i + CYLINDER_BATCH])
            for key, items in by_station.items()
            for i in range(0, len(items), CYLINDER_BATCH)
        ]
        await gather_with_bar("cylinders", jobs, total=len(self.plan.cylinders))
        self.figures.counts["cylinders"] = len(self.plan.cylinders)

    async def fills(self) -> None:
        """A year of fills, within the platform's one-year limit: LPG every 20–40 days,
        industrial gases every 15–30. A cylinder past its inspection date is refused and left
        empty; now and then a pre-fill check fails or an LPG cylinder is overfilled, and once in
        a while a station fills a refused cylinder anyway (拒充仍充装)."""
        plan, today = self.plan, self.plan.today
        rng = random.Random(plan.seed + 3)
        now = datetime.now(UTC)
        since = today - timedelta(days=355)
        by_station: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for cylinder in plan.cylinders:
            fillers = plan.fillers[cylinder.station.key]
            lpg = cylinder.medium == "LPG"
            day = since + timedelta(days=rng.randint(0, 30))
            while day < today:
                start = local(day, rng.randint(8, 17), rng.randint(0, 59))
                if start + timedelta(minutes=10) >= now:
                    break
                overdue = day > cylinder.next_inspection_on
                prefill_ok = overdue or rng.random() > 0.004
                mass: float | None = None
                pressure: float | None = None
                if lpg:
                    mass = round(rng.uniform(14.2, 14.9), 2)
                    if rng.random() < 0.003:
                        mass = round(rng.uniform(15.1, 15.6), 2)
                else:
                    pressure = round(rng.uniform(14.0, 15.0), 2)
                refused_anyway = rng.random() < 0.1
                if (overdue or not prefill_ok) and not refused_anyway:
                    mass, pressure = (0.0, None) if lpg else (None, 0.0)
                by_station[cylinder.station.key].append(
                    {
                        "fill_id": f"f{plan.seed}-{cylinder.code}-{day:%Y%m%d}",
                        "cylinder_code": cylinder.code,
                        "filler_certificate": rng.choice(fillers),
                        "medium": cylinder.medium,
                        "started_at": start.isoformat(),
                        "ended_at": (start + timedelta(minutes=rng.randint(2, 8))).isoformat(),
                        "prefill_checks": {
                            "appearance": True,
                            "residual_pressure": prefill_ok,
                            "valve": True,
                            "inspection_mark": not overdue,
                            "medium_marking": True,
                        },
                        "postfill_checks": {
                            "leak": True,
                            "mass_or_pressure": True,
                            "temperature": True,
                        },
                        "filled_mass_kg": mass,
                        "final_pressure_mpa": pressure,
                    }
                )
                if overdue:
                    break  # the station refuses it and sets it aside for inspection
                day += timedelta(days=rng.randint(20, 40) if lpg else rng.randint(15, 30))
        stations = {s.key: s for s in plan.stations}
        total = sum(len(v) for v in by_station.values())

        def job(station: Org, fills: list[dict[str, Any]]) -> Callable[[], Awaitable[int]]:
            async def post() -> int:
                fills.sort(key=lambda f: f["started_at"])
                for i in range(0, len(fills), FILL_BATCH):
                    batch = fills[i : i + FILL_BATCH]
                    response = await self.api.call(
                        "POST",
                        "cylinder-trace",
                        "/api/v1/fills",
                        station.token,
                        json_body={"fills": batch},
                    )
                    for result in response.json()["results"]:
                        self.figures.counts[f"fills {result['status']}"] += 1
                        for reason in result.get("reasons", []):
                            self.figures.reasons[f"fill {reason}"] += 1
                    bar.update(len(batch))
                return 0

            return post

        bar = tqdm(total=total, desc="fills", unit=" fills")
        try:
            await asyncio.gather(*(job(stations[k], v)() for k, v in by_station.items()))
        finally:
            bar.close()

    async def cylinder_inspections(self) -> None:
        """The cylinder agency's periodic inspections of the cylinders that are due (the
        refused ones): most pass, one in ten fails and is scrapped."""
        plan, today = self.plan, self.plan.today
        rng = random.Random(plan.seed + 4)
        due = [c for c in plan.cylinders if c.next_inspection_on < today]
        bodies = []
        for i, cylinder in enumerate(due):
            bodies.append(
                {
                    "cylinder_code": cylinder.code,
                    "report_number": f"QP{plan.seed % 10000:04d}-{i + 1:06d}",
                    "inspected_on": (today - timedelta(days=1)).isoformat(),
                    "result": "fail" if rng.random() < 0.1 else "pass",
                    "remarks": "定期检验",
                }
            )

        async def create() -> int:
            for body in bodies:
                await self.api.call(
                    "POST",
                    "cylinder-trace",
                    "/api/v1/cylinder-inspections",
                    plan.cylinder_agency.token,
                    json_body=body,
                )
            return len(bodies)

        await gather_with_bar("cylinder inspections", [create], total=len(bodies))
        self.figures.counts["cylinder inspections"] = len(bodies)


EVIDENCE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2213bc50000000049454e44ae426082"
)
"""A 1×1 PNG: the photo a unit attaches as rectification evidence."""


async def load(args: argparse.Namespace) -> Figures:
    settings = PlatformSettings()
    host = reachable_host(settings.http_host)
    urls = {
        "registry": f"http://{host}:{settings.registry_port}",
        "inspection": f"http://{host}:{settings.inspection_port}",
        "elevator-maintenance": f"http://{host}:{settings.elevator_maintenance_port}",
        "cylinder-trace": f"http://{host}:{settings.cylinder_trace_port}",
        "reporting": f"http://{host}:{settings.reporting_port}",
    }
    credential_file = settings.state_dir / "bureau-client.json"
    if not credential_file.exists():
        raise LoadError(f"{credential_file} is missing: start the platform first (make up)")
    credential = json.loads(credential_file.read_text())
    api = Api(urls, args.concurrency)
    try:
        bureau = await api.token(credential["client_id"], credential["client_secret"])
        today = datetime.now(BUSINESS_ZONE).date()
        plan = build_plan(args.seed, args.scale, today)
        loader = Loader(api, plan, bureau, args.swipe_days)
        if await loader.already_loaded():
            loader.figures.notes.append(
                f"the demo data of seed {args.seed} is already loaded (organisation "
                f"{plan.use_units[0].credit_code} exists); nothing was written. "
                "Another --seed loads another set beside it."
            )
            loader.figures.counts.clear()
            return loader.figures
        await loader.organisations()
        await loader.api_clients(
            [*plan.companies, *plan.stations, *plan.agencies, plan.cylinder_agency]
        )
        await loader.licences()
        await loader.certificates()
        await loader.staff()
        await loader.equipment()
        await loader.contracts()
        await loader.settle("registry's records")
        await loader.inspections()
        await loader.bureau_hazards()
        await loader.hazard_states()
        await loader.swipes()
        await loader.rescues()
        await loader.cylinders()
        await loader.fills()
        await loader.cylinder_inspections()
        await loader.scans()
        return loader.figures
    finally:
        await api.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tzsb-demo",
        description="Load demo data modelled on the Lanzhou New Area's 2020 report into the "
        "running platform (make up), through its public APIs.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every count (1: a tenth of the seed's register)",
    )
    parser.add_argument("--seed", type=int, default=2020, help="the same seed yields the same data")
    parser.add_argument(
        "--swipe-days",
        type=int,
        default=365,
        help="days of swipe history (default a year; more than the platform's SWIPE_MAX_AGE_DAYS "
        "falls back to its last 29 days)",
    )
    parser.add_argument("--concurrency", type=int, default=6, help="requests in flight at once")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        figures = asyncio.run(load(args))
    except LoadError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except httpx.TransportError as exc:
        print(f"demo: the platform does not answer ({exc}); is `make up` running?", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print(
            "demo: interrupted; run again with another --seed for a complete set", file=sys.stderr
        )
        raise SystemExit(130) from None
    for name, count in sorted(figures.counts.items()):
        print(f"{name:40} {count:>8}")
    for name, count in sorted(figures.reasons.items()):
        print(f"{name:40} {count:>8}")
    for note in figures.notes:
        print(note)
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
