"""Hazards the patrol and spot checks open (patrol.rules, spot_checks.rules): what each
question opens, and the checks on a spot-check result's list of hazards."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from inspection.patrol.rules import (
    PatrolHazardReason,
    PatrolQuestion,
    patrol_hazard,
    patrol_hazard_violations,
)
from inspection.spot_checks.rules import (
    FoundHazard,
    SpotCheckConclusion,
    SpotCheckReason,
    check_found_hazards,
    hazards_to_open,
)

TODAY = date(2026, 11, 25)
UNIT, OTHER = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("question", list(PatrolQuestion))
def test_every_question_opens_a_hazard_described_in_chinese(question: PatrolQuestion) -> None:
    severity, description = patrol_hazard(question, due_on=None, severity=None)

    assert severity in {"general", "major"}
    assert description.startswith("网上巡查: ")
    assert patrol_hazard(question, due_on=None, severity="general")[0] == "general"


def test_a_past_due_hazard_names_the_missed_due_date() -> None:
    severity, description = patrol_hazard(
        PatrolQuestion.past_due, due_on=date(2026, 3, 31), severity=None
    )
    assert severity == "major"
    assert "2026-03-31" in description


def test_a_patrol_request_names_codes_or_all_and_a_deadline_not_past() -> None:
    def codes(**kwargs: object) -> list[PatrolHazardReason]:
        arguments: dict[str, object] = {
            "codes": None, "all_listed": False, "deadline": None, "today": TODAY, **kwargs
        }  # fmt: skip
        return [v.code for v in patrol_hazard_violations(**arguments)]  # type: ignore[arg-type]

    assert codes(codes=["x"]) == []
    assert codes(all_listed=True, deadline=TODAY) == []
    assert codes() == [PatrolHazardReason.codes_or_all]
    assert codes(codes=["x"], all_listed=True) == [PatrolHazardReason.codes_or_all]
    assert codes(all_listed=True, deadline=date(2026, 11, 24)) == [
        PatrolHazardReason.deadline_in_past
    ]


def _check(hazards: list[FoundHazard], **kwargs: object) -> list[SpotCheckReason]:
    arguments: dict[str, object] = {
        "conclusion": SpotCheckConclusion.hazards_found,
        "hazards_found": len(hazards),
        "drawn_unit": UNIT,
        "equipment_units": {"own": UNIT, "foreign": OTHER},
        "today": TODAY,
        **kwargs,
    }
    return [v.code for v in check_found_hazards(hazards, **arguments)]  # type: ignore[arg-type]


def test_a_results_hazards_match_its_count_conclusion_deadlines_and_unit() -> None:
    own = FoundHazard("major", "制动器失效", equipment_code="own")
    unknown = FoundHazard("major", "未登记", equipment_code="unknown-code")
    of_unit = FoundHazard("general", "制度未上墙", deadline=TODAY)

    assert _check([own, unknown, of_unit]) == []
    assert _check([]) == []
    assert _check([own], hazards_found=2) == [SpotCheckReason.hazard_count_mismatch]
    assert _check([own], conclusion=SpotCheckConclusion.compliant) == [
        SpotCheckReason.hazards_without_findings
    ]
    late = FoundHazard("general", "x", deadline=date(2026, 11, 24))
    foreign = FoundHazard("general", "x", equipment_code="foreign")
    refused = check_found_hazards(
        [late, foreign],
        conclusion=SpotCheckConclusion.hazards_found,
        hazards_found=2,
        drawn_unit=UNIT,
        equipment_units={"foreign": OTHER},
        today=TODAY,
    )
    assert [(v.field, v.code) for v in refused] == [
        (("hazards", 0, "deadline"), SpotCheckReason.deadline_in_past),
        (("hazards", 1, "equipment_code"), SpotCheckReason.equipment_not_of_unit),
    ]


def test_hazards_only_counted_open_one_of_the_unit_and_none_counted_open_none() -> None:
    listed = [FoundHazard("major", "a"), FoundHazard("general", "b")]

    assert hazards_to_open(listed, hazards_found=2, findings="f") == listed
    [only] = hazards_to_open([], hazards_found=3, findings="消防通道堵塞")
    assert (only.severity, only.equipment_code) == ("general", None)
    assert "消防通道堵塞" in only.description
    assert hazards_to_open([], hazards_found=0, findings="f") == []
