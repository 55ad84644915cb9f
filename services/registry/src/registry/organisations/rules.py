"""Pure decisions about organisations."""

from __future__ import annotations

import uuid

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
