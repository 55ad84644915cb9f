"""Event ids for batches (tzsb_common.events)."""

from __future__ import annotations

import uuid

from tzsb_common.events import random_uuids


def test_random_uuids_are_distinct_version_4_uuids() -> None:
    ids = random_uuids(2_000)

    assert len(set(ids)) == 2_000
    assert all(isinstance(i, uuid.UUID) for i in ids)
    assert {i.version for i in ids} == {4}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert all(uuid.UUID(str(i)) == i for i in ids[:10])
    # The first hex digit is random: 2,000 draws show all of its 16 values.
    assert len({str(i)[0] for i in ids}) == 16
    assert random_uuids(0) == []
