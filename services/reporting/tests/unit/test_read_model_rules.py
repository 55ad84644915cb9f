"""档案信息完整率: which record fields an elevator's record must hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reporting.read_models.rules import business_day, missing_record_fields, record_complete


def lift(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "category": "3000",
        "variety": "3110",
        "registration_number": "梯11甘A00001(20)",
        "use_unit_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "manufacturer": "兰州电梯制造有限公司",
        "factory_number": "F2020-0001",
        "manufactured_on": date(2019, 6, 1),
        "address": "兰州新区中川园区纬一路 1 号",
        "lat": 36.51,
        "lon": 103.62,
        "rated_load_kg": 1000.0,
        "rated_speed_ms": 1.75,
        "stops": 18,
    }
    record.update(overrides)
    return record


def test_a_record_with_every_field_is_complete() -> None:
    assert missing_record_fields(lift()) == []
    assert record_complete(lift()) is True


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"registration_number": None}, ["registration_number"]),
        ({"factory_number": "  "}, ["factory_number"]),
        ({"lat": None}, ["position"]),
        ({"stops": None, "rated_load_kg": None}, ["rated_load_kg", "stops"]),
    ],
)
def test_each_missing_field_makes_the_record_incomplete(
    overrides: dict[str, Any], missing: list[str]
) -> None:
    assert missing_record_fields(lift(**overrides)) == missing
    assert record_complete(lift(**overrides)) is False


def test_an_escalator_is_complete_without_a_rated_load_or_stops() -> None:
    escalator = lift(variety="3310", rated_load_kg=None, stops=None)

    assert record_complete(escalator) is True
    assert missing_record_fields({**escalator, "rated_speed_ms": None}) == ["rated_speed_ms"]


def test_completeness_is_not_judged_for_other_categories() -> None:
    assert record_complete(lift(category="4000", variety="4110")) is None


def test_a_visit_started_late_in_the_evening_utc_counts_on_the_next_shanghai_day() -> None:
    zone = ZoneInfo("Asia/Shanghai")

    assert business_day(datetime(2020, 1, 31, 17, 0, tzinfo=UTC), zone) == date(2020, 2, 1)
