from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.organisations.schemas import OrganisationKind
from tzsb_common.json_bodies import StrictModel

Scope = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
"""e.g. `registry:write`: lower-case, no spaces (a token carries them space-separated)."""


class ClientCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(default="api", min_length=1, max_length=100, description="客户端名称")
    scopes: list[Scope] = Field(
        default_factory=list,
        max_length=50,
        description="Scopes the client may ask for; its tokens carry them",
    )


class ClientCreated(BaseModel):
    """The secret is shown once, here; only its hash is stored."""

    client_id: str
    client_secret: str
    organisation_id: uuid.UUID
    kind: OrganisationKind
    name: str
    scopes: list[str]
    created_at: datetime


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105  (RFC 6749 token type, not a secret)
    expires_in: int
    scope: str


class RevokedClients(BaseModel):
    revoked_client_ids: list[str] = Field(description="Refuse tokens whose `sub` is one of these")
