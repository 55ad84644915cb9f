"""Signs of use (patrol.rules): which signals name registrable equipment, and how sightings of
one code in a chunk of events are merged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from inspection.patrol.rules import (
    Sighting,
    SightingSource,
    merge_sightings,
    signal_names_equipment,
)

UNIT = uuid.uuid4()


def test_a_refused_fill_names_a_cylinder_not_registrable_equipment() -> None:
    assert signal_names_equipment("complaint", "311000000000000001")
    assert signal_names_equipment("trapped_passenger_alarm", "311000000000000001")
    assert not signal_names_equipment("refused_fill_filled", "CYL-0001")
    assert not signal_names_equipment("certificate_lending", None)


def test_sightings_of_one_code_merge_into_one_row_per_source() -> None:
    def seen(day: int, source: SightingSource, unit: uuid.UUID | None, ref: str) -> Sighting:
        at = datetime(2026, 11, day, tzinfo=UTC)
        return Sighting("311000000000000001", source, unit, ref, at)

    rows = merge_sightings(
        [
            seen(20, SightingSource.hazard_signal, None, "rescue_breach"),
            seen(10, SightingSource.hazard_signal, UNIT, "complaint"),
            seen(15, SightingSource.inspection_post, None, "agency/R1"),
        ]
    )

    assert [(r["source"], r["times_seen"]) for r in rows] == [
        ("hazard_signal", 2),
        ("inspection_post", 1),
    ]
    signal = rows[0]
    assert signal["first_seen_at"].day == 10
    assert signal["last_seen_at"].day == 20
    assert signal["last_reference"] == "rescue_breach"
    assert signal["unit_id"] == UNIT  # the latest sighting named no unit; the earlier one did
