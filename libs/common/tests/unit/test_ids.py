"""Identifiers made in bulk or in time order (tzsb_common.ids)."""

from __future__ import annotations

import time
import uuid

from tzsb_common.ids import uuid7, uuid7s


def test_uuid7s_are_distinct_version_7_uuids_of_this_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = uuid7s(2_000)
    after = time.time_ns() // 1_000_000

    assert len(set(ids)) == 2_000
    assert all(isinstance(i, uuid.UUID) for i in ids)
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert all(uuid.UUID(str(i)) == i for i in ids[:10])
    stamps = {i.int >> 80 for i in ids}
    assert len(stamps) == 1
    assert before <= stamps.pop() <= after
    # After the time and the version, the bits are random: 2,000 draws show all 16 values of
    # the first digit there.
    assert len({str(i)[15] for i in ids}) == 16
    assert uuid7s(0) == []


def test_uuid7_is_a_version_7_uuid_in_time_order() -> None:
    before = time.time_ns() // 1_000_000
    ids = [uuid7() for _ in range(1_000)]
    after = time.time_ns() // 1_000_000

    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert len(set(ids)) == 1_000
    stamps = [i.int >> 80 for i in ids]
    assert before <= min(stamps)
    assert max(stamps) <= after
    assert stamps == sorted(stamps)  # one millisecond after another, never back
