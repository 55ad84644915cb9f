"""The hazard state machine, seal limits and order numbering as pure rules: every transition from
every state, legal or not."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from inspection.hazards.rules import (
    MANUAL_SOURCES,
    SIGNAL_SOURCES,
    TARGET,
    HazardConflict,
    HazardFacts,
    HazardSource,
    HazardState,
    OpeningReason,
    SealReason,
    Transition,
    evidence_conflict,
    extension_conflict,
    extension_days_problem,
    opening_violations,
    release_conflict,
    seal_conflict,
    seal_days_problem,
    seal_ends_on,
    source_of_signal,
    supervision_conflict,
    transition_conflict,
    within_deadline,
)
from inspection.orders.rules import (
    CoveredHazard,
    OrderReason,
    order_conflict,
    order_number,
    order_violations,
)

TODAY = date(2026, 11, 25)
S = HazardState
T = Transition


def hazard(state: HazardState = S.open, **overrides: object) -> HazardFacts:
    values: dict[str, object] = {
        "state": state,
        "severity": "major",
        "equipment_code": "311012345678901234",
        "evidence_count": 1,
    }
    values.update(overrides)
    return HazardFacts(**values)  # type: ignore[arg-type]


LEGAL = {
    (T.issue_order, S.open),
    (T.start_rectification, S.order_issued),
    (T.report_rectified, S.rectifying),
    (T.accept, S.rectified),
    (T.reject, S.rectified),
}
EXPECTED_REFUSAL = {
    T.issue_order: HazardConflict.hazard_not_open,
    T.start_rectification: HazardConflict.hazard_not_order_issued,
    T.report_rectified: HazardConflict.hazard_not_rectifying,
    T.accept: HazardConflict.hazard_not_rectified,
    T.reject: HazardConflict.hazard_not_rectified,
}


@pytest.mark.parametrize("state", list(HazardState))
@pytest.mark.parametrize("transition", list(Transition))
def test_each_transition_is_allowed_from_its_one_state_and_refused_from_every_other(
    transition: Transition, state: HazardState
) -> None:
    reason = transition_conflict(transition, hazard(state), today=TODAY)

    if (transition, state) in LEGAL:
        assert reason is None
    elif state is S.closed:
        assert reason is HazardConflict.hazard_closed
    else:
        assert reason is EXPECTED_REFUSAL[transition]


def test_the_chain_leads_from_open_to_closed_and_a_rejection_back_to_rectifying() -> None:
    assert [TARGET[t] for t in (T.issue_order, T.start_rectification, T.report_rectified)] == [
        S.order_issued,
        S.rectifying,
        S.rectified,
    ]
    assert TARGET[T.accept] is S.closed
    assert TARGET[T.reject] is S.rectifying


def test_rectification_is_not_reported_without_evidence() -> None:
    bare = hazard(S.rectifying, evidence_count=0)

    assert transition_conflict(T.report_rectified, bare, today=TODAY) == (
        HazardConflict.evidence_required
    )


def test_a_hazard_whose_equipment_is_still_sealed_is_not_closed() -> None:
    sealed = hazard(S.rectified, sealed_on=TODAY, seal_ends_on=date(2026, 12, 9))
    released = replace(sealed, seal_released_on=TODAY)

    assert transition_conflict(T.accept, sealed, today=TODAY) is HazardConflict.seal_active
    assert transition_conflict(T.accept, released, today=TODAY) is None
    # Sending it back for more work is fine while sealed.
    assert transition_conflict(T.reject, sealed, today=TODAY) is None


@pytest.mark.parametrize("state", [S.open, S.order_issued, S.rectifying, S.rectified])
def test_a_major_hazard_in_any_state_but_closed_is_supervised_once(state: HazardState) -> None:
    assert supervision_conflict(hazard(state)) is None
    assert supervision_conflict(hazard(state, supervised=True)) is (
        HazardConflict.already_supervised
    )


def test_supervision_is_refused_for_a_general_or_closed_hazard() -> None:
    assert supervision_conflict(hazard(severity="general")) is HazardConflict.hazard_not_major
    assert supervision_conflict(hazard(S.closed)) is HazardConflict.hazard_closed


def test_a_seal_needs_a_major_open_hazard_with_equipment_and_no_seal_held() -> None:
    assert seal_conflict(hazard()) is None
    assert seal_conflict(hazard(severity="general")) is HazardConflict.hazard_not_major
    assert seal_conflict(hazard(equipment_code=None)) is HazardConflict.no_equipment_to_seal
    assert seal_conflict(hazard(S.closed)) is HazardConflict.hazard_closed
    held = hazard(sealed_on=TODAY, seal_ends_on=TODAY)
    assert seal_conflict(held) is HazardConflict.already_sealed
    # Once released, the equipment may be sealed again.
    assert seal_conflict(replace(held, seal_released_on=TODAY)) is None


def test_a_seal_lasts_at_most_fifteen_days_counted_from_its_first() -> None:
    assert seal_days_problem(15, max_days=15) is None
    assert seal_days_problem(16, max_days=15) is SealReason.seal_days_exceed_limit
    assert seal_ends_on(date(2026, 11, 25), 15) == date(2026, 12, 9)
    assert seal_ends_on(date(2026, 11, 25), 1) == date(2026, 11, 25)


def test_a_seal_is_extended_once_by_at_most_thirty_days_while_it_lasts() -> None:
    sealed = hazard(sealed_on=date(2026, 11, 20), seal_ends_on=date(2026, 12, 4))

    assert extension_days_problem(30, max_days=30) is None
    assert extension_days_problem(31, max_days=30) is SealReason.extension_days_exceed_limit
    assert extension_conflict(sealed, today=date(2026, 12, 4)) is None
    assert extension_conflict(sealed, today=date(2026, 12, 5)) is HazardConflict.seal_expired
    assert extension_conflict(replace(sealed, seal_extended=True), today=TODAY) is (
        HazardConflict.seal_already_extended
    )
    assert extension_conflict(hazard(), today=TODAY) is HazardConflict.not_sealed
    assert extension_conflict(replace(sealed, seal_released_on=TODAY), today=TODAY) is (
        HazardConflict.not_sealed
    )


def test_only_a_seal_held_is_released_even_after_its_days_ran_out() -> None:
    expired = hazard(sealed_on=date(2026, 11, 1), seal_ends_on=date(2026, 11, 15))

    assert release_conflict(expired) is None
    assert not expired.sealed(TODAY)
    assert release_conflict(hazard()) is HazardConflict.not_sealed
    assert release_conflict(replace(expired, seal_released_on=TODAY)) is HazardConflict.not_sealed


def test_a_seal_the_scan_found_run_out_is_no_longer_active_nor_extended_but_still_released() -> (
    None
):
    sealed = hazard(sealed_on=date(2026, 11, 20), seal_ends_on=date(2026, 12, 4))
    # A pass for a later day marks it before the calendar reaches that day.
    marked = replace(sealed, seal_expired_on=date(2026, 12, 5))

    assert sealed.sealed(TODAY)
    assert not marked.sealed(TODAY)
    assert extension_conflict(marked, today=TODAY) is HazardConflict.seal_expired
    assert release_conflict(marked) is None
    assert (
        transition_conflict(T.accept, replace(marked, state=S.rectified), today=TODAY)
        is HazardConflict.seal_active
    )  # the release decision is recorded before closing


def test_evidence_is_added_until_the_hazard_is_closed() -> None:
    for state in (S.open, S.order_issued, S.rectifying, S.rectified):
        assert evidence_conflict(hazard(state)) is None
    assert evidence_conflict(hazard(S.closed)) is HazardConflict.hazard_closed


def test_every_signal_kind_of_the_contract_maps_to_a_hazard_source() -> None:
    from typing import get_args

    from tzsb_common.contracts.hazard import SignalKind

    assert set(SIGNAL_SOURCES) == set(get_args(SignalKind))
    assert source_of_signal("refused_fill_filled") is HazardSource.filling
    assert source_of_signal("maintenance_overdue") is HazardSource.maintenance
    assert source_of_signal("a_kind_added_later") is HazardSource.complaint


def test_rectified_within_deadline_counts_the_deadline_day_itself() -> None:
    assert within_deadline(date(2026, 12, 1), date(2026, 12, 1)) is True
    assert within_deadline(date(2026, 12, 2), date(2026, 12, 1)) is False
    assert within_deadline(date(2026, 12, 2), None) is None


# -- supervision orders -------------------------------------------------------------------------


def test_an_order_number_reads_like_the_bureaus_own() -> None:
    assert order_number("市监特令", 2026, 12) == "市监特令〔2026〕第12号"


def covered(unit: uuid.UUID, state: HazardState = S.open) -> CoveredHazard:
    return CoveredHazard(id=uuid.uuid4(), facts=hazard(state), answerable_unit=unit)


def test_an_order_names_every_problem_of_its_request_at_once() -> None:
    unit, other = uuid.uuid4(), uuid.uuid4()
    a, b = covered(unit), covered(other)
    missing = uuid.uuid4()

    violations = order_violations(
        [a.id, b.id, a.id, missing],
        {a.id: a, b.id: b},
        deadline=date(2026, 11, 24),
        today=TODAY,
    )

    assert [(v.field, v.code) for v in violations] == [
        (("deadline",), OrderReason.deadline_in_past),
        (("hazard_ids", 2), OrderReason.duplicate_hazard),
        (("hazard_ids", 3), OrderReason.unknown_hazard),
        (("hazard_ids",), OrderReason.hazards_of_several_units),
    ]


def test_an_order_for_open_hazards_of_one_unit_due_today_is_accepted() -> None:
    unit = uuid.uuid4()
    a, b = covered(unit), covered(unit)

    assert order_violations([a.id, b.id], {a.id: a, b.id: b}, deadline=TODAY, today=TODAY) == []
    assert order_conflict([a, b], today=TODAY) is None


def test_an_order_is_refused_for_a_hazard_that_already_has_one() -> None:
    unit = uuid.uuid4()
    a, issued = covered(unit), covered(unit, S.order_issued)

    assert order_conflict([a, issued], today=TODAY) == (issued.id, HazardConflict.hazard_not_open)


def test_a_hazard_opened_by_hand_names_every_problem_at_once() -> None:
    violations = opening_violations(
        source=HazardSource.inspection,
        deadline=date(2026, 11, 24),
        answerable_known=False,
        today=TODAY,
    )

    assert [(v.field, v.code) for v in violations] == [
        ("source", OpeningReason.source_not_manual),
        ("deadline", OpeningReason.deadline_in_past),
        ("unit_id", OpeningReason.unit_required),
    ]


@pytest.mark.parametrize("source", sorted(MANUAL_SOURCES))
def test_the_bureaus_own_findings_open_a_hazard_due_today(source: HazardSource) -> None:
    assert (
        opening_violations(source=source, deadline=TODAY, answerable_known=True, today=TODAY) == []
    )
