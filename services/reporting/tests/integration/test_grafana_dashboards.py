"""Every Grafana dashboard works against what really exists: each SQL panel runs, as the
read-only `grafana_reader`, against a reporting database filled through the bus and returns
rows; each PromQL expression passes `promtool` and names only metrics a service exports.

Grafana does not run here, so its macros are expanded by this test, the way Grafana's
PostgreSQL data source does, over the dashboard's own default time range resolved at the
moment of the test (`now/M` is the start of the month in the dashboard's time zone, `now-30d`
thirty days back): `$__timeFilter(c)` becomes `c BETWEEN '<from>' AND '<to>'`, `$__timeFrom()`
and `$__timeTo()` the quoted instants (RFC 3339, UTC). In PromQL, `$__rate_interval` and
`$__interval` become `1m`. Any other `$` in a query fails the test: a macro this test does not
know would reach Grafana untested.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import yaml
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from reporting_factories import (
    SHANGHAI,
    created,
    elevator,
    event,
    fetch_value,
    fill_day,
    inspection,
    maintenance_company,
    publish,
    swipe_day,
    visit,
)
from safety_event_factories import (
    Published,
    anomaly,
    hazard_closed,
    hazard_found,
    hazard_order_issued,
    hazard_rectified,
    rescue,
)
from tzsb_common.contracts.inspection import InspectionDueV1
from tzsb_common.contracts.registry import (
    ContractCreatedV1,
    ContractSnapshot,
    OrganisationCreatedV1,
    OrganisationSnapshot,
)
from tzsb_common.settings import REPO_ROOT, ServiceSettings
from tzsb_common.testing import eventually

DASHBOARDS = REPO_ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCES = REPO_ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "datasources.yml"
READER = "grafana_reader"
PROMQL_INTERVALS = {"$__rate_interval": "1m", "$__interval": "1m"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _dashboards() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))]


def _panels(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in container.get("panels", []):
        yield panel
        yield from _panels(panel)  # a row's collapsed panels


def _queries(datasource_type: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(dashboard title / panel title, dashboard, target) of every query of one source type."""
    found = []
    for dashboard in _dashboards():
        for panel in _panels(dashboard):
            for target in panel.get("targets", []):
                source = target.get("datasource") or panel.get("datasource") or {}
                if source.get("type") == datasource_type:
                    found.append((f"{dashboard['title']} / {panel['title']}", dashboard, target))
    return found


SQL_QUERIES = _queries("grafana-postgresql-datasource")
PROMQL_QUERIES = _queries("prometheus")

# -- Grafana's time range and macros ----------------------------------------------------------

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _round_down(moment: datetime, unit: str) -> datetime:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return midnight
    if unit == "M":
        return midnight.replace(day=1)
    if unit == "y":
        return midnight.replace(month=1, day=1)
    raise ValueError(f"rounding to {unit} is not known to this test")


def _round_up(moment: datetime, unit: str) -> datetime:
    start = _round_down(moment, unit)
    if unit == "d":
        following = start + timedelta(days=1)
    elif unit == "M":
        following = (start + timedelta(days=32)).replace(day=1)
    else:
        following = start.replace(year=start.year + 1)
    return following - timedelta(microseconds=1000)


def resolve_time(expression: str, zone: ZoneInfo, now: datetime, *, end: bool) -> datetime:
    """Grafana's relative time: `now`, `now-<n><unit>`, `now/<unit>` (start of the unit for
    the range's start, end of it for the range's end), in the dashboard's time zone."""
    local = now.astimezone(zone)
    if expression == "now":
        return local
    if match := re.fullmatch(r"now-(\d+)([smhdw])", expression):
        return local - timedelta(**{_UNITS[match[2]]: int(match[1])})
    if match := re.fullmatch(r"now/([dMy])", expression):
        return _round_up(local, match[1]) if end else _round_down(local, match[1])
    raise ValueError(f"time {expression!r} is not known to this test")


def time_range(dashboard: dict[str, Any], now: datetime) -> tuple[str, str]:
    zone = ZoneInfo(dashboard.get("timezone") or "UTC")
    start = resolve_time(dashboard["time"]["from"], zone, now, end=False)
    end = resolve_time(dashboard["time"]["to"], zone, now, end=True)
    return (
        start.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        end.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )


def expand_sql(sql: str, start: str, end: str) -> str:
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)", rf"\1 BETWEEN '{start}' AND '{end}'", sql)
    sql = sql.replace("$__timeFrom()", f"'{start}'").replace("$__timeTo()", f"'{end}'")
    assert "$" not in sql, f"a Grafana macro this test does not expand: {sql}"
    return sql


def expand_promql(expr: str) -> str:
    for macro, value in PROMQL_INTERVALS.items():
        expr = expr.replace(macro, value)
    assert "$" not in expr, f"a Grafana variable this test does not expand: {expr}"
    return expr


# -- the dashboards' shape ----------------------------------------------------------------------


def test_dashboards_use_the_provisioned_data_sources_and_chinese_titles() -> None:
    provisioned = {source["uid"]: source["type"] for source in
                   yaml.safe_load(DATASOURCES.read_text())["datasources"]}  # fmt: skip
    dashboards = _dashboards()
    assert len(dashboards) >= 4
    assert len({d["uid"] for d in dashboards}) == len(dashboards)
    for dashboard in dashboards:
        assert _CJK.search(dashboard["title"]), dashboard["title"]
        for panel in _panels(dashboard):
            assert _CJK.search(panel["title"]), f"{dashboard['title']}: {panel['title']}"
            for target in panel.get("targets", []):
                source = target.get("datasource") or panel["datasource"]
                assert provisioned.get(source["uid"]) == source["type"], panel["title"]
    assert len(SQL_QUERIES) >= 20
    assert len(PROMQL_QUERIES) >= 10


def test_grafana_macros_expand_over_the_dashboards_own_range() -> None:
    now = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 26 November, 06:00 in Shanghai
    board = {"timezone": "Asia/Shanghai", "time": {"from": "now/M", "to": "now/M"}}
    assert time_range(board, now) == ("2026-10-31T16:00:00.000Z", "2026-11-30T15:59:59.999Z")
    board["time"] = {"from": "now-30d", "to": "now"}
    assert time_range(board, now) == ("2026-10-26T22:00:00.000Z", "2026-11-25T22:00:00.000Z")
    assert expand_sql("WHERE $__timeFilter(t) AND $__timeFrom() < $__timeTo()", "a", "b") == (
        "WHERE t BETWEEN 'a' AND 'b' AND 'a' < 'b'"
    )


# -- every SQL panel against a filled reporting database -----------------------------------------


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


def _organisation(name: str, kind: str) -> tuple[uuid.UUID, Published]:
    snapshot = OrganisationSnapshot(
        organisation_id=uuid.uuid4(),
        credit_code=None,
        name=name,
        kind=kind,
        region={"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        address=None,
        version=1,
    )
    return snapshot.organisation_id, event(
        OrganisationCreatedV1(organisation=snapshot), str(snapshot.organisation_id)
    )


def _contract(company: uuid.UUID, codes: list[str], today: date) -> Published:
    snapshot = ContractSnapshot(
        contract_id=uuid.uuid4(),
        maintenance_company_id=company,
        equipment_codes=codes,
        valid_from=today - timedelta(days=400),
        valid_to=today + timedelta(days=300),
        maintenance_interval_days=None,
        status="active",
        terminated_on=None,
        termination_reason=None,
        in_force_until=today + timedelta(days=300),
        version=1,
    )
    return event(ContractCreatedV1(contract=snapshot), str(snapshot.contract_id))


def _due(code: str, stage: str, due_on: date, today: date, park: str) -> Published:
    payload = InspectionDueV1(
        equipment_code=code,
        stage=stage,  # type: ignore[arg-type]
        due_on=due_on,
        due_kind="periodic",
        as_of=today,
        use_unit_id=uuid.uuid4(),
        category="3000",
        variety="3110",
        park=park,
    )
    return event(payload, code)


def _seed(today: date, now: datetime) -> list[Published]:
    """A small bureau: two parks of elevators and a boiler, one maintenance company and one
    filling station, and something of every kind the dashboards count."""
    company, company_created = maintenance_company("兰州新区安达电梯维保有限公司")
    station, station_created = _organisation("兰州新区中川燃气充装站", "filling_station")
    lift_a = elevator("中川园区", commissioned_on=date(2020, 1, 15))
    lift_b = elevator("秦川园区", commissioned_on=date(2020, 1, 15))
    boiler = elevator(
        "西岔园区", equipment_code=f"1100{uuid.uuid4().int % 10**14:014d}",
        category="1000", variety="1100", commissioned_on=date(2021, 3, 1),
    )  # fmt: skip
    a, b = lift_a.equipment_code, lift_b.equipment_code
    passed, closed, ordered = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Within today, so within every default range (now/M, now/y) even just after midnight.
    recently = max(now - timedelta(hours=1), datetime.combine(today, time(0), SHANGHAI))
    return [
        company_created,
        station_created,
        created(lift_a),
        created(lift_b),
        created(boiler),
        _contract(company, [a, b], today),
        # Past due (its next inspection was due yesterday); failed and still in use; the
        # boiler never inspected: three of the patrol's four questions.
        inspection(a, today - timedelta(days=366), "pass", today - timedelta(days=1)),
        inspection(b, today - timedelta(days=10), "fail", None),
        _due(a, "overdue", today - timedelta(days=1), today, "中川园区"),
        _due(b, "reminder", today + timedelta(days=30), today, "秦川园区"),
        visit(a, company, today),
        visit(b, company, today),
        hazard_found(passed, a),
        hazard_found(ordered, b, severity="major"),
        hazard_order_issued(ordered, b, today + timedelta(days=15)),
        hazard_found(closed, a),
        hazard_rectified(closed, a, now - timedelta(hours=3)),
        hazard_closed(closed, a, now - timedelta(hours=2)),
        anomaly(a, company, recently),
        *rescue(uuid.uuid4(), b, company, recently),
        fill_day(
            station,
            recently.astimezone(SHANGHAI).date(),
            {"LPG": 1},
            {"LPG": 1},
            {"inspection_overdue": 1, "overfilled": 1},
        ),
        swipe_day(company, today, 4, {"outside_geofence": 2, "no_valid_contract": 1}),
    ]


_FILLED = """
SELECT concat_ws(',', (SELECT count(*) FROM equipment), (SELECT count(*) FROM contract_elevators),
       (SELECT count(*) FROM inspections), (SELECT count(*) FROM due_stages),
       (SELECT count(*) FROM visits), (SELECT count(*) FROM hazards WHERE source IS NOT NULL
                                       AND state IN ('open', 'order_issued', 'closed')),
       (SELECT count(*) FROM maintenance_anomalies),
       (SELECT count(*) FROM rescue_incidents WHERE state = 'released' AND source IS NOT NULL),
       (SELECT coalesce(sum(accepted + refused), 0) FROM fill_days),
       (SELECT coalesce(sum(accepted + rejected), 0) FROM swipe_days),
       (SELECT count(*) FROM organisations))
"""


async def test_every_sql_panel_returns_rows_for_the_read_only_reader(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    await publish(producer, settings, *_seed(today, now))
    filled = await eventually(
        lambda: fetch_value(app, _FILLED), until=lambda v: v == "3,2,2,2,2,3,1,1,2,7,2"
    )
    assert filled == "3,2,2,2,2,3,1,1,2,7,2"

    empty = []
    async with app.state.database.connection() as conn:
        for title, dashboard, target in SQL_QUERIES:
            sql = expand_sql(target["rawSql"], *time_range(dashboard, now))
            rows = await _as_reader(conn, sql)
            if not rows:
                empty.append(title)
    assert empty == [], f"panels without rows: {empty}"


async def _as_reader(conn: asyncpg.Connection, sql: str, *, readonly: bool = True) -> Any:
    async with conn.transaction(readonly=readonly):
        await conn.execute(f"SET LOCAL ROLE {READER}")
        return await conn.fetch(sql)


async def test_the_reader_sees_the_grafana_schema_and_no_table(app: FastAPI) -> None:
    async with app.state.database.connection() as conn:
        for relation in ("public.equipment", "public.hazards", "public.outbox", "public.inbox"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await _as_reader(conn, f"SELECT 1 FROM {relation} LIMIT 1")  # noqa: S608
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await _as_reader(conn, "CREATE TEMP TABLE scratch (n int)")
        assert await _as_reader(conn, "SELECT count(*) AS n FROM grafana.hazards") == [(0,)]


async def test_the_reader_sees_table_1_per_supervision_body_but_not_the_staff(
    app: FastAPI,
) -> None:
    async with app.state.database.connection() as conn:
        await conn.execute(
            "INSERT INTO staff (staff_id, province, city, district, park, supervision_body, "
            "certificate_level, active, entered_at, version) "
            "SELECT gen_random_uuid(), '甘肃省', '兰州市', '兰州新区', '中川园区', "
            "'中川园区市场监督管理局', level, active, now(), 1 "
            "FROM unnest(ARRAY['A', 'B', NULL], ARRAY[true, false, true]) AS m(level, active)"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await _as_reader(conn, "SELECT 1 FROM public.staff LIMIT 1")
        rows = await _as_reader(conn, "SELECT * FROM grafana.staff_by_body")
    assert [tuple(row.values()) for row in rows] == [("中川园区市场监督管理局", 3, 1, 1, 2)]


# -- every PromQL expression -------------------------------------------------------------------


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing; `make test` installs Debian's prometheus package")
        pytest.skip("promtool not installed (apt-get install prometheus, or `make test`)")
    return found


def test_every_promql_expression_passes_promtool(tmp_path: Path) -> None:
    """promtool has no command that checks a bare expression, so each becomes a recording
    rule and the rule file is checked: promtool parses every `expr` with Prometheus's own
    parser."""
    promtool = _promtool()
    rules = {
        "groups": [
            {
                "name": "grafana_dashboards",
                "rules": [
                    {"record": f"tzsb:dashboard_query_{n}", "expr": expand_promql(t["expr"])}
                    for n, (_, _, t) in enumerate(PROMQL_QUERIES)
                ],
            }
        ]
    }
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(PROMQL_QUERIES)} rules found" in result.stdout

    broken = path.with_name("broken.rules.yml")
    unbalanced = {"record": "tzsb:broken", "expr": "sum by (service (tzsb_outbox_backlog{})"}
    broken.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [unbalanced]}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(broken)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0, "promtool accepted a broken expression"


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
# Every selector in the dashboards is written with braces, `name{…}`, so a metric name is
# the identifier before a brace; and every tzsb_ identifier must be one of them.
_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")
_TZSB_NAME = re.compile(r"\btzsb_[a-z0-9_]+\b")


def metric_names(expr: str) -> set[str]:
    names = set(_SELECTOR.findall(expr))
    assert set(_TZSB_NAME.findall(expr)) <= names, f"write every selector with braces: {expr}"
    return names


async def test_every_metric_a_dashboard_queries_is_in_a_real_scrape(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/healthz")  # one request, so the request histogram has samples too
    scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    exported = set()
    for family in text_string_to_metric_families(scrape.text):
        exported |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))}
        exported |= {sample.name for sample in family.samples}
    queried = set().union(*(metric_names(t["expr"]) for _, _, t in PROMQL_QUERIES))
    assert queried, "no metric found in the dashboards"
    assert queried - exported == set(), f"not exported by any service: {queried - exported}"
    assert "tzsb_http_request_duration_seconds_bucket" in {
        sample.name
        for family in text_string_to_metric_families(scrape.text)
        for sample in family.samples
    }
