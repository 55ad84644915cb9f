from __future__ import annotations

from pathlib import Path

import pytest

from reporting.main import create_app
from reporting.settings import ReportingSettings
from tzsb_common.testing import ServiceUnderTest

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(ReportingSettings, create_app, MIGRATIONS)
