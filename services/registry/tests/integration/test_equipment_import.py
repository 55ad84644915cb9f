"""`POST /api/v1/equipment/import`: a bureau's register in, one answer per row out."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import import_sheets as sheet
import registry_factories as make
from registry.equipment_import import service as import_service
from registry.equipment_import.service import ChunkFailed
from tzsb_common.auth import CallerKind
from tzsb_common.pg import Database
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory

CSV = {"Content-Type": "text/csv"}
XLSX = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {"signing_key_pem": test_signing_key.to_pem().decode(), "import_chunk_size": 3}


@pytest.fixture
async def use_unit(client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


async def stored_codes(app: FastAPI) -> set[str]:
    async with database(app).connection() as conn:
        rows = await conn.fetch("SELECT equipment_code FROM equipment")
    return {row["equipment_code"] for row in rows}


async def created_events(app: FastAPI) -> dict[str, dict[str, Any]]:
    async with database(app).connection() as conn:
        rows = await conn.fetch("SELECT key, topic, event FROM outbox ORDER BY id")
    events: dict[str, dict[str, Any]] = {}
    for row in rows:
        event = row["event"]
        if event["type"] == "tzsb.registry.equipment.created.v1":
            assert row["key"] not in events, "one created event per equipment"
            assert row["topic"].endswith("tzsb.registry.equipment")
            events[row["key"]] = event
    return events


async def post_import(
    client: httpx.AsyncClient, tokens: TokenFactory, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        "/api/v1/equipment/import", content=content, headers={**tokens.bureau(), **headers}
    )


async def test_csv_import_stores_the_good_rows_with_events_and_refuses_the_bad_ones(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    good = [sheet.elevator_row(credit) for _ in range(4)] + [sheet.vessel_row(credit)]
    bad = [
        sheet.elevator_row(credit, 设备品种="飞行汽车"),  # row 7
        sheet.elevator_row(credit, 纬度="north"),  # row 8
        sheet.elevator_row(credit, 使用单位统一社会信用代码=make.credit_code()),  # row 9
        sheet.elevator_row(credit, 制造日期="2025-06-01", 投入使用日期="2025-01-01"),  # row 10
        sheet.elevator_row(credit, **{"额定载重量(kg)": -5}),  # row 11
        sheet.elevator_row(credit, 设备代码=good[0]["设备代码"]),  # row 12: repeats row 2
    ]
    content = sheet.csv_bytes(good + bad)
    response = await post_import(client, tokens, content, CSV)
    assert response.status_code == 200, response.text
    answer = response.json()
    rows = {r["row"]: r for r in answer["rows"]}
    assert sorted(rows) == list(range(2, 13))
    assert all(rows[n]["status"] == "imported" for n in range(2, 7))
    assert all(rows[n]["status"] == "refused" for n in range(7, 13))

    def errors(row: int) -> list[tuple[str, str]]:
        return [(e["field"], e["code"]) for e in rows[row]["errors"]]

    assert errors(7) == [("设备品种", "unknown_variety")]
    assert errors(8) == [("纬度", "float_type")]
    assert errors(9) == [("使用单位统一社会信用代码", "unknown_use_unit")]
    assert errors(10) == [("制造日期", "dates_inconsistent")]
    assert errors(11) == [("额定载重量(kg)", "greater_than")]
    assert errors(12) == [("设备代码", "duplicate_code")]
    assert answer["summary"] == {
        "rows": 11,
        "imported": 5,
        "replayed": 0,
        "refused": 6,
        "header_row": 1,
        "ignored_columns": ["序号"],
    }

    good_codes = {row["设备代码"] for row in good}
    assert await stored_codes(app) == good_codes
    events = await created_events(app)
    assert set(events) == good_codes
    vessel = events[good[4]["设备代码"]]["data"]["equipment"]
    assert vessel["category"] == "2000"
    assert vessel["attributes"] == {"safety_grade": 2}
    assert vessel["use_unit_id"] == use_unit["id"]
    assert vessel["version"] == 1
    elevator = await client.get(f"/api/v1/equipment/{good[0]['设备代码']}", headers=tokens.bureau())
    assert elevator.json()["attributes"] == {
        "rated_load_kg": 1000,
        "rated_speed_ms": 1.75,
        "stops": 18,
    }
    assert elevator.json()["manufactured_on"] == "2025-06-01"
    assert elevator.json()["region"]["district"] == "兰州新区"


async def test_xlsx_import_reads_typed_cells_below_a_title_row(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    good = [sheet.elevator_row(credit), sheet.vessel_row(credit)]
    bad = [
        # Excel keeps 15 digits of a number: an 18-digit code stored as one is already wrong.
        sheet.elevator_row(credit, 设备代码=311012345678901234),
        sheet.elevator_row(credit, 层站数=1.5),
        sheet.vessel_row(credit, 安全状况等级=7),
    ]
    content = sheet.xlsx_bytes(good + bad, title="兰州新区特种设备台账（2026年）")
    response = await post_import(client, tokens, content, XLSX)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["summary"]["header_row"] == 3
    rows = {r["row"]: r for r in answer["rows"]}
    assert [rows[n]["status"] for n in (4, 5)] == ["imported", "imported"]
    assert [(e["field"], e["code"]) for e in rows[6]["errors"]] == [("设备代码", "not_text")]
    assert [e["field"] for e in rows[7]["errors"]] == ["层站数"]
    assert [(e["field"], e["code"]) for e in rows[8]["errors"]] == [
        ("安全状况等级", "less_than_equal")
    ]
    assert await stored_codes(app) == {row["设备代码"] for row in good}
    stored = (
        await client.get(f"/api/v1/equipment/{good[0]['设备代码']}", headers=tokens.bureau())
    ).json()
    assert stored["commissioned_on"] == "2026-01-15"
    assert stored["attributes"]["stops"] == 18


async def test_gb18030_csv_with_english_headers_is_read(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    headers = (
        "equipment_code",
        "variety",
        "use_unit_name",
        "province",
        "city",
        "district",
        "rated_load_kg",
        "rated_speed_ms",
        "stops",
    )
    row = {
        "equipment_code": sheet.code(),
        "variety": "3110",
        "use_unit_name": use_unit["name"],
        "province": "甘肃省",
        "city": "兰州市",
        "district": "兰州新区",
        "rated_load_kg": "800",
        "rated_speed_ms": "1.5",
        "stops": "12",
    }
    content = sheet.csv_bytes([row], encoding="gb18030", headers=headers)
    response = await post_import(client, tokens, content, CSV)
    assert response.status_code == 200, response.text
    assert response.json()["rows"][0]["status"] == "imported", response.text
    stored = (
        await client.get(f"/api/v1/equipment/{row['equipment_code']}", headers=tokens.bureau())
    ).json()
    assert stored["region"]["city"] == "兰州市"
    assert stored["attributes"] == {"rated_load_kg": 800, "rated_speed_ms": 1.5, "stops": 12}


async def test_a_file_uploaded_again_is_replayed_and_writes_nothing_new(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    rows = [sheet.elevator_row(credit) for _ in range(4)]
    first = await post_import(client, tokens, sheet.csv_bytes(rows), CSV)
    assert first.json()["summary"]["imported"] == 4
    events_before = await created_events(app)

    changed = [*rows[:3], {**rows[3], "出厂编号": "F-OTHER"}]
    again = await post_import(client, tokens, sheet.csv_bytes(changed), CSV)
    assert again.status_code == 200
    answers = again.json()["rows"]
    assert [(a["status"], a["replayed"]) for a in answers[:3]] == [("imported", True)] * 3
    assert answers[3]["status"] == "refused"
    assert answers[3]["errors"][0]["code"] == "duplicate_code"
    assert again.json()["summary"]["replayed"] == 3
    assert await created_events(app) == events_before


async def test_a_code_registered_one_by_one_is_a_duplicate_in_an_import(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    body = make.elevator(use_unit["id"])
    assert (
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    ).status_code == 201
    row = sheet.elevator_row(use_unit["credit_code"], 设备代码=body["equipment_code"])
    answer = (await post_import(client, tokens, sheet.csv_bytes([row]), CSV)).json()
    assert answer["rows"][0]["errors"][0]["code"] == "duplicate_code"


async def test_progress_streams_as_ndjson_when_asked_for(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    rows = [sheet.elevator_row(credit) for _ in range(5)] + [sheet.elevator_row(credit, 省=None)]
    response = await client.post(
        "/api/v1/equipment/import",
        content=sheet.csv_bytes(rows),
        headers={**tokens.bureau(), **CSV, "Accept": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    kinds = [line["type"] for line in lines]
    # chunks of 3: progress, its rows; progress, its rows; the summary
    assert kinds == ["progress", *["row"] * 3, "progress", *["row"] * 3, "summary"]
    assert lines[0]["rows_done"] == 3
    assert lines[0]["rows_total"] == 6
    assert lines[4]["imported"] == 5
    assert lines[4]["refused"] == 1
    assert lines[-1]["imported"] == 5
    refused = [line for line in lines if line["type"] == "row" and line["status"] == "refused"]
    assert refused[0]["row"] == 7
    assert refused[0]["errors"][0]["field"] == "省"


@pytest.mark.parametrize(
    "kind", [CallerKind.use_unit, CallerKind.maintenance_company, CallerKind.installer]
)
async def test_a_caller_who_may_not_write_is_refused_before_the_upload_is_read(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    response = await client.post(
        "/api/v1/equipment/import",
        content=b"\x00garbage",
        headers={**tokens.headers(kind), "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    without_token = await client.post("/api/v1/equipment/import", content=b"x", headers=CSV)
    assert without_token.status_code == 401


async def test_a_government_system_needs_the_write_scope(
    client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    content = sheet.csv_bytes([sheet.elevator_row(use_unit["credit_code"])])
    reader = await client.post(
        "/api/v1/equipment/import",
        content=content,
        headers={**tokens.headers(CallerKind.government_system), **CSV},
    )
    assert reader.status_code == 403
    writer = await client.post(
        "/api/v1/equipment/import",
        content=content,
        headers={
            **tokens.headers(CallerKind.government_system, scopes=("registry:write",)),
            **CSV,
        },
    )
    assert writer.status_code == 200
    assert writer.json()["summary"]["imported"] == 1


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b'{"equipment_code": 1}', {"Content-Type": "application/json"}, 415, None),
        (b"", CSV, 422, "empty_file"),
        ("设备代码,省\n311000000000000001,甘肃省\n".encode(), CSV, 422, "missing_column"),
        ("名称,地址\n甲,乙\n".encode(), CSV, 422, "missing_column"),
        (b"PK\x03\x04not really a workbook", XLSX, 422, "unreadable_file"),
        (b"\xff\xfe\xfd\x81\x30", CSV, 422, "unreadable_file"),
    ],
)
async def test_an_upload_that_is_not_a_register_is_a_problem(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    content: bytes,
    headers: dict[str, str],
    status: int,
    code: str | None,
) -> None:
    response = await post_import(client, tokens, content, headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert {e["code"] for e in response.json()["errors"]} == {code}


class TestLimits:
    @pytest.fixture
    def settings_overrides(self, test_signing_key: SigningKey) -> dict[str, Any]:
        return {
            "signing_key_pem": test_signing_key.to_pem().decode(),
            "import_max_rows": 3,
            "import_max_bytes": 4_000,
        }

    async def test_rows_and_bytes_over_the_limits_are_413_and_nothing_is_written(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        tokens: TokenFactory,
        use_unit: dict[str, Any],
    ) -> None:
        rows = [sheet.elevator_row(use_unit["credit_code"]) for _ in range(4)]
        too_many = await post_import(client, tokens, sheet.csv_bytes(rows), CSV)
        assert too_many.status_code == 413
        assert too_many.json()["max_rows"] == 3
        assert too_many.json()["rows"] == 4

        padded = [{**row, "序号": "备注" * 1_000} for row in rows[:2]]
        content = sheet.csv_bytes(padded)
        assert len(content) > 4_000
        too_large = await post_import(client, tokens, content, CSV)
        assert too_large.status_code == 413
        assert too_large.json()["max_bytes"] == 4_000
        assert await stored_codes(app) == set()


async def test_a_row_the_database_cannot_store_is_refused_alone(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    rows = [
        sheet.elevator_row(credit),
        sheet.elevator_row(credit, 设备地址="纬一路\x001 号"),
        sheet.elevator_row(credit),
    ]
    answer = (await post_import(client, tokens, sheet.csv_bytes(rows), CSV)).json()
    assert [r["status"] for r in answer["rows"]] == ["imported", "refused", "imported"]
    assert answer["rows"][1]["errors"][0]["code"] == "unstorable_value"
    assert await stored_codes(app) == {rows[0]["设备代码"], rows[2]["设备代码"]}
    assert set(await created_events(app)) == {rows[0]["设备代码"], rows[2]["设备代码"]}


async def test_a_chunk_that_fails_leaves_nothing_of_itself_and_keeps_the_chunks_before(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, use_unit: dict[str, Any]
) -> None:
    credit = use_unit["credit_code"]
    rows = [sheet.elevator_row(credit) for _ in range(6)]
    doomed = rows[4]["设备代码"]  # the second chunk of three
    async with database(app).connection() as conn:
        # A failure the import cannot foresee, raised by the database in the middle of the
        # second chunk's COPY into the equipment table.
        await conn.execute(
            f"""
            CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.equipment_code = '{doomed}' THEN RAISE EXCEPTION 'disk on fire'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_one BEFORE INSERT ON equipment
            FOR EACH ROW EXECUTE FUNCTION refuse_one();
            """
        )
    prepared = await import_service.prepare_import(
        sheet.csv_bytes(rows), max_unpacked_bytes=1 << 20
    )
    answered: list[int] = []

    async def run_import() -> None:
        async for chunk in import_service.import_equipment(
            app.state.settings, app.state.outbox, prepared, chunk_size=3
        ):
            answered.extend(r.row for r in chunk.results)

    with pytest.raises(ChunkFailed) as failure:
        await run_import()
    assert failure.value.first_row == 5
    assert answered == [2, 3, 4]
    first_chunk = {row["设备代码"] for row in rows[:3]}
    assert await stored_codes(app) == first_chunk
    assert set(await created_events(app)) == first_chunk
    async with database(app).connection() as conn:
        keys = await conn.fetch("SELECT client_key FROM equipment_import_keys")
    assert {key["client_key"].split(":")[0] for key in keys} == first_chunk

    # Over HTTP, as a stream, the same failure is the last line.
    response = await client.post(
        "/api/v1/equipment/import",
        content=sheet.csv_bytes(rows),
        headers={**tokens.bureau(), **CSV, "Accept": "application/x-ndjson"},
    )
    last = json.loads(response.text.splitlines()[-1])
    assert last["type"] == "error"
    assert last["row"] == 5
    assert await stored_codes(app) == first_chunk
