"""Every service's Alembic history builds exactly the tables its code declares, and unwinds."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from tzsb_common.migrations import downgrade_to_base, upgrade_to_head
from tzsb_common.testing import DatabaseFactory
from tzsb_platform.services import SERVICES, ServiceSpec


def _metadata(package: str) -> MetaData:
    metadata: MetaData = importlib.import_module(f"{package}.db").load_metadata()
    return metadata


def _differences(connection: Any, metadata: MetaData) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


@pytest.mark.parametrize("service", SERVICES, ids=lambda spec: spec.name)
async def test_migrations_build_the_declared_schema_and_downgrade_cleanly(
    service: ServiceSpec, database_factory: DatabaseFactory
) -> None:
    migrations = service.migrations_dir
    name = f"mig_{uuid.uuid4().hex[:10]}"
    await database_factory.admin_execute(f'CREATE DATABASE "{name}"')
    url = database_factory.url(name)
    try:
        upgrade_to_head(migrations, url)
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(_differences, _metadata(service.package))
            assert diff == [], f"models and migrations of {service.name} differ: {diff}"
        finally:
            await engine.dispose()
        downgrade_to_base(migrations, url)
        upgrade_to_head(migrations, url)
    finally:
        await database_factory.drop(name)
