from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry.main import create_app
from registry.settings import RegistrySettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing import ServiceUnderTest

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(RegistrySettings, create_app, MIGRATIONS)


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    # The registry signs with the same test key the token factory uses.
    return {"signing_key_pem": test_signing_key.to_pem().decode()}
