"""Valid request bodies with overrides, for the registry's tests."""

from __future__ import annotations

import itertools
import random
from typing import Any

from registry.organisations.rules import CREDIT_CODE_ALPHABET, credit_code_check_character

_serial = itertools.count(1)


def credit_code(seed: int | None = None) -> str:
    rng = random.Random(seed)
    body = "91" + "620100" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


def organisation(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "credit_code": credit_code(),
        "name": f"兰州新区测试使用单位{next(_serial)}",
        "kind": "use_unit",
        "region": {
            "province": "甘肃省",
            "city": "兰州市",
            "district": "兰州新区",
            "park": "中川园区",
        },
        "address": "兰州新区中川园区纬一路 1 号",
    }
    body.update(overrides)
    return body


def equipment_code() -> str:
    return f"3110{random.randrange(10**14):014d}"


def elevator(use_unit_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "equipment_code": equipment_code(),
        "category": "3000",
        "variety": "3110",
        "use_unit_id": use_unit_id,
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "park": "中川园区",
        "registration_number": "梯11甘A00001(26)",
        "manufacturer": "兰州电梯制造有限公司",
        "factory_number": "F2026-0001",
        "manufactured_on": "2025-06-01",
        "commissioned_on": "2026-01-15",
        "address": "兰州新区中川园区纬一路 1 号 1 号楼",
        "lat": 36.51,
        "lon": 103.62,
        "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
        "rescue_code": "62010012345",
        "rescue_sign_posted": True,
    }
    body.update(overrides)
    return body
