"""Pure decisions about organisations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from registry.equipment.rules import Violation
from tzsb_common.auth import CallerKind, Principal

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015: 31 characters — the digits and the capitals without I, O, Z, S, V."""
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first_17: str) -> str:
    """The 18th character of a unified social credit code (统一社会信用代码), GB 32100-2015 §4."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first_17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a well-formed credit code, else what is wrong with it."""
    if len(code) != 18:
        return "a unified social credit code has 18 characters"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        return f"characters not allowed in a unified social credit code: {''.join(bad)}"
    if credit_code_check_character(code[:17]) != code[17]:
        return "the check character (the 18th) does not match the first 17"
    return None


_SEE_EVERY_ORGANISATION = frozenset({CallerKind.bureau, CallerKind.government_system})


def may_see_organisation(principal: Principal, organisation_id: uuid.UUID) -> bool:
    """The bureau and government systems see every organisation; others only their own."""
    return principal.kind in _SEE_EVERY_ORGANISATION or principal.organisation_id == organisation_id


# -- changes ----------------------------------------------------------------------------------


class OrganisationReason(StrEnum):
    """Why a change was refused. Values are stable API (the `code` of a validation problem)."""

    not_changeable = "not_changeable"
    null_not_allowed = "null_not_allowed"


NOT_CHANGEABLE: dict[str, str] = {
    "credit_code": "the credit code (统一社会信用代码) identifies the organisation",
    "kind": "the kind decides the kind of its clients' tokens",
}
"""Fields a change refuses: an organisation with another of them is another organisation."""
NOT_NULLABLE_ON_UPDATE = frozenset({"name", "region"})


def change_violations(requested: Mapping[str, Any]) -> list[Violation]:
    """What is wrong with a change before the record is even read: the fields sent (`requested`,
    only those) that a change may not touch, or may not clear."""
    violations = [
        Violation(
            (field,),
            OrganisationReason.not_changeable,
            f"{why}: it cannot change; a different one is a new organisation "
            "(POST /api/v1/organisations)",
        )
        for field, why in NOT_CHANGEABLE.items()
        if field in requested
    ]
    violations += [
        Violation((field,), OrganisationReason.null_not_allowed, "this field cannot be null")
        for field in sorted(NOT_NULLABLE_ON_UPDATE)
        if field in requested and requested[field] is None
    ]
    return violations


def changed_fields(requested: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The fields sent whose value differs from the record's, in a stable order."""
    return sorted(field for field, value in requested.items() if value != current[field])
