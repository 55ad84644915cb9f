"""The bureau's first credential: created once, on the platform's first start.

No default password exists anywhere: the secret is generated here, shown once in a file only
its owner can read, and stored hashed.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from registry.clients import service as clients_service
from registry.clients.schemas import ClientCreate
from registry.db import load_metadata
from registry.organisations.schemas import OrganisationKind
from registry.organisations.tables import organisations
from tzsb_common.db import async_url

BUREAU_CLIENT_FILE = "bureau-client.json"
BUREAU_NAME = "市场监督管理局"


async def ensure_bureau_client(
    database_url: str, state_dir: Path, token_url: str
) -> tuple[Path, bool]:
    """Create the bureau organisation and an API client for it unless the file exists.

    Returns the credential file and whether it was created by this call.
    """
    load_metadata()
    path = state_dir / BUREAU_CLIENT_FILE
    if path.exists():
        return path, False
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            bureau_id = await conn.scalar(
                select(organisations.c.id)
                .where(organisations.c.kind == OrganisationKind.bureau.value)
                .order_by(organisations.c.created_at)
                .limit(1)
            )
            if bureau_id is None:
                bureau_id = uuid.uuid4()
                await conn.execute(
                    organisations.insert().values(
                        id=bureau_id, name=BUREAU_NAME, kind=OrganisationKind.bureau.value
                    )
                )
                await conn.commit()
        async with async_sessionmaker(engine)() as session:
            client = await clients_service.create_client(
                session,
                organisation_id=bureau_id,
                data=ClientCreate(name="bureau-bootstrap"),
                max_clients=None,
            )
    finally:
        await engine.dispose()
    document = {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "token_url": token_url,
        "organisation_id": str(bureau_id),
    }
    await asyncio.to_thread(_write_private_json, path, document)
    return path, True


def _write_private_json(path: Path, document: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL with 0600: the secret never exists in a file others could read, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
