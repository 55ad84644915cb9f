"""The number of errors a validation problem lists is a setting."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {"signing_key_pem": test_signing_key.to_pem().decode(), "max_validation_errors": 3}


async def test_the_listed_errors_are_bounded_by_a_setting(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    body = {"credit_code": 1, "name": 2, "kind": 3, "region": 4, "address": 5}
    response = await client.post("/api/v1/organisations", json=body, headers=tokens.bureau())
    problem = response.json()
    assert response.status_code == 422
    assert len(problem["errors"]) == 3
    assert problem["errors_omitted"] == 2
    assert problem["detail"] == "5 fields are invalid"
