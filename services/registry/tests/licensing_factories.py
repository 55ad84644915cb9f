"""Valid request bodies for licences, maintenance contracts and personnel certificates, and the
organisations and elevators they need, for the registry's tests."""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any

import httpx

import registry_factories as make
from registry.certificates.rules import id_number_check_character
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

_serial = itertools.count(1)


def id_number(birth_date: str = "19900307") -> str:
    """A resident identity number with a valid check character (兰州市城关区, 620102)."""
    body = f"620102{birth_date}{random.randrange(1000):03d}"
    return body + id_number_check_character(body)


def equipment_code(variety: str) -> str:
    return f"{variety}{random.randrange(10**14):014d}"


def licence(organisation_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation_id": organisation_id,
        "number": f"TS3162{next(_serial):03d}-{uuid.uuid4().hex[:6]}",
        "kind": "maintenance",
        "scope": ["3000"],
        "valid_from": "2026-01-01",
        "valid_to": "2029-12-31",
    }
    body.update(overrides)
    return body


def contract(company_id: str, equipment_codes: list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "maintenance_company_id": company_id,
        "equipment_codes": equipment_codes,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
    }
    body.update(overrides)
    return body


def certificate(employer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": f"T{next(_serial):04d}{uuid.uuid4().hex[:8]}",
        "holder_name": "张三",
        "id_number": id_number(),
        "item": "T",
        "employer_id": employer_id,
        "valid_from": "2026-01-01",
        "valid_to": "2029-12-31",
    }
    body.update(overrides)
    return body


async def organisation(client: httpx.AsyncClient, tokens: TokenFactory, kind: str) -> str:
    answer = await client.post(
        "/api/v1/organisations", json=make.organisation(kind=kind), headers=tokens.bureau()
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def elevator(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit_id: str, **overrides: Any
) -> str:
    body = make.elevator(use_unit_id, **overrides)
    answer = await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    assert answer.status_code == 201, answer.text
    return str(body["equipment_code"])


def caller(tokens: TokenFactory, kind: CallerKind, organisation_id: str) -> dict[str, str]:
    return tokens.headers(kind, organisation_id=uuid.UUID(organisation_id))
