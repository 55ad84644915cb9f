from __future__ import annotations

from registry.organisations.rules import OrganisationReason, change_violations, changed_fields


def test_identity_fields_are_refused_whatever_their_value() -> None:
    violations = change_violations({"credit_code": None, "kind": "use_unit", "name": "新名称"})
    assert [(v.field, v.code) for v in violations] == [
        (("credit_code",), OrganisationReason.not_changeable),
        (("kind",), OrganisationReason.not_changeable),
    ]
    assert "new organisation" in violations[0].message


def test_name_and_region_cannot_be_cleared_but_an_address_can() -> None:
    violations = change_violations({"name": None, "region": None, "address": None})
    assert [(v.field, v.code) for v in violations] == [
        (("name",), OrganisationReason.null_not_allowed),
        (("region",), OrganisationReason.null_not_allowed),
    ]
    assert change_violations({"address": None, "name": "新名称"}) == []


def test_only_fields_whose_value_differs_are_changed() -> None:
    current = {"name": "甲", "address": None, "region": {"province": "甘肃省", "park": None}}
    requested = {"name": "甲", "address": "纬一路 1 号", "region": {"province": "甘肃省"}}
    assert changed_fields(requested, current) == ["address", "region"]
