from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from tzsb_common.days import QueryDay

query_day = TypeAdapter(QueryDay)


def test_a_day_written_yyyy_mm_dd_is_read() -> None:
    assert query_day.validate_python("2026-06-01") == date(2026, 6, 1)


@pytest.mark.parametrize("written", ["0", "1700000000", "2026-6-1", "20260601", "2026-06-01T00:00"])
def test_a_number_or_another_spelling_is_refused(written: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        query_day.validate_python(written)


@pytest.mark.parametrize("written", ["1989-12-31", "3000-01-01", "0001-01-01"])
def test_a_day_outside_1990_to_2999_is_refused(written: str) -> None:
    with pytest.raises(ValidationError, match="between 1990-01-01 and 2999-12-31"):
        query_day.validate_python(written)
