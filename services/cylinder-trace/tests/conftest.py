from __future__ import annotations

from pathlib import Path

import pytest

from cylinder_trace.main import create_app
from cylinder_trace.settings import CylinderTraceSettings
from tzsb_common.testing import ServiceUnderTest

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(CylinderTraceSettings, create_app, MIGRATIONS)
