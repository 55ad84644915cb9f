"""`tzsb import equipment FILE` — import a register of equipment from the shell.

The same import as `POST /api/v1/equipment/import` (registry.equipment_import), run against the
registry's database as configured for the registry (DATABASE_URL …), with a progress bar. It
prints every refused row with its reasons, then a summary. Running it again is safe: rows
imported already are recognised and not written twice.

Exit status: 0 when every row was read (refused rows are listed, not an error), 1 when the
import stopped part-way (the rows before are stored; run it again), 2 when the file cannot be
imported at all.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tzsb_platform.services import REGISTRY


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="tzsb import",
        description="Import a register (CSV or Excel) into the registry, row by row answered.",
    )
    what = cli.add_subparsers(dest="what", required=True)
    equipment = what.add_parser("equipment", help="a register of equipment (设备台账)")
    equipment.add_argument("file", type=Path, help="CSV (UTF-8 or GB18030) or XLSX/XLS/ODS")
    equipment.add_argument(
        "--chunk-size", type=int, default=None, help="rows per transaction (IMPORT_CHUNK_SIZE)"
    )
    equipment.add_argument("--quiet", action="store_true", help="no progress bar")
    return cli


async def import_equipment(file: Path, *, chunk_size: int | None, quiet: bool) -> int:
    command: Any = importlib.import_module(f"{REGISTRY.package}.equipment_import.command")
    bar: tqdm[Any] | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = tqdm(total=total, unit="rows", desc=file.name, file=sys.stderr)
        bar.update(done - bar.n)

    started = time.monotonic()
    try:
        report = await command.run(
            REGISTRY.load_settings(), file, chunk_size=chunk_size, on_progress=progress
        )
    except command.ImportRefused as refused:
        print(f"import: {file}: {refused.problem.message}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.monotonic() - started
    for row in report.refused:
        for error in row.errors:
            code = row.equipment_code or "-"
            print(f"row {row.row}\t{code}\t{error.field}\t{error.code}\t{error.message}")
    if report.ignored_columns:
        print(f"columns not read: {', '.join(report.ignored_columns)}")
    print(
        f"{report.rows} rows: {report.imported} imported ({report.replayed} of them already "
        f"before), {len(report.refused)} refused, in {elapsed:.1f} s"
    )
    if report.stopped is not None:
        print(
            f"import: stopped at row {report.stopped.first_row}: {report.stopped}; the rows "
            "before it are stored; run the command again to continue",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.chunk_size is not None and args.chunk_size <= 0:
        print("import: --chunk-size must be positive", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"import: {args.file}: no such file", file=sys.stderr)
        return 2
    return asyncio.run(import_equipment(args.file, chunk_size=args.chunk_size, quiet=args.quiet))
