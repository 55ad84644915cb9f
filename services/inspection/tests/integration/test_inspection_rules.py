"""GET/PUT /api/v1/inspection-rules: every caller reads, the bureau replaces the table, each
change is audited and conditional on the version read."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def read_rules(client: httpx.AsyncClient, tokens: TokenFactory) -> httpx.Response:
    return await client.get(
        "/api/v1/inspection-rules", headers=tokens.headers(CallerKind.inspection_agency)
    )


async def test_the_seeded_rules_are_readable_by_every_caller_with_their_version(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answer = await read_rules(client, tokens)

    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"v1"'
    body = answer.json()
    elevator = [r for r in body["rules"] if r["schedule"] == "elevator_years"]
    assert elevator == [
        {
            "category": "3000",
            "variety": None,
            "safety_grade": None,
            "schedule": "elevator_years",
            "interval_months": 12,
            "max_interval_months": 12,
            "first_inspection_months": 12,
            "monitored_use_max_months": None,
            "inspection_years": [1, 4, 7, 9, 11, 13, 15],
            "early_inspection_months": 2,
            "legal_source": "TSG T7001-2023 电梯监督检验和定期检验规则; TSG T7008-2023 自行检测",
            "valid_from": "2024-04-02",
        }
    ]
    again = await client.get(
        "/api/v1/inspection-rules",
        headers={**tokens.headers(CallerKind.use_unit), "If-None-Match": '"v1"'},
    )
    assert again.status_code == 304
    assert (await client.get("/api/v1/inspection-rules")).status_code == 401


async def test_the_bureau_replaces_the_rules_and_the_change_is_audited(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    rules: list[dict[str, Any]] = (await read_rules(client, tokens)).json()["rules"]
    crane = next(r for r in rules if r["category"] == "4000" and r["variety"] is None)
    changed = [*rules, {**crane, "interval_months": 12, "max_interval_months": 12,
                        "valid_from": "2026-05-01", "legal_source": "TSG 08—2026"}]  # fmt: skip

    answer = await client.put(
        "/api/v1/inspection-rules",
        json={"rules": changed},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )
    stale = await client.put(
        "/api/v1/inspection-rules",
        json={"rules": rules},
        headers={**tokens.bureau(), "If-Match": '"v1"'},
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"v2"'
    assert len(answer.json()["rules"]) == len(rules) + 1
    assert stale.status_code == 412
    async with app.state.database.connection() as conn:
        audit = await conn.fetch(
            "SELECT version, client_id, previous, rules FROM inspection_rule_changes "
            "ORDER BY version"
        )
    assert [row["version"] for row in audit] == [1, 2]
    assert audit[1]["client_id"] == "test-bureau"
    assert len(audit[1]["previous"]) == len(rules)
    assert audit[1]["rules"][-1]["legal_source"] == "TSG 08—2026"


async def test_only_the_bureau_changes_the_rules(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    rules = (await read_rules(client, tokens)).json()["rules"]
    for kind in (CallerKind.inspection_agency, CallerKind.use_unit, CallerKind.government_system):
        answer = await client.put(
            "/api/v1/inspection-rules", json={"rules": rules}, headers=tokens.headers(kind)
        )
        assert answer.status_code == 403


async def test_an_inconsistent_table_is_refused_naming_each_row_and_field(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    rules = (await read_rules(client, tokens)).json()["rules"]
    broken = [
        *rules,
        rules[0],
        {**rules[0], "variety": "9110", "valid_from": "2030-01-01"},
        {**rules[0], "interval_months": 0},
    ]

    answer = await client.put(
        "/api/v1/inspection-rules", json={"rules": broken}, headers=tokens.bureau()
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    [range_error] = answer.json()["errors"]
    assert range_error["field"] == f"rules.{len(rules) + 2}.interval_months"

    broken[-1] = {**rules[0], "valid_from": "2031-01-01"}
    answer = await client.put(
        "/api/v1/inspection-rules", json={"rules": broken}, headers=tokens.bureau()
    )
    assert answer.status_code == 422
    errors = [(e["field"], e["code"]) for e in answer.json()["errors"]]
    assert errors == [
        (f"rules.{len(rules)}.valid_from", "duplicate_rule"),
        (f"rules.{len(rules) + 1}.variety", "variety_not_in_category"),
    ]
