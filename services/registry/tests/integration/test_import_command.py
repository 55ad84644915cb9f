"""`python -m tzsb_platform import equipment FILE`: the import from the shell, end to end."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

import import_sheets as sheet
import registry_factories as make
from tzsb_common.pg import Database
from tzsb_common.settings import REPO_ROOT
from tzsb_common.testing import TokenFactory


async def run_command(database_url: str, *arguments: str) -> tuple[int, str, str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_TOPIC_PREFIX": "cli.",
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tzsb_platform",
        "import",
        *arguments,
        cwd=REPO_ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_command_imports_a_workbook_prints_the_refused_rows_and_a_summary(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    database_url: str,
    tmp_path: Path,
) -> None:
    unit: dict[str, Any] = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()
    rows = [sheet.elevator_row(unit["credit_code"]) for _ in range(5)]
    rows.append(sheet.elevator_row(unit["credit_code"], 设备品种="飞行汽车"))
    register = tmp_path / "台账.xlsx"
    register.write_bytes(sheet.xlsx_bytes(rows))

    code, out, err = await run_command(
        database_url, "equipment", str(register), "--chunk-size", "2"
    )
    assert code == 0, err
    assert f"row 7\t{rows[5]['设备代码']}\t设备品种\tunknown_variety" in out
    assert "6 rows: 5 imported (0 of them already before), 1 refused" in out
    assert "rows" in err  # the progress bar
    database: Database = app.state.database
    async with database.connection() as conn:
        stored = {
            r["equipment_code"] for r in await conn.fetch("SELECT equipment_code FROM equipment")
        }
        topics = {
            r["topic"]
            for r in await conn.fetch("SELECT topic FROM outbox WHERE key = ANY($1)", list(stored))
        }
    assert stored == {row["设备代码"] for row in rows[:5]}
    assert topics == {"cli.tzsb.registry.equipment"}

    again, out, _ = await run_command(database_url, "equipment", str(register), "--quiet")
    assert again == 0
    assert "6 rows: 5 imported (5 of them already before), 1 refused" in out


async def test_the_command_refuses_a_file_that_is_not_a_register(
    database_url: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("名称,地址\n甲,乙\n", encoding="utf-8")
    code, _, err = await run_command(database_url, "equipment", str(notes))
    assert code == 2
    assert "设备代码" in err
    missing, _, err = await run_command(database_url, "equipment", str(tmp_path / "none.csv"))
    assert missing == 2
    assert "no such file" in err
