"""The report as a document: HTML from a Jinja2 template (autoescaped), its figures drawn by
charts.py, and the same HTML laid out as PDF by WeasyPrint. Both are CPU work; the routes run
them in a worker thread."""

from __future__ import annotations

from pathlib import Path

import jinja2

from reporting.annual_report import charts
from reporting.annual_report.schemas import AnnualReport

_TEMPLATES = Path(__file__).with_name("templates")
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=jinja2.select_autoescape(("html",)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _figure(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text + suffix


_ENVIRONMENT.filters["figure"] = _figure
_ENVIRONMENT.filters["percent"] = lambda value: _figure(value, "%")


def figures(report: AnnualReport) -> dict[str, str]:
    """The report's images (图 1–10, as far as the read models hold their data)."""
    year = report.year
    equipment = report.equipment
    parks = [p for p in equipment.by_park if p.on_register or any(t.count for t in p.trend)]
    return {
        "categories": charts.bar_chart(
            f"{year}年特种设备分布（按类别，不含气瓶）",
            [c.label for c in equipment.by_category],
            [c.on_register for c in equipment.by_category],
            unit="台（套）",
        ),
        "parks": charts.pie_chart(
            f"{year}年特种设备按园区分布",
            [p.park for p in parks],
            [p.on_register for p in parks],
        ),
        "trend": charts.bar_chart(
            f"近{len(equipment.trend)}年在册特种设备增长趋势",
            [f"{t.year}年" for t in equipment.trend],
            [t.count for t in equipment.trend],
            unit="台（套）",
        ),
        "park_trend": charts.grouped_bar_chart(
            "各园区在册特种设备增长趋势",
            [p.park for p in parks],
            {
                f"{t.year}年": [p.trend[i].count for p in parks]
                for i, t in enumerate(equipment.trend)
            },
            unit="台（套）",
        ),
        "elevator_trend": charts.bar_chart(
            f"近{len(equipment.elevator_trend)}年在用电梯增长趋势",
            [f"{t.year}年" for t in equipment.elevator_trend],
            [t.count for t in equipment.elevator_trend],
            unit="部",
        ),
        "inspection_rate": charts.bar_chart(
            "各园区特种设备年平均检验率",
            [p.park for p in report.inspections.by_park],
            [p.rate for p in report.inspections.by_park],
            percent=True,
        ),
        "hazard_rate": charts.bar_chart(
            "各园区特种设备年平均隐患率",
            [p.park for p in report.hazards.by_park],
            [p.rate for p in report.hazards.by_park],
            unit="%",
        ),
        "certificates": charts.bar_chart(
            "特种设备安全管理和作业人员证分类情况（年末有效）",
            [c.label for c in report.certificates.by_item],
            [c.valid for c in report.certificates.by_item],
            unit="人",
        ),
    }


def report_html(report: AnnualReport, *, region_name: str, for_print: bool = False) -> str:
    template = _ENVIRONMENT.get_template("annual_report.html")
    return template.render(
        report=report,
        region_name=region_name,
        figures=figures(report),
        for_print=for_print,
    )


class PdfUnavailable(Exception):
    """WeasyPrint cannot load Pango on this host (a system library, not a Python package)."""


def report_pdf(report: AnnualReport, *, region_name: str) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which only the PDF needs; a host
    # without it still serves the HTML.
    try:
        import weasyprint  # type: ignore[import-untyped]
    except OSError as exc:
        raise PdfUnavailable(str(exc)) from exc

    html = report_html(report, region_name=region_name, for_print=True)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
