from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI

from elevator_maintenance.main import create_app
from elevator_maintenance.settings import ElevatorMaintenanceSettings
from maintenance_factories import (
    World,
    certificate_snapshot,
    contract_snapshot,
    elevator_snapshot,
    seed,
)
from tzsb_common.auth import CallerKind
from tzsb_common.testing import ServiceUnderTest, TokenFactory

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(ElevatorMaintenanceSettings, create_app, MIGRATIONS)


@pytest.fixture
async def world(app: FastAPI, tokens: TokenFactory) -> World:
    company = uuid.uuid4()
    lift = elevator_snapshot()
    certificate = certificate_snapshot(company)
    await seed(
        app,
        elevators=[lift],
        contracts=[contract_snapshot(company, [lift["equipment_code"]])],
        certificates=[certificate],
    )
    return World(
        company=company,
        headers=tokens.headers(CallerKind.maintenance_company, organisation_id=company),
        elevator=lift["equipment_code"],
        certificate=certificate["number"],
    )
