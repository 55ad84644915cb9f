"""The printable supervision order (《特种设备安全监察指令书》), as an HTML page in Chinese.

Built with the standard library rather than a template engine: the page is one fixed layout
with a table, and every value passes through `html.escape` on its way in (`_page` never takes
unescaped text), which is all the safety a template engine's autoescaping would add here. A
browser prints it (A4, `@page`); PDF is not rendered on the server.
"""

from __future__ import annotations

import html
from datetime import date
from string import Template

from inspection.orders.schemas import OrderRead

SEVERITY_LABEL = {"general": "一般隐患", "major": "重大隐患"}
KIND_LABEL = {
    "rectify_hazards": "责令整改",
    "apply_for_inspection": "责令申报定期检验",
    "stop_use": "责令停止使用",
}
LEGAL_BASIS = "《中华人民共和国特种设备安全法》第六十二条"

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>特种设备安全监察指令书 $number</title>
<style>
@page { size: A4; margin: 25mm 20mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 12pt;
       line-height: 1.8; color: #000; }
h1 { text-align: center; font-size: 20pt; letter-spacing: 0.2em; margin-bottom: 0.2em; }
.number { text-align: center; margin-top: 0; }
table { width: 100%; border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #000; padding: 4px 6px; vertical-align: top; }
th { font-weight: normal; background: #f2f2f2; }
.signature { margin-top: 3em; text-align: right; }
.note { font-size: 10pt; margin-top: 2em; }
.draft { color: #a00; text-align: center; }
</style>
</head>
<body>
<h1>特种设备安全监察指令书</h1>
<p class="number">$number</p>
$draft
<p>受令单位：$unit</p>
<p>统一社会信用代码：$credit_code</p>
<p>经检查，你单位存在下列特种设备安全问题或者事故隐患。依据$legal_basis，$kind_sentence</p>
$hazard_table
$requirements
<p>请于$deadline前完成，并将整改情况书面报告本局。逾期未改正的，本局将依法处理。</p>
<p class="signature">$bureau<br>$issued_on</p>
<p class="note">如不服本指令，可以依法申请行政复议或者提起行政诉讼。<br>
本指令书一式两份，一份交受令单位，一份存档。</p>
</body>
</html>
"""
)


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else "　　年　　月　　日"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _hazard_table(order: OrderRead) -> str:
    if not order.hazards:
        if order.equipment_code is None:
            return ""
        return (
            "<table><tr><th>设备代码</th><th>检验到期日</th></tr>"
            f"<tr><td>{_e(order.equipment_code)}</td><td>{_e(chinese_date(order.due_on))}</td>"
            "</tr></table>"
        )
    rows = "".join(
        f"<tr><td>{n}</td><td>{_e(h.equipment_code or '—')}</td>"
        f"<td>{_e(h.registration_number or '—')}</td><td>{_e(h.description)}</td>"
        f"<td>{_e(SEVERITY_LABEL.get(h.severity, h.severity))}</td></tr>"
        for n, h in enumerate(order.hazards, start=1)
    )
    return (
        "<table><tr><th>序号</th><th>设备代码</th><th>使用登记证编号</th><th>问题或隐患</th>"
        f"<th>类别</th></tr>{rows}</table>"
    )


def _addressee(order: OrderRead) -> str:
    """The unit by its registered name; its id only while the registry has not sent the name."""
    if order.addressee_name is not None:
        return order.addressee_name
    unit = order.unit_id or order.use_unit_id
    return f"（单位标识 {unit}）" if unit is not None else "—"


def render_order(order: OrderRead, *, bureau_name: str) -> str:
    """The order as a page to print."""
    kind = KIND_LABEL.get(order.kind, order.kind)
    if order.kind == "rectify_hazards":
        kind_sentence = "责令你单位对下列问题或者隐患予以改正、消除："
    else:
        kind_sentence = f"{kind}："
    requirements = (
        f"<p>指令内容：{_e(order.requirements)}</p>" if order.requirements is not None else ""
    )
    return _PAGE.substitute(
        number=_e(order.number or "（草稿，未编号）"),
        draft="" if order.status == "issued" else '<p class="draft">草稿 — 未下达</p>',
        unit=_e(_addressee(order)),
        credit_code=_e(order.addressee_credit_code or "—"),
        legal_basis=_e(LEGAL_BASIS),
        kind_sentence=_e(kind_sentence),
        hazard_table=_hazard_table(order),
        requirements=requirements,
        deadline=_e(chinese_date(order.deadline or order.due_on)),
        bureau=_e(bureau_name),
        issued_on=_e(chinese_date(order.issued_on)),
    )
