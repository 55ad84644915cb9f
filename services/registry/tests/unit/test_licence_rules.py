"""Licences: who holds which kind, what its scope names, which status changes are allowed."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from registry.licences.rules import (
    NoLicenceAccess,
    action_that_led_to,
    holder_violation,
    next_status,
    readable_holder,
    scope_violations,
    transition_violation,
)
from registry.licences.schemas import LicenceAction, LicenceKind, LicenceStatus
from registry.validity import day_violation, validity_violations
from tzsb_common.auth import CallerKind, Principal

ACTIVE, SUSPENDED, REVOKED = LicenceStatus.active, LicenceStatus.suspended, LicenceStatus.revoked
SUSPEND, REINSTATE, REVOKE = LicenceAction.suspend, LicenceAction.reinstate, LicenceAction.revoke


@pytest.mark.parametrize(
    ("current", "action", "after"),
    [
        (ACTIVE, SUSPEND, SUSPENDED),
        (SUSPENDED, REINSTATE, ACTIVE),
        (ACTIVE, REVOKE, REVOKED),
        (SUSPENDED, REVOKE, REVOKED),
    ],
)
def test_allowed_transitions_lead_where_they_should(
    current: LicenceStatus, action: LicenceAction, after: LicenceStatus
) -> None:
    assert next_status(current, action) is after
    assert transition_violation(current, action) is None
    assert action_that_led_to(after) is action


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (ACTIVE, REINSTATE),
        (SUSPENDED, SUSPEND),
        (REVOKED, REINSTATE),
        (REVOKED, SUSPEND),
        (REVOKED, REVOKE),
    ],
)
def test_a_revoked_licence_is_final_and_no_action_repeats_itself(
    current: LicenceStatus, action: LicenceAction
) -> None:
    assert next_status(current, action) is None
    violation = transition_violation(current, action)
    assert violation is not None
    assert violation.code == "transition_not_allowed"


@pytest.mark.parametrize(
    ("kind", "organisation_kind"),
    [
        (LicenceKind.maintenance, "maintenance_company"),
        (LicenceKind.installation, "maintenance_company"),
        (LicenceKind.filling, "filling_station"),
        (LicenceKind.inspection, "inspection_agency"),
    ],
)
def test_each_kind_of_licence_fits_its_kind_of_organisation(
    kind: LicenceKind, organisation_kind: str
) -> None:
    assert holder_violation(kind, organisation_kind) is None
    wrong = holder_violation(kind, "use_unit")
    assert wrong is not None
    assert wrong.code == "kind_does_not_fit_organisation"


def test_a_filling_licence_for_a_maintenance_company_is_refused() -> None:
    violation = holder_violation(LicenceKind.filling, "maintenance_company")
    assert violation is not None
    assert violation.field == ("organisation_id",)


def test_an_unregistered_holder_is_refused() -> None:
    violation = holder_violation(LicenceKind.filling, None)
    assert violation is not None
    assert violation.code == "unknown_organisation"


def test_a_filling_scope_names_media_and_other_scopes_name_categories() -> None:
    assert scope_violations(LicenceKind.filling, ["LPG", "O2", "C2H2"]) == []
    assert scope_violations(LicenceKind.maintenance, ["3000", "4000"]) == []
    crossed = scope_violations(LicenceKind.filling, ["LPG", "3000"])
    assert [(v.field, v.code) for v in crossed] == [(("scope", 1), "unknown_scope_item")]
    media = scope_violations(LicenceKind.maintenance, ["LPG"])
    assert [v.code for v in media] == ["unknown_scope_item"]


def test_an_item_named_twice_is_refused_at_its_second_place() -> None:
    violations = scope_violations(LicenceKind.filling, ["O2", "N2", "O2"])
    assert [(v.field, v.code) for v in violations] == [(("scope", 2), "duplicate_scope_item")]


def test_a_validity_period_is_ordered_plausible_and_bounded() -> None:
    assert validity_violations(date(2026, 1, 1), date(2029, 12, 31)) == []
    assert validity_violations(date(2026, 1, 1), date(2026, 1, 1)) == []
    reversed_ = validity_violations(date(2026, 1, 1), date(2025, 12, 31))
    assert [(v.field, v.code) for v in reversed_] == [(("valid_to",), "dates_inconsistent")]
    ancient = validity_violations(date(1, 1, 1), date(2026, 1, 1))
    assert ("valid_from",) in [v.field for v in ancient]
    endless = validity_violations(date(2026, 1, 1), date(9999, 12, 31))
    assert [(v.field, v.code) for v in endless] == [(("valid_to",), "date_out_of_range")]
    assert validity_violations(date(2024, 2, 29), date(2034, 2, 28)) == []
    assert validity_violations(date(9999, 1, 1), date(9999, 12, 31)) == []


def test_a_single_day_must_be_plausible() -> None:
    today = date(2026, 11, 26)
    assert day_violation("effective_on", today, today=today) is None
    far = day_violation("effective_on", date(9999, 1, 1), today=today)
    assert far is not None
    assert far.field == ("effective_on",)
    assert day_violation("effective_on", date(1, 1, 1), today=today) is not None


def test_companies_and_stations_read_their_own_licences_use_units_none() -> None:
    def caller(kind: CallerKind) -> Principal:
        return Principal(client_id="c", organisation_id=uuid.uuid4(), kind=kind)

    for kind in (CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency):
        assert readable_holder(caller(kind)) is None
    for kind in (CallerKind.maintenance_company, CallerKind.filling_station):
        me = caller(kind)
        assert readable_holder(me) == me.organisation_id
    with pytest.raises(NoLicenceAccess):
        readable_holder(caller(CallerKind.use_unit))
