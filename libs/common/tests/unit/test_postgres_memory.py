"""The embedded PostgreSQL's cache follows the memory it may use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tzsb_common.embedded import postgres
from tzsb_common.embedded.postgres import shared_buffers_for

GIB = 2**30


@pytest.mark.parametrize(
    ("memory", "expected"),
    [
        (None, "128MB"),  # unknown: PostgreSQL's own default
        (GIB // 2, "128MB"),  # never below the default
        (8 * GIB, "1024MB"),  # an eighth
        (24 * GIB, "2048MB"),  # at most 2 GB
    ],
)
def test_an_eighth_of_memory_within_bounds(memory: int | None, expected: str) -> None:
    assert shared_buffers_for(memory) == expected


def test_a_container_limit_below_the_machine_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(postgres, "_CGROUP_MEMORY_LIMIT", limit)
    limit.write_text(f"{GIB}\n")
    assert postgres._machine_memory() == GIB
    limit.write_text("max\n")
    unlimited = postgres._machine_memory()
    assert unlimited is None or unlimited > 0
    limit.unlink()
    assert postgres._machine_memory() == unlimited
