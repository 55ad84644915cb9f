"""Logs (the services', the embedded servers') rotate by size at line boundaries and keep a
bounded history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tzsb_common.embedded import RotatingLog


def _lines(count: int, start: int = 0) -> bytes:
    return b"".join(f"line {i:05d} ".encode() + b"x" * 40 + b"\n" for i in range(start, count))


def test_a_log_that_reaches_its_size_is_rotated_and_only_the_newest_backups_are_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "registry.log"
    log = RotatingLog(path, max_bytes=1000, backup_count=2)

    for start in range(0, 200, 10):
        log.write(_lines(start + 10, start))
    log.close()

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["registry.log", "registry.log.1", "registry.log.2"]
    for name in files:
        content = (tmp_path / name).read_bytes()
        assert len(content) <= 1000
        assert content.endswith(b"\n")  # cut at a line end, never inside a line
    newest = path.read_bytes().splitlines()
    assert newest[-1].startswith(b"line 00199 ")
    older = (tmp_path / "registry.log.1").read_bytes().splitlines()
    assert int(older[-1].split()[1]) + 1 == int(newest[0].split()[1])


def test_a_log_is_appended_to_across_runs_until_it_is_full(tmp_path: Path) -> None:
    path = tmp_path / "inspection.log"
    path.write_bytes(b"from an earlier run\n")

    log = RotatingLog(path, max_bytes=10_000, backup_count=1)
    log.write(b"this run\n")
    log.close()

    assert path.read_bytes() == b"from an earlier run\nthis run\n"


def test_a_childs_output_is_pumped_into_the_log_until_it_exits(tmp_path: Path) -> None:
    path = tmp_path / "reporting.log"
    log = RotatingLog(path, max_bytes=2048, backup_count=3)
    child = subprocess.Popen(
        [sys.executable, "-c", "for i in range(1000): print(f'event {i}', flush=True)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None

    log.pump(child.stdout).join(timeout=30)
    child.wait(timeout=30)
    log.close()

    kept = b"".join(
        (tmp_path / name).read_bytes()
        for name in ["reporting.log.3", "reporting.log.2", "reporting.log.1", "reporting.log"]
    ).splitlines()
    assert kept[-1] == b"event 999"
    assert len(kept) < 1000  # the oldest output went with the oldest file
    assert kept == [f"event {i}".encode() for i in range(1000 - len(kept), 1000)]
