from __future__ import annotations

import pytest

from registry.organisations.rules import CREDIT_CODE_ALPHABET, credit_code_problem

# Unified social credit codes printed on public business licences.
PUBLISHED_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_are_accepted(code: str) -> None:
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_any_single_changed_character_is_caught_by_the_check_character(code: str) -> None:
    for position in range(18):
        for replacement in CREDIT_CODE_ALPHABET:
            if replacement == code[position]:
                continue
            altered = code[:position] + replacement + code[position + 1 :]
            assert credit_code_problem(altered) is not None, altered


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M0001OOY43", "not allowed"),
        ("91350100m000100Y43", "not allowed"),
    ],
)
def test_malformed_credit_codes_say_what_is_wrong(code: str, reason: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert reason in problem
