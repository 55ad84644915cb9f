"""The swipe hash chain: made per batch, verified link by link, each kind of tampering seen."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from elevator_maintenance.integrity.rules import ChainBreak, ChainWalk, StoredLink
from elevator_maintenance.swipes.chain import (
    GENESIS,
    ChainedContent,
    ChainHead,
    canonical,
    canonical_prefix,
    content_hash,
    extend,
    extend_by_prefixes,
    link,
)

COMPANY = uuid.uuid4()
T0 = datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=UTC)


def content(seq: int, **overrides: object) -> ChainedContent:
    fields: dict[str, object] = {
        "company_id": COMPANY,
        "swipe_id": f"s-{seq}",
        "equipment_code": "311012345678901234",
        "certificate_number": "TS0000000001",
        "kind": "start" if seq % 2 else "end",
        "at": T0 + timedelta(minutes=seq),
        "lat": 36.5102,
        "lon": 103.62,
        "source": "app",
        "visit_kind": None,
        "status": "accepted",
        "reasons": [],
        "client_id": "client-1",
        "chain_seq": seq,
    }
    fields.update(overrides)
    return ChainedContent(**fields)  # type: ignore[arg-type]


def chain(n: int) -> tuple[list[StoredLink], ChainHead]:
    contents = [content(seq) for seq in range(1, n + 1)]
    rows, head = extend(ChainHead(0, GENESIS), contents)
    return [
        StoredLink(c, r.content_hash, r.prev_hash) for c, r in zip(contents, rows, strict=True)
    ], head


def walk(rows: list[StoredLink], head: ChainHead | None = None) -> ChainWalk:
    w = ChainWalk(previous=GENESIS, expected_seq=1)
    for row in rows:
        w.step(row)
    if head is not None:
        w.finish_at_head(head)
    return w


def test_a_chain_as_made_verifies_to_its_head() -> None:
    rows, head = chain(5)
    w = walk(rows, head)
    assert w.first_broken is None
    assert w.checked == 5
    assert head.seq == 5


def test_two_batches_make_one_chain() -> None:
    first, head = extend(ChainHead(0, GENESIS), [content(1), content(2)])
    second, head2 = extend(head, [content(3)])
    assert second[0].prev_hash == head.link == link(first[1].prev_hash, first[1].content_hash)
    assert head2.seq == 3


def test_extending_with_a_wrong_number_is_refused() -> None:
    with pytest.raises(ValueError, match="chain_seq"):
        extend(ChainHead(4, GENESIS), [content(6)])


def test_the_canonical_content_is_the_instant_not_its_offset() -> None:
    same_instant = content(1).at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert content_hash(content(1)) == content_hash(content(1, at=same_instant))


def test_an_altered_row_is_found_where_it_was_altered() -> None:
    rows, head = chain(5)
    rows[2] = dataclasses.replace(rows[2], content=content(3, equipment_code="311099999999999999"))
    broken = walk(rows, head).first_broken
    assert broken is not None
    assert (broken.chain_seq, broken.swipe_id, broken.problem) == (
        3,
        "s-3",
        ChainBreak.content_altered,
    )


def test_a_rewritten_hash_breaks_the_next_link() -> None:
    rows, head = chain(5)
    forged = content(3, at=T0 - timedelta(days=1))
    rows[2] = StoredLink(forged, content_hash(forged), rows[2].prev_hash)
    broken = walk(rows, head).first_broken
    assert broken is not None
    assert (broken.chain_seq, broken.problem) == (4, ChainBreak.link_broken)


def test_a_deleted_row_is_a_missing_number() -> None:
    rows, head = chain(5)
    del rows[1]
    broken = walk(rows, head).first_broken
    assert broken is not None
    assert (broken.chain_seq, broken.problem) == (2, ChainBreak.row_missing)


def test_deleting_the_newest_rows_is_seen_at_the_head() -> None:
    rows, head = chain(5)
    broken = walk(rows[:3], head).first_broken
    assert broken is not None
    assert (broken.chain_seq, broken.problem) == (4, ChainBreak.row_missing)


def test_a_head_that_does_not_match_the_last_link_is_reported() -> None:
    rows, _ = chain(3)
    broken = walk(rows, ChainHead(3, bytes(32))).first_broken
    assert broken is not None
    assert broken.problem is ChainBreak.head_mismatch


def test_the_canonical_content_is_its_prefix_then_its_number() -> None:
    # The database completes the prefix with the number it gives the row (swipes/queries.py).
    text = content(7, swipe_id='a"é', lat=None, reasons=["x"])

    assert canonical(text) == canonical_prefix(text) + b"7]"
    assert canonical_prefix(text) == canonical_prefix(dataclasses.replace(text, chain_seq=8))
    assert canonical(text).endswith(b',"client-1",7]')


def test_chaining_by_prefixes_makes_the_links_extend_makes() -> None:
    contents = [content(seq) for seq in range(5, 9)]
    head = ChainHead(4, bytes(range(32)))

    assert extend_by_prefixes(head, [canonical_prefix(c) for c in contents]) == extend(
        head, contents
    )
