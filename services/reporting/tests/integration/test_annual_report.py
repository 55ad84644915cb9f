"""The annual report from events through Kafka: its figures equal independent counts over the
read models, its HTML shows them, its PDF turns into page images, and the bureau's plan text
is kept with its audit trail."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import (
    SHANGHAI,
    contract,
    created,
    elevator,
    event,
    fetch_value,
    inspection,
    maintenance_company,
    publish,
    staff_event,
    staff_member,
)
from safety_event_factories import hazard_closed, hazard_found, hazard_order_issued
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.inspection import HazardFound, InspectionDueV1, InspectionResultV1
from tzsb_common.contracts.registry import (
    CertificateCreatedV1,
    CertificateSnapshot,
    LicenceCreatedV1,
    LicenceSnapshot,
)
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, eventually, running_in_ci

YEAR = 2025
URL = f"/api/v1/reports/annual/{YEAR}"
YEAR_END = date(YEAR, 12, 31)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True, "annual_report_region_name": "兰州新区"}


def _equipment(park: str | None, category: str, variety: str, **overrides: Any) -> Any:
    code = f"{variety}{uuid.uuid4().int % 10**14:014d}"
    snapshot = elevator(
        park or "中川园区", equipment_code=code, category=category, variety=variety, **overrides
    )
    return snapshot.model_copy(update={"park": park})


def _inspection_with_hazards(
    code: str, on: date, conclusion: str, next_due: date | None, hazards: int, kind: str
) -> tuple[EventPayload, CloudEvent]:
    payload, _ = inspection(code, on, conclusion, next_due)
    assert isinstance(payload, InspectionResultV1)
    found = [
        HazardFound(
            hazard_id=uuid.uuid4(),
            description="安全阀未按期校验",
            severity="general",
            deadline=on + timedelta(days=30),
        )
        for _ in range(hazards)
    ]
    return event(payload.model_copy(update={"hazards": found, "kind": kind}), code)


def _certificate(item: str, valid_from: date, valid_to: date) -> tuple[EventPayload, CloudEvent]:
    snapshot = CertificateSnapshot(
        number=f"TS{uuid.uuid4().int % 10**10:010d}",
        holder_name="张三",
        item=item,
        employer_id=uuid.uuid4(),
        valid_from=valid_from,
        valid_to=valid_to,
        version=1,
    )
    return event(CertificateCreatedV1(certificate=snapshot), snapshot.number)


def _licence(kind: str, valid_from: date, status: str) -> tuple[EventPayload, CloudEvent]:
    snapshot = LicenceSnapshot(
        licence_id=uuid.uuid4(),
        organisation_id=uuid.uuid4(),
        number=f"TS{uuid.uuid4().int % 10**8}",
        kind=kind,
        scope=["3000"],
        valid_from=valid_from,
        valid_to=valid_from + timedelta(days=4 * 365),
        status=status,
        status_reason=None,
        status_changed_on=None,
        version=1,
    )
    return event(LicenceCreatedV1(licence=snapshot), str(snapshot.licence_id))


def _due(code: str, stage: str, as_of: date, unit: uuid.UUID) -> tuple[EventPayload, CloudEvent]:
    payload = InspectionDueV1(
        equipment_code=code,
        stage=stage,  # type: ignore[arg-type]
        due_on=as_of + timedelta(days=60),
        due_kind="periodic",
        as_of=as_of,
        use_unit_id=unit,
        category="3000",
        variety="3110",
        park="中川园区",
    )
    return event(payload, code)


def _at(published: tuple[EventPayload, CloudEvent], when: datetime) -> Any:
    """The event as published at `when`: the hazard read model dates a hazard by its event."""
    payload, cloud_event = published
    return payload, cloud_event.model_copy(update={"time": when})


def _hazards(lift: str, vessel: str, boiler: str) -> list[Any]:
    """H1 found and closed in time in 2025; H2 found in 2025, its order's deadline passed
    unmet; H3 found in December 2024, due and closed in time in January 2025."""
    h1, h2, h3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    return [
        _at(hazard_found(h1, lift, deadline=date(2025, 4, 1)), datetime(2025, 3, 1, 2, tzinfo=UTC)),
        hazard_closed(h1, lift, datetime(2025, 3, 20, 2, tzinfo=UTC)),
        _at(
            hazard_found(h2, vessel, deadline=date(2025, 6, 5)), datetime(2025, 5, 5, 2, tzinfo=UTC)
        ),
        hazard_order_issued(h2, vessel, date(2025, 7, 1)),
        _at(
            hazard_found(h3, boiler, deadline=date(2025, 1, 10)),
            datetime(2024, 12, 1, 2, tzinfo=UTC),
        ),
        hazard_closed(h3, boiler, datetime(2025, 1, 8, 2, tzinfo=UTC)),
    ]


def _staff() -> list[tuple[EventPayload, CloudEvent]]:
    """Table 1: the area's bureau (1 A on duty, 1 B off duty), 中川园区's (two B, one of them
    later off duty; and one entered half an hour into 2026 in Shanghai, which the year leaves
    out), and a member entered without a body."""
    area, zhongchuan = "兰州新区市场监督管理局", "中川园区市场监督管理局"
    moved_off = staff_member(zhongchuan, park="中川园区")
    return [
        staff_event(staff_member(area, level="A")),
        staff_event(staff_member(area, active=False)),
        staff_event(moved_off),
        staff_event(moved_off, active=False),
        staff_event(
            staff_member(
                zhongchuan,
                park="中川园区",
                entered_at=datetime(YEAR, 12, 31, 23, 30, tzinfo=SHANGHAI),
            )
        ),
        staff_event(
            staff_member(
                zhongchuan,
                park="中川园区",
                entered_at=datetime(YEAR + 1, 1, 1, 0, 30, tzinfo=SHANGHAI),
            )
        ),
        staff_event(staff_member(None, level=None)),
    ]


async def _seed(producer: AIOKafkaProducer, settings: ServiceSettings) -> dict[str, Any]:
    lifts = [
        elevator("中川园区", registered_on=date(2023, 5, 1)),
        elevator("中川园区", registered_on=date(2024, 3, 1)),
        elevator("中川园区", registered_on=date(2025, 4, 1)),
        elevator("秦川园区", registered_on=date(2025, 8, 1)),
    ]
    others = [
        _equipment("中川园区", "1000", "1100", registered_on=date(2025, 2, 1)),
        # Scrapped in mid-2025: on the register at the end of 2024, off it at the end of 2025.
        _equipment(
            "中川园区",
            "4000",
            "4100",
            registered_on=date(2024, 6, 1),
            status="scrapped",
            status_since=date(2025, 6, 30),
        ),
        _equipment("秦川园区", "2000", "2100", registered_on=date(2022, 1, 10)),
        _equipment("秦川园区", "2000", "2100", registered_on=date(2025, 9, 9)),
        _equipment(None, "5000", "5100", registered_on=None, commissioned_on=None),
        _equipment("西岔园区", "2000", "2310", registered_on=date(2025, 1, 1)),  # a cylinder
    ]
    company, company_event = maintenance_company("甘肃永日电梯设备有限公司")
    unit = uuid.uuid4()
    boiler, _, vessel = others[0], others[1], others[2]
    events = [
        company_event,
        *(created(item) for item in [*lifts, *others]),
        contract(company, [lift.equipment_code for lift in lifts]),
        _inspection_with_hazards(
            lifts[1].equipment_code, date(2024, 5, 20), "pass", date(2025, 6, 1), 0, "periodic"
        ),
        _inspection_with_hazards(
            lifts[0].equipment_code, date(2025, 3, 1), "pass", date(2026, 3, 1), 2, "periodic"
        ),
        _inspection_with_hazards(
            boiler.equipment_code, date(2025, 2, 10), "pass", date(2026, 2, 10), 0, "periodic"
        ),
        _inspection_with_hazards(
            vessel.equipment_code, date(2025, 5, 5), "fail", None, 1, "periodic"
        ),
        _inspection_with_hazards(
            lifts[2].equipment_code, date(2025, 7, 1), "pass", date(2026, 7, 1), 5, "self_test"
        ),
        _certificate("T", date(2024, 1, 1), date(2028, 12, 31)),
        _certificate("T", date(2025, 6, 1), date(2029, 5, 31)),
        _certificate("A", date(2020, 1, 1), date(2024, 12, 31)),
        _certificate("Q2", date(2025, 3, 3), date(2029, 3, 2)),
        _licence("maintenance", date(2025, 3, 1), "active"),
        _licence("filling", date(2023, 1, 1), "active"),
        _licence("filling", date(2023, 1, 1), "revoked"),
        _due(lifts[0].equipment_code, "reminder", date(2025, 1, 1), unit),
        _due(lifts[1].equipment_code, "reminder", date(2025, 4, 1), unit),
        _due(lifts[1].equipment_code, "warning", date(2025, 5, 1), unit),
        _due(lifts[1].equipment_code, "overdue", date(2025, 6, 2), unit),
        _due(lifts[2].equipment_code, "reminder", date(2024, 11, 1), unit),
        *_hazards(lifts[0].equipment_code, vessel.equipment_code, boiler.equipment_code),
        *_staff(),
    ]
    await publish(producer, settings, *events)
    return {"events": len(events)}


async def _read_models_filled(app: FastAPI) -> tuple[int, ...]:
    return tuple(
        [
            await fetch_value(app, "SELECT count(*) FROM equipment"),
            await fetch_value(app, "SELECT count(*) FROM inspections"),
            await fetch_value(app, "SELECT count(*) FROM certificates"),
            await fetch_value(app, "SELECT count(*) FROM licences"),
            await fetch_value(app, "SELECT count(*) FROM due_stages"),
            await fetch_value(app, "SELECT count(*) FROM contract_elevators"),
            await fetch_value(app, "SELECT count(*) FROM organisations"),
            await fetch_value(app, "SELECT count(*) FROM hazards WHERE state = 'closed'"),
            await fetch_value(app, "SELECT count(*) FROM hazards WHERE order_deadline IS NOT NULL"),
            await fetch_value(app, "SELECT count(*) FROM staff WHERE version = 2"),
            await fetch_value(app, "SELECT count(*) FROM staff"),
        ]
    )


def _half_up(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


async def _independent_figures(app: FastAPI) -> dict[str, Any]:
    """The report's figures counted another way: rows fetched and judged in Python."""
    async with app.state.database.connection() as conn:
        equipment = await conn.fetch(
            "SELECT equipment_code, category, variety, park, status, status_since, "
            "registered_on, commissioned_on FROM equipment"
        )
        inspections = await conn.fetch(
            "SELECT equipment_code, kind, inspected_on, conclusion, next_due_on, hazards_found, "
            "recorded_at FROM inspections"
        )
        valid_certificates = await conn.fetchval(
            "SELECT count(*) FROM certificates "
            "WHERE daterange(valid_from, valid_to, '[]') @> $1::date",
            YEAR_END,
        )
        hazard_rows = await conn.fetch(
            "SELECT found_at, deadline, order_deadline, rectified_within_deadline FROM hazards"
        )
        staff = await conn.fetch(
            "SELECT supervision_body, certificate_level, active, entered_at FROM staff"
        )
        due = {
            row["stage"]: row["n"]
            for row in await conn.fetch(
                "SELECT stage, count(*) AS n FROM due_stages "
                "WHERE date_part('year', as_of) = $1 GROUP BY stage",
                YEAR,
            )
        }

    def on_register(row: Any, day: date) -> bool:
        first = row["registered_on"] or row["commissioned_on"]
        gone = row["status"] in ("scrapped", "deregistered") and (row["status_since"] or day) <= day
        return (first is None or first <= day) and not gone

    def in_service(row: Any, day: date) -> bool:
        if not on_register(row, day):
            return False
        since = row["status_since"]
        if row["status"] == "in_use":
            return since is None or since <= day
        return since is not None and since > day

    def counted(day: date) -> int:
        return sum(
            1 for r in equipment if not r["variety"].startswith("23") and on_register(r, day)
        )

    this_year = [
        i for i in inspections if i["inspected_on"].year == YEAR and i["kind"] != "self_test"
    ]

    def covered_on(r: Any, day: date) -> bool:
        before = [
            i
            for i in inspections
            if i["equipment_code"] == r["equipment_code"] and i["inspected_on"] <= day
        ]
        latest = max(before, key=lambda i: (i["inspected_on"], i["recorded_at"]), default=None)
        return (
            latest is not None
            and latest["conclusion"] in ("pass", "pass_after_reinspection")
            and latest["next_due_on"] >= day
        )

    def average_rate(category: str | None) -> float | None:
        month_rates = []
        for month in range(1, 13):
            day = (date(YEAR, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            serving = [
                r
                for r in equipment
                if not r["variety"].startswith("23")
                and in_service(r, day)
                and category in (None, r["category"])
            ]
            if serving:
                covered = sum(1 for r in serving if covered_on(r, day))
                month_rates.append(Decimal(covered * 100) / Decimal(len(serving)))
        if not month_rates:
            return None
        return _half_up(sum(month_rates, Decimal(0)) / len(month_rates))

    found = [h for h in hazard_rows if h["found_at"].astimezone(SHANGHAI).year == YEAR]
    due_hazards = [h for h in hazard_rows if (h["order_deadline"] or h["deadline"]).year == YEAR]
    in_time = [h for h in due_hazards if h["rectified_within_deadline"]]
    table1: dict[str, list[int]] = {}
    for member in staff:
        if member["entered_at"].astimezone(SHANGHAI).date() > YEAR_END:
            continue
        line = table1.setdefault(member["supervision_body"] or "未注明监察机构", [0, 0, 0, 0])
        line[0] += 1
        line[1] += member["certificate_level"] == "A"
        line[2] += member["certificate_level"] == "B"
        line[3] += member["active"]
    return {
        "on_register": counted(YEAR_END),
        "on_register_last_year": counted(date(YEAR - 1, 12, 31)),
        "cylinders": sum(
            1 for r in equipment if r["variety"].startswith("23") and on_register(r, YEAR_END)
        ),
        "inspections": len(this_year),
        "hazards": len(found),
        "hazard_rate": _half_up(Decimal(len(found) * 100) / Decimal(len(this_year))),
        "hazards_due": len(due_hazards),
        "rectification_rate": _half_up(Decimal(len(in_time) * 100) / Decimal(len(due_hazards))),
        "average_rate": average_rate(None),
        "category_rates": {c: average_rate(c) for c in ("1000", "2000", "3000", "4000", "5000")},
        "valid_certificates": valid_certificates,
        "due": due,
        "table1": table1,
    }


def _page_images(pdf: bytes, folder: Path) -> list[Path]:
    """Each page of the PDF as a PNG, by poppler's pdftoppm, which must not complain."""
    document = folder / "report.pdf"
    document.write_bytes(pdf)
    done = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(document), str(folder / "page")],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    return sorted(folder.glob("page-*.png"))


async def test_the_annual_report_shows_the_read_models_figures_as_html_and_pdf(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    tokens: TokenFactory,
    producer: AIOKafkaProducer,
    tmp_path: Path,
) -> None:
    await _seed(producer, settings)
    await eventually(
        lambda: _read_models_filled(app),
        until=lambda c: c == (10, 5, 4, 3, 5, 4, 1, 2, 1, 1, 6),
    )
    expected = await _independent_figures(app)

    answer = await client.get(URL, params={"format": "json"}, headers=tokens.bureau())
    assert answer.status_code == 200, answer.text
    report = answer.json()

    equipment = report["equipment"]
    assert equipment["on_register"] == expected["on_register"] == 8
    growth = Decimal(100 * (8 - expected["on_register_last_year"])) / Decimal(
        expected["on_register_last_year"]
    )
    assert expected["on_register_last_year"] == 5
    assert equipment["growth_rate"] == _half_up(growth) == 60.0
    assert equipment["cylinders"] == expected["cylinders"] == 1
    categories = {c["category"]: c["on_register"] for c in equipment["by_category"]}
    assert categories == {"1000": 1, "2000": 2, "3000": 4, "5000": 1}
    parks = {p["park"]: p["on_register"] for p in equipment["by_park"]}
    assert parks == {"中川园区": 4, "秦川园区": 3, "未划定园区": 1}
    assert [t["count"] for t in equipment["trend"]] == [3, 5, 8]
    assert [t["count"] for t in equipment["elevator_trend"]] == [1, 2, 4]

    inspections = report["inspections"]
    assert inspections["inspections"] == expected["inspections"] == 3
    assert {c["category"]: c["inspections"] for c in inspections["by_category"]} == {
        "1000": 1,
        "2000": 1,
        "3000": 1,
        "4000": 0,  # the crane, in service until scrapped in June
        "5000": 0,
    }
    assert inspections["average_rate"] == expected["average_rate"]
    rates = {c["category"]: c["average_rate"] for c in inspections["by_category"]}
    assert rates == expected["category_rates"]
    assert rates["5000"] == 0.0  # never inspected

    hazards = report["hazards"]
    assert hazards["hazards"] == expected["hazards"] == 2
    assert hazards["rate"] == expected["hazard_rate"] == 66.67
    assert hazards["due"] == expected["hazards_due"] == 3
    assert hazards["rectification_rate"] == expected["rectification_rate"] == 66.67
    assert {
        p["park"]: (p["hazards"], p["due"], p["rectified_in_time"]) for p in hazards["by_park"]
    } == {
        "中川园区": (1, 2, 2),
        "秦川园区": (1, 1, 0),
    }

    assert report["certificates"]["valid"] == expected["valid_certificates"] == 3
    assert report["certificates"]["issued"] == 2
    assert {r["kind"]: (r["units"], r["issued"]) for r in report["licences"]} == {
        "maintenance": (1, 1),
        "filling": (1, 0),
    }
    assert (
        {d["stage"]: d["stages"] for d in report["due_workflow"]}
        == expected["due"]
        == {
            "reminder": 2,
            "warning": 1,
            "overdue": 1,
        }
    )
    staff = report["staff"]
    rows = {
        r["supervision_body"]: [
            r["staff"],
            r["certificate_level_a"],
            r["certificate_level_b"],
            r["active"],
        ]
        for r in staff["rows"]
    }
    assert rows == expected["table1"]
    assert list(rows) == ["兰州新区市场监督管理局", "中川园区市场监督管理局", "未注明监察机构"]
    assert rows["中川园区市场监督管理局"] == [2, 0, 2, 1]  # the 2026 entry left out
    total = staff["total"]
    assert total == {
        "supervision_body": "合计",
        "staff": 5,
        "certificate_level_a": 1,
        "certificate_level_b": 3,
        "active": 3,
    }
    assert [total["staff"], total["active"]] == [
        sum(line[0] for line in expected["table1"].values()),
        sum(line[3] for line in expected["table1"].values()),
    ]
    assert (staff["bodies"], staff["certified"], staff["note"]) == (2, 4, None)
    assert report["plan"] is None

    # Table 3 and Table 4 are the indicators' and the ranking's own answers for the year.
    period = {"period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-12-31"}
    table3 = await client.get(
        "/api/v1/indicators/elevators", params=period, headers=tokens.bureau()
    )
    assert report["elevators"]["indicators"] == table3.json()
    assert report["elevators"]["indicators"]["elevators_in_use"] == 4
    table4 = await client.get(
        "/api/v1/rankings/maintenance-companies", params=period, headers=tokens.bureau()
    )
    assert report["elevators"]["top_companies"] == table4.json()["rows"]
    assert report["elevators"]["maintenance_companies"] == 1

    html = await client.get(URL, headers=tokens.bureau())
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    assert "兰州新区特种设备安全状况分析报告" in page
    assert re.search(r'data-figure="equipment.on_register">8<', page)
    assert re.search(r'data-figure="inspections.inspections">3<', page)
    assert re.search(r'data-figure="due.reminder">2<', page)
    assert re.search(r'data-figure="hazards.rectification_rate">66.67%<', page)
    assert re.search(r'data-figure="staff.bodies">2<', page)
    assert re.search(r'data-figure="staff.certified">4<', page)
    assert re.search(r'data-figure="staff.active">3<', page)
    assert re.search(r'data-figure="staff.total">5<', page)
    assert "表 1 特种设备安全监察机构情况" in page
    assert "中川园区市场监督管理局" in page
    assert "表 3" in page
    assert "表 4" in page
    assert "甘肃永日电梯设备有限公司" in page
    assert page.count("data:image/png;base64,") == 8
    assert "（本节由监管局填写。）" in page

    pdf = await client.get(URL, params={"format": "pdf"}, headers=tokens.bureau())
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        reason = "pdftoppm (Debian poppler-utils) is not installed; `make report-tools`"
        if running_in_ci():
            pytest.fail(reason)  # CI installs it through make test
        pytest.skip(reason)
    pages = await asyncio.to_thread(_page_images, pdf.content, tmp_path)
    assert len(pages) >= 3


async def test_the_bureau_writes_the_plan_with_an_audit_trail(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    plan_url = f"{URL}/plan"
    first = await client.put(
        plan_url,
        json={"plan_text": "一、构建特种设备安全工作联席会议制度。"},
        headers=tokens.bureau(),
    )
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"v1"'
    stale = await client.put(
        plan_url,
        json={"plan_text": "二、探索建立电梯维保单位星级评定制度。"},
        headers={**tokens.bureau(), "If-Match": '"v7"'},
    )
    assert stale.status_code == 412
    second = await client.put(
        plan_url,
        json={"plan_text": "二、探索建立电梯维保单位星级评定制度。"},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    assert second.json()["version"] == 2
    revisions = await fetch_value(
        app,
        "SELECT array_agg(plan_text ORDER BY version) FROM annual_report_plan_revisions "
        "WHERE year = $1 AND revised_by_client = $2",
        YEAR,
        second.json()["updated_by_client"],
    )
    assert revisions == [
        "一、构建特种设备安全工作联席会议制度。",
        "二、探索建立电梯维保单位星级评定制度。",
    ]

    current = await client.get(plan_url, headers=tokens.bureau())
    assert current.headers["ETag"] == '"v2"'
    assert current.json()["plan_text"] == "二、探索建立电梯维保单位星级评定制度。"
    missing = await client.get(f"/api/v1/reports/annual/{YEAR - 1}/plan", headers=tokens.bureau())
    assert missing.status_code == 404

    page = await client.get(URL, headers=tokens.bureau())
    assert "二、探索建立电梯维保单位星级评定制度。" in page.text
    assert f"{YEAR + 1} 年特种设备安全工作计划" in page.text

    use_unit = await client.put(
        plan_url, json={"plan_text": "改写"}, headers=tokens.headers(CallerKind.use_unit)
    )
    assert use_unit.status_code == 403
    empty = await client.put(plan_url, json={"plan_text": ""}, headers=tokens.bureau())
    assert empty.status_code == 422
    assert [e["location"] for e in empty.json()["errors"]] == [["body", "plan_text"]]
    bad_year = await client.get("/api/v1/reports/annual/19", headers=tokens.bureau())
    assert bad_year.status_code == 422
    assert [e["location"] for e in bad_year.json()["errors"]] == [["path", "year"]]
    unauthenticated = await client.get(URL)
    assert unauthenticated.status_code == 401
