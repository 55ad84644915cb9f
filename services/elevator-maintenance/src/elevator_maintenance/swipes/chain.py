"""The hash chain of a company's accepted swipes (防篡改), as pure functions.

Each accepted swipe gets the next number of its company's chain, the sha256 of its canonical
content (the number included), and the link of the row before it. A row's link is
sha256(previous link || its content hash), so the chain is a list of links each depending on
every row before it: a row altered in the database no longer matches its content hash, a
content hash rewritten to match breaks the next row's `prev_hash`, and a row deleted leaves a
gap in the numbers. The head (swipe_chain_heads) holds the last link, so deleting the newest
rows is seen too.

The canonical content is the stored values as the database gives them back: times in UTC with
microseconds (PostgreSQL's precision), floats as Python writes them (shortest round-trip), so
the verifier recomputes exactly what ingestion hashed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = bytes(32)
"""The link before a company's first chained swipe."""


@dataclass(frozen=True, slots=True)
class ChainedContent:
    """The fields of a swipe row the chain vouches for."""

    company_id: uuid.UUID
    swipe_id: str
    equipment_code: str
    certificate_number: str
    kind: str
    at: datetime
    lat: float | None
    lon: float | None
    source: str | None
    visit_kind: str | None
    status: str
    reasons: Sequence[str]
    client_id: str
    chain_seq: int


def canonical(content: ChainedContent) -> bytes:
    return json.dumps(
        [
            str(content.company_id),
            content.swipe_id,
            content.equipment_code,
            content.certificate_number,
            content.kind,
            content.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            content.lat,
            content.lon,
            content.source,
            content.visit_kind,
            content.status,
            list(content.reasons),
            content.client_id,
            content.chain_seq,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def content_hash(content: ChainedContent) -> bytes:
    return hashlib.sha256(canonical(content)).digest()


def link(prev_link: bytes, row_content_hash: bytes) -> bytes:
    return hashlib.sha256(prev_link + row_content_hash).digest()


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    link: bytes


@dataclass(frozen=True, slots=True)
class ChainedRow:
    chain_seq: int
    content_hash: bytes
    prev_hash: bytes


def extend(
    head: ChainHead, contents: Sequence[ChainedContent]
) -> tuple[list[ChainedRow], ChainHead]:
    """Chain `contents` (numbered from head.seq + 1, in order; their `chain_seq` must be those
    numbers) after `head`: each row's chain columns, and the new head."""
    rows: list[ChainedRow] = []
    last = head.link
    for expected, content in enumerate(contents, start=head.seq + 1):
        if content.chain_seq != expected:
            raise ValueError(f"chain_seq {content.chain_seq} where {expected} comes next")
        digest = content_hash(content)
        rows.append(ChainedRow(content.chain_seq, digest, last))
        last = link(last, digest)
    return rows, ChainHead(head.seq + len(contents), last)


class ChainBreak:
    """Why a link is broken, as stable codes."""

    content_altered = "content_altered"
    """The row's content no longer hashes to its content_hash."""
    link_broken = "link_broken"
    """The row's prev_hash is not the link of the row before it (a hash rewritten)."""
    row_missing = "row_missing"
    """A number of the chain has no row (a row deleted)."""
    head_mismatch = "head_mismatch"
    """The newest rows do not end where the head says the chain ends."""


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A chained row as stored: its content and its chain columns."""

    content: ChainedContent
    content_hash: bytes | None
    prev_hash: bytes | None


@dataclass(frozen=True, slots=True)
class Broken:
    chain_seq: int
    swipe_id: str | None
    problem: str


@dataclass(slots=True)
class ChainWalk:
    """Verifies stored rows given in chain order, one at a time (a range may be long).

    `previous` is the link expected before the first row: the link of the row before the
    range, or GENESIS when the range starts at 1; None when unknown (that row is itself
    missing), in which case the first row's prev_hash is taken on trust and only its
    content is checked."""

    previous: bytes | None
    expected_seq: int
    checked: int = 0
    first_broken: Broken | None = None

    def step(self, row: StoredLink) -> None:
        if self.first_broken is not None:
            return
        seq = row.content.chain_seq
        if seq != self.expected_seq:
            self.first_broken = Broken(self.expected_seq, None, ChainBreak.row_missing)
            return
        digest = content_hash(row.content)
        if row.content_hash != digest:
            self.first_broken = Broken(seq, row.content.swipe_id, ChainBreak.content_altered)
            return
        if self.previous is not None and row.prev_hash != self.previous:
            self.first_broken = Broken(seq, row.content.swipe_id, ChainBreak.link_broken)
            return
        self.previous = link(row.prev_hash or b"", digest)
        self.expected_seq = seq + 1
        self.checked += 1

    def finish_at_head(self, head: ChainHead) -> None:
        """The range reached the chain's end: the head must be the last link checked."""
        if self.first_broken is not None:
            return
        if head.seq >= self.expected_seq:  # the newest rows are gone
            self.first_broken = Broken(self.expected_seq, None, ChainBreak.row_missing)
        elif head.seq != self.expected_seq - 1 or head.link != self.previous:
            self.first_broken = Broken(self.expected_seq - 1, None, ChainBreak.head_mismatch)
