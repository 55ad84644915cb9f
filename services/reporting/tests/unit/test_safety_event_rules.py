"""Events of one hazard or incident fold into one row whatever their order or number."""

from __future__ import annotations

import itertools
import uuid
from datetime import date

from reporting.safety_events.rules import HazardStep, RescueStep, Sighting, fold

COLUMNS = ("hazard_id", "severity", "order_number", "closed_at", "overdue_on")
HAZARD = uuid.uuid4()
SIGHTINGS = [
    Sighting(HAZARD, HazardStep.open, {"hazard_id": HAZARD, "severity": "major"}),
    Sighting(HAZARD, HazardStep.order_issued, {"hazard_id": HAZARD, "order_number": "第12号"}),
    Sighting(HAZARD, HazardStep.open, {"hazard_id": HAZARD, "overdue_on": date(2026, 11, 20)}),
    Sighting(HAZARD, HazardStep.open, {"hazard_id": HAZARD, "overdue_on": date(2026, 11, 18)}),
]


def test_a_hazard_folds_to_the_same_row_in_every_order_and_with_redeliveries() -> None:
    expected = {
        "hazard_id": HAZARD,
        "severity": "major",
        "order_number": "第12号",
        "closed_at": None,
        "overdue_on": date(2026, 11, 18),
        "state": "order_issued",
        "state_rank": 1,
    }
    for order in itertools.permutations(SIGHTINGS):
        assert fold([*order, order[0]], COLUMNS) == [expected]


def test_overdue_alone_leaves_a_hazard_open() -> None:
    [row] = fold([SIGHTINGS[2]], COLUMNS)
    assert (row["state"], row["overdue_on"]) == ("open", date(2026, 11, 20))


def test_a_later_step_is_not_undone_by_an_earlier_one_arriving_late() -> None:
    incident = uuid.uuid4()
    rows = fold(
        [
            Sighting(incident, RescueStep.released, {"incident_id": incident}),
            Sighting(incident, RescueStep.dispatched, {"incident_id": incident, "urban": True}),
            Sighting(
                incident, RescueStep.dispatched,
                {"incident_id": incident, "acknowledgement_overdue": True},
            ),
        ],
        ("incident_id", "urban", "acknowledgement_overdue"),
    )  # fmt: skip
    assert rows == [
        {
            "incident_id": incident,
            "urban": True,
            "acknowledgement_overdue": True,
            "state": "released",
            "state_rank": 3,
        }
    ]


def test_records_come_out_in_key_order() -> None:
    keys = sorted((uuid.uuid4() for _ in range(5)), key=str, reverse=True)
    rows = fold([Sighting(k, HazardStep.open, {"hazard_id": k}) for k in keys], COLUMNS)
    assert [r["hazard_id"] for r in rows] == sorted(keys, key=str)
