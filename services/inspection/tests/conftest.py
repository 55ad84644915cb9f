from __future__ import annotations

from pathlib import Path

import pytest

from inspection.main import create_app
from inspection.settings import InspectionSettings
from tzsb_common.testing import ServiceUnderTest

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(InspectionSettings, create_app, MIGRATIONS)
