"""The relay's partition of a subject is the one aiokafka's default partitioner gives it."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import DefaultPartitioner

from tzsb_common.outbox import records, subject_partition


def test_subjects_land_where_the_default_partitioner_puts_them() -> None:
    chooser = random.Random(7)
    keys = [
        *(f"3110{chooser.randrange(10**14):014d}".encode() for _ in range(500)),
        *(f"LPG{chooser.randrange(10**8):08d}".encode() for _ in range(500)),
        "兰州新区".encode(),
        b"",
    ]
    for partitions in ([0, 1, 2], [0], list(range(12))):
        for key in keys * 2:  # the second time from the remembered hashes
            assert subject_partition(key, partitions) == DefaultPartitioner()(
                key, partitions, partitions
            )


def test_remembered_hashes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "SUBJECT_HASHES_KEPT", 10)
    records._SUBJECT_HASHES.clear()
    for n in range(25):
        subject_partition(f"subject-{n}".encode(), [0, 1, 2])
        assert len(records._SUBJECT_HASHES) <= 10
