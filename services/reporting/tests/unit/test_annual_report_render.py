"""The report's page for a year with no data: every section present, the plan escaped, the
figures drawn."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from reporting.annual_report import charts, render, rules
from reporting.annual_report.schemas import (
    AnnualReport,
    ElevatorSection,
    PlanRead,
)
from reporting.indicators.schemas import (
    DefinitionVersions,
    ElevatorIndicatorRanking,
    ElevatorIndicators,
    IndicatorGrouping,
    IndicatorRates,
    Region,
)


def _empty_report(plan_text: str) -> AnnualReport:
    first, last = date(2030, 1, 1), date(2030, 12, 31)
    no_rates = IndicatorRates(**dict.fromkeys(IndicatorRates.model_fields))
    versions = DefinitionVersions(**dict.fromkeys(DefinitionVersions.model_fields, 1))
    return AnnualReport(
        year=2030,
        period_start=first,
        period_end=last,
        generated_at=datetime(2031, 1, 5, tzinfo=UTC),
        equipment=rules.equipment_section([], 2030),
        staff=rules.staff_section([], 2030),
        licences=rules.licence_rows([]),
        elevators=ElevatorSection(
            on_register=0,
            indicators=ElevatorIndicators(
                region=Region(),
                period_start=first,
                period_end=last,
                elevators_in_use=0,
                rates=no_rates,
                composite=None,
                definition_versions=versions,
            ),
            by_park=ElevatorIndicatorRanking(
                region=Region(),
                period_start=first,
                period_end=last,
                group_by=IndicatorGrouping.park,
                rows=[],
                definition_versions=versions,
            ),
            maintenance_companies=0,
            top_companies=[],
            rescue=rules.rescue_section([], elevators_in_use=0),
        ),
        inspections=rules.inspection_section([], []),
        hazards=rules.hazard_section([]),
        certificates=rules.certificate_section([]),
        due_workflow=rules.due_stage_rows([]),
        plan=PlanRead(
            year=2030,
            plan_text=plan_text,
            version=1,
            updated_at=datetime(2031, 1, 4, tzinfo=UTC),
            updated_by_client="bureau",
            updated_by_organisation=uuid.uuid4(),
        ),
    )


def test_a_year_without_data_renders_every_section_with_dashes_not_errors() -> None:
    page = render.report_html(_empty_report("计划"), region_name="兰州新区")
    for heading in ("一、特种设备基本情况", "表 1", "表 2", "表 3", "表 4", "（五）", "（六）",
                    "（七）", "二、检验到期", "三、2031 年特种设备安全工作计划"):  # fmt: skip
        assert heading in page
    assert 'data-figure="equipment.on_register">0<' in page
    assert 'data-figure="inspections.average_rate">—<' in page
    assert 'data-figure="elevators.rescue.incidents">0<' in page
    assert 'data-figure="elevators.rescue.response_rate">—<' in page
    assert page.count("data:image/png;base64,") == 8
    assert "表 1 特种设备安全监察机构情况：截止本年底，登记系统中没有监察人员记录" in page


def test_the_plan_text_is_escaped() -> None:
    page = render.report_html(_empty_report("<script>alert(1)</script>"), region_name="本辖区")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_charts_use_an_installed_cjk_font_when_there_is_one() -> None:
    family = charts.cjk_font_family()
    assert family is None or "CJK" in family
