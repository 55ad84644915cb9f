from __future__ import annotations

from pathlib import Path

import pytest

from elevator_maintenance.main import create_app
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from tzsb_common.testing import ServiceUnderTest

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(ElevatorMaintenanceSettings, create_app, MIGRATIONS)
