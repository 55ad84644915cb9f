"""The annual report's figures (年度特种设备安全状况分析报告) as pure functions.

The database counts (queries.py); these functions turn counts into the published figures —
shares, growth, yearly averages — with `decimal` and half-up rounding to two decimals, as the
indicators do, so every percentage in the report is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reporting.annual_report.schemas import (
    CategoryCount,
    CertificateRow,
    CertificateSection,
    DueStageRow,
    EquipmentSection,
    HazardSection,
    InspectionCategoryRow,
    InspectionSection,
    LicenceRow,
    ParkCount,
    ParkHazards,
    ParkRate,
    RescueSection,
    StaffRow,
    StaffSection,
    YearCount,
)
from reporting.indicators.rules import last_day_of_month, percentage

_CENT = Decimal("0.01")

FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 1990, 2998
"""The years a report may be asked for; the last leaves a next year for the period split."""

TREND_YEARS = 3
"""The seed's figures 4–6 show the last three years (近 3 年)."""

CATEGORY_LABELS: dict[str, str] = {
    "1000": "锅炉",
    "2000": "压力容器",
    "3000": "电梯",
    "4000": "起重机械",
    "5000": "场（厂）内专用机动车辆",
    "6000": "大型游乐设施",
    "7000": "压力管道元件",
    "8000": "压力管道",
    "9000": "客运索道",
    "F000": "安全附件",
}
"""特种设备目录 (DOMAIN.md); a category not listed is shown by its code."""

LICENCE_KIND_LABELS: dict[str, str] = {
    "maintenance": "电梯维保",
    "filling": "气瓶充装",
    "inspection": "检验检测",
    "installation": "安装改造修理",
}

DUE_STAGE_LABELS: dict[str, str] = {
    "reminder": "到期提醒",
    "warning": "到期预警（下达监察指令书）",
    "overdue": "超期未检（责令停止使用）",
}
"""The three steps of the seed's due workflow: remind two months ahead, warn (with a
supervision order) in the due month, order the equipment out of use once overdue."""

DUE_STAGES: tuple[str, ...] = ("reminder", "warning", "overdue")

CERTIFICATE_ITEM_LABELS: dict[str, str] = {
    "A": "特种设备安全管理",
    "G1": "工业锅炉司炉",
    "G2": "电站锅炉司炉",
    "G3": "锅炉水处理",
    "R1": "快开门式压力容器操作",
    "R2": "移动式压力容器充装",
    "R3": "氧舱维护保养",
    "P": "气瓶充装",
    "T": "电梯修理",
    "Q1": "起重机指挥",
    "Q2": "起重机司机",
    "N1": "叉车司机",
    "N2": "观光车和观光列车司机",
    "S1": "客运索道修理",
    "S2": "客运索道司机",
    "Y1": "大型游乐设施修理",
    "Y2": "大型游乐设施操作",
    "F": "安全阀校验",
}
"""作业项目 of TSG Z6001; an item not listed is shown by its code."""

NO_SUPERVISION_BODY = "未注明监察机构"
"""Staff entered without a supervision body are shown under this name, and are no body."""

STAFF_TOTAL = "合计"

NO_STAFF = "截止本年底，登记系统中没有监察人员记录，本表无数据。"

NO_PARK = "未划定园区"
"""Equipment outside any park is reported under this name."""


def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)


def certificate_item_label(item: str) -> str:
    label = CERTIFICATE_ITEM_LABELS.get(item)
    return f"{label}（{item}）" if label else item


def park_label(park: str | None) -> str:
    return park or NO_PARK


def year_end(year: int) -> date:
    return date(year, 12, 31)


def month_ends(year: int) -> list[date]:
    """The twelve days on which the yearly average inspection rate samples the register."""
    return [last_day_of_month(date(year, month, 1)) for month in range(1, 13)]


def trend_years(year: int) -> list[int]:
    return list(range(year - TREND_YEARS + 1, year + 1))


def rounded(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def share(count: int, total: int) -> Decimal | None:
    """`count` of `total` as a percentage to two decimals; None when there is nothing to count.
    Unlike an indicator's share, `count` may exceed `total` (several hazards at one check)."""
    if total <= 0:
        return None
    return rounded(Decimal(count * 100) / Decimal(total))


def growth_rate(current: int, previous: int) -> Decimal | None:
    """较上年增长: the change over last year's count in percent; None when last year had none
    (growth from nothing is not a percentage)."""
    if previous <= 0:
        return None
    return rounded(Decimal((current - previous) * 100) / Decimal(previous))


def yearly_average_rate(monthly: Sequence[tuple[int, int]]) -> Decimal | None:
    """年平均检验率: the mean of the month-end rates (covered of in service at each month's
    end), each month's rate kept unrounded so the mean rounds once; months with nothing in
    service do not count. None when no month had anything in service."""
    rates = [Decimal(covered * 100) / Decimal(total) for covered, total in monthly if total > 0]
    if not rates:
        return None
    return rounded(sum(rates, Decimal(0)) / len(rates))


def inspection_rate_at(covered: int, in_service: int) -> Decimal | None:
    """检验率 on one day: in-service equipment holding a passing inspection not yet due."""
    return percentage(covered, in_service)


def totals_by(rows: Iterable[Mapping[str, object]], key: str, value: str) -> dict[str, int]:
    """Sum `value` per `key` over count rows (a null key is counted under the empty string)."""
    out: dict[str, int] = {}
    for row in rows:
        name = row[key]
        label = "" if name is None else str(name)
        out[label] = out.get(label, 0) + int(row[value])  # type: ignore[call-overload]
    return out


def category_order(codes: Iterable[str]) -> list[str]:
    """The catalogue's order (1000 … 9000, F000), then codes it does not list."""
    known = [code for code in CATEGORY_LABELS if code in set(codes)]
    return known + sorted(set(codes) - set(known))


# -- sections, from the counts of queries.py ----------------------------------------------------


def _figure(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _year_counts(by_year: Mapping[int, int], years: Sequence[int]) -> list[YearCount]:
    """Each year's count and its growth over the year before (a year without rows had 0)."""
    return [
        YearCount(
            year=year,
            count=by_year.get(year, 0),
            growth_rate=_figure(growth_rate(by_year.get(year, 0), by_year.get(year - 1, 0))),
        )
        for year in years
    ]


def equipment_days(year: int) -> list[date]:
    """The year ends the equipment counts are taken on: the trend years and the one before
    the first, for its growth."""
    return [year_end(y) for y in range(year - TREND_YEARS, year + 1)]


def equipment_section(rows: Sequence[Mapping[str, Any]], year: int) -> EquipmentSection:
    """Figures 1–6 from the counts per year end, category, park and cylinder-or-not. Growth
    needs the year before the first trend year, which the rows carry too."""
    years = trend_years(year)
    last = year_end(year)
    equipment = [row for row in rows if not row["cylinder"]]
    per_year: dict[int, int] = {}
    elevators_per_year: dict[int, int] = {}
    for row in equipment:
        y = row["as_of"].year
        per_year[y] = per_year.get(y, 0) + int(row["on_register"])
        if row["category"] == "3000":
            elevators_per_year[y] = elevators_per_year.get(y, 0) + int(row["in_service"])
    current = [row for row in equipment if row["as_of"] == last]
    total = sum(int(row["on_register"]) for row in current)
    categories: dict[str, tuple[int, int]] = {}
    parks: dict[str, dict[str, int]] = {}
    for row in current:
        on, serving = categories.get(row["category"], (0, 0))
        categories[row["category"]] = (
            on + int(row["on_register"]),
            serving + int(row["in_service"]),
        )
        park = parks.setdefault(park_label(row["park"]), {})
        park[row["category"]] = park.get(row["category"], 0) + int(row["on_register"])
    park_years: dict[str, dict[int, int]] = {}
    for row in equipment:
        counts = park_years.setdefault(park_label(row["park"]), {})
        y = row["as_of"].year
        counts[y] = counts.get(y, 0) + int(row["on_register"])
    by_park = [
        ParkCount(
            park=name,
            on_register=sum(parks.get(name, {}).values()),
            share=_figure(share(sum(parks.get(name, {}).values()), total)),
            by_category={
                code: parks.get(name, {})[code] for code in category_order(parks.get(name, {}))
            },
            trend=_year_counts(park_years.get(name, {}), years),
        )
        for name in sorted(set(parks) | set(park_years), key=lambda p: (p == NO_PARK, p))
    ]
    return EquipmentSection(
        as_of=last,
        on_register=total,
        growth_rate=_figure(growth_rate(total, per_year.get(year - 1, 0))),
        cylinders=sum(
            int(row["on_register"]) for row in rows if row["cylinder"] and row["as_of"] == last
        ),
        by_category=[
            CategoryCount(
                category=code,
                label=category_label(code),
                on_register=categories[code][0],
                in_service=categories[code][1],
            )
            for code in category_order(categories)
        ],
        by_park=by_park,
        trend=_year_counts(per_year, years),
        elevators_on_register=sum(
            int(row["on_register"]) for row in current if row["category"] == "3000"
        ),
        elevator_trend=_year_counts(elevators_per_year, years),
    )


def inspection_section(
    inspection_rows: Sequence[Mapping[str, Any]], coverage_rows: Sequence[Mapping[str, Any]]
) -> InspectionSection:
    """Inspections by category and the yearly average inspection rate (figure 7), overall, per
    category and per park, from the month-end coverage counts."""
    per_category = totals_by(inspection_rows, "category", "inspections")
    months: dict[Any, list[int]] = {}
    park_months: dict[str, dict[Any, list[int]]] = {}
    category_months: dict[str, dict[Any, list[int]]] = {}
    for row in coverage_rows:
        for month in (
            months.setdefault(row["as_of"], [0, 0]),
            park_months.setdefault(park_label(row["park"]), {}).setdefault(row["as_of"], [0, 0]),
            category_months.setdefault(row["category"], {}).setdefault(row["as_of"], [0, 0]),
        ):
            month[0] += int(row["covered"])
            month[1] += int(row["in_service"])

    def average(by_month: Mapping[Any, list[int]]) -> float | None:
        return _figure(yearly_average_rate([(c, t) for c, t in by_month.values()]))

    categories = category_order(set(per_category) | set(category_months))
    return InspectionSection(
        inspections=sum(per_category.values()),
        by_category=[
            InspectionCategoryRow(
                category=code,
                label=category_label(code),
                inspections=per_category.get(code, 0),
                average_rate=average(category_months.get(code, {})),
            )
            for code in categories
        ],
        average_rate=average(months),
        by_park=[
            ParkRate(park=name, rate=average(park_months[name]))
            for name in sorted(park_months, key=lambda p: (p == NO_PARK, p))
        ],
    )


HAZARD_SOURCE_LABELS: dict[str, str] = {
    "inspection": "检验",
    "due_workflow": "到期未检",
    "online_patrol": "网络巡查",
    "maintenance": "维保",
    "filling": "充装",
    "spot_check": "双随机抽查",
    "complaint": "投诉举报",
}

HAZARDS_FROM_READ_MODEL = (
    "隐患读模型：年度内各来源发现的隐患 ÷ 年度内检验机构检验台次；"
    "整改率 = 整改期限（下达指令书的以指令书期限为准）在年度内的隐患中按期整改销号的比例。"
)
HAZARDS_FROM_INSPECTIONS = (
    "检验结果所记隐患（检验机构在年度内检验发现的隐患 ÷ 年度内检验台次）：隐患读模型中本年度"
    "无隐患记录，网络巡查、维保、充装、抽查等来源的隐患及整改率未计入。"
)


def hazard_section(
    inspection_rows: Sequence[Mapping[str, Any]],
    hazard_rows: Sequence[Mapping[str, Any]] = (),
) -> HazardSection:
    """隐患率 = hazards found ÷ equipment checked (DOMAIN.md), the agencies' inspections of the
    year being the checks (each checks one piece of equipment); 整改率 = hazards closed within
    their deadline ÷ hazards due in the year. The hazards come from the hazard read model; a
    year it holds none of (before it existed) falls back to the hazards the inspection results
    recorded, and says so, without a rectification rate."""
    checked = totals_by(inspection_rows, "park", "inspections")
    from_read_model = bool(hazard_rows)
    if from_read_model:
        found = totals_by(hazard_rows, "park", "found")
        due = totals_by(hazard_rows, "park", "due")
        in_time = totals_by(hazard_rows, "park", "rectified_in_time")
        by_source = totals_by(hazard_rows, "source", "found")
    else:
        found = totals_by(inspection_rows, "park", "hazards")
        due, in_time = {}, {}
        by_source = {"inspection": sum(found.values())} if found else {}
    parks = sorted(set(checked) | set(found) | set(due), key=lambda p: (p == "", p))
    total_found, total_checked = sum(found.values()), sum(checked.values())
    total_due, total_in_time = sum(due.values()), sum(in_time.values())

    def rectification(in_time_count: int, due_count: int) -> float | None:
        return _figure(percentage(in_time_count, due_count)) if from_read_model else None

    return HazardSection(
        source=HAZARDS_FROM_READ_MODEL if from_read_model else HAZARDS_FROM_INSPECTIONS,
        hazards=total_found,
        checked=total_checked,
        rate=_figure(share(total_found, total_checked)),
        due=total_due,
        rectified_in_time=total_in_time,
        rectification_rate=rectification(total_in_time, total_due),
        by_source={HAZARD_SOURCE_LABELS.get(k, k or "未注明"): v for k, v in by_source.items()},
        by_park=[
            ParkHazards(
                park=park_label(name or None),
                hazards=found.get(name, 0),
                checked=checked.get(name, 0),
                rate=_figure(share(found.get(name, 0), checked.get(name, 0))),
                due=due.get(name, 0),
                rectified_in_time=in_time.get(name, 0),
                rectification_rate=rectification(in_time.get(name, 0), due.get(name, 0)),
            )
            for name in parks
        ],
    )


def certificate_section(rows: Sequence[Mapping[str, Any]]) -> CertificateSection:
    by_item = sorted(
        (
            CertificateRow(
                item=row["item"],
                label=certificate_item_label(row["item"]),
                valid=int(row["valid"]),
                issued=int(row["issued"]),
            )
            for row in rows
        ),
        key=lambda r: r.item,
    )
    return CertificateSection(
        valid=sum(r.valid for r in by_item),
        issued=sum(r.issued for r in by_item),
        by_item=by_item,
    )


def licence_rows(rows: Sequence[Mapping[str, Any]]) -> list[LicenceRow]:
    counts = {row["kind"]: row for row in rows}
    kinds = [k for k in LICENCE_KIND_LABELS if k in counts] + sorted(
        set(counts) - set(LICENCE_KIND_LABELS)
    )
    return [
        LicenceRow(
            kind=kind,
            label=LICENCE_KIND_LABELS.get(kind, kind),
            units=int(counts[kind]["units"]),
            issued=int(counts[kind]["issued"]),
        )
        for kind in kinds
    ]


def due_stage_rows(rows: Sequence[Mapping[str, Any]]) -> list[DueStageRow]:
    counts = {row["stage"]: row for row in rows}
    return [
        DueStageRow(
            stage=stage,
            label=DUE_STAGE_LABELS[stage],
            stages=int(counts[stage]["stages"]) if stage in counts else 0,
            use_units=int(counts[stage]["use_units"]) if stage in counts else 0,
        )
        for stage in DUE_STAGES
    ]


RESPONSE_LIMIT = timedelta(minutes=3)
"""3 分钟响应: acknowledged within three minutes of dispatch."""
ARRIVAL_LIMIT = timedelta(minutes=30)
"""30 分钟到达: on site within thirty minutes of dispatch (the figure Jinan publishes)."""


def _mean_minutes(spans: Sequence[timedelta]) -> float | None:
    if not spans:
        return None
    seconds = sum((Decimal(str(span.total_seconds())) for span in spans), Decimal(0))
    return _figure(rounded(seconds / 60 / len(spans)))


def rescue_section(rows: Sequence[Mapping[str, Any]], *, elevators_in_use: int) -> RescueSection:
    """The year's rescue figures from its incidents; the trapping rate over the elevators in
    use at the year's end and twelve months."""
    acknowledged = arrived = freed = 0
    arrivals: list[timedelta] = []
    rescues: list[timedelta] = []
    for row in rows:
        dispatched = row["dispatched_at"]
        freed += row["people_freed"] or 0
        if row["acknowledged_at"] is not None and (
            row["acknowledged_at"] - dispatched <= RESPONSE_LIMIT
        ):
            acknowledged += 1
        if row["arrived_at"] is not None:
            arrivals.append(row["arrived_at"] - dispatched)
            if row["arrived_at"] - dispatched <= ARRIVAL_LIMIT:
                arrived += 1
            if row["released_at"] is not None:
                rescues.append(row["released_at"] - row["arrived_at"])
    incidents = len(rows)
    trapping_rate = (
        _figure(rounded(Decimal(incidents) * 1000 / Decimal(elevators_in_use) / 12))
        if elevators_in_use
        else None
    )
    return RescueSection(
        incidents=incidents,
        people_freed=freed,
        acknowledged_within_3_min=acknowledged,
        arrived_within_30_min=arrived,
        response_rate=_figure(share(acknowledged, incidents)),
        arrival_rate=_figure(share(arrived, incidents)),
        average_arrival_minutes=_mean_minutes(arrivals),
        average_rescue_minutes=_mean_minutes(rescues),
        trappings_per_1000_elevators_per_month=trapping_rate,
    )


def _staff_row(body: str, rows: Sequence[Mapping[str, Any]]) -> StaffRow:
    return StaffRow(
        supervision_body=body,
        staff=sum(int(r["staff"]) for r in rows),
        certificate_level_a=sum(int(r["certificate_level_a"]) for r in rows),
        certificate_level_b=sum(int(r["certificate_level_b"]) for r in rows),
        active=sum(int(r["active"]) for r in rows),
    )


def staff_section(rows: Sequence[Mapping[str, Any]], year: int) -> StaffSection:
    """表 1 from the staff counts per body: a body whose staff all sit outside any park (the
    area's own bureau, as the seed lists it first) comes first, then the others by name, and
    staff without a body last; the total (合计) sums every row.

    The registry does not say a body's level (地市级/县区级), so only the number of bodies is
    given."""
    named = sorted(
        (r for r in rows if r["supervision_body"] is not None),
        key=lambda r: (not r["outside_parks"], r["supervision_body"]),
    )
    unnamed = [r for r in rows if r["supervision_body"] is None]
    lines = [_staff_row(str(r["supervision_body"]), [r]) for r in named]
    if unnamed:
        lines.append(_staff_row(NO_SUPERVISION_BODY, unnamed))
    total = _staff_row(STAFF_TOTAL, rows)
    return StaffSection(
        as_of=year_end(year),
        bodies=len(named),
        certified=total.certificate_level_a + total.certificate_level_b,
        rows=lines,
        total=total,
        note=None if lines else NO_STAFF,
    )
