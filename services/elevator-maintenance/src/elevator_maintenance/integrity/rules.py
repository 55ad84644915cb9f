"""Pure decisions on a stretch of a company's swipe chain: is every row what was hashed, does
each link to the one before, is a number missing, does the chain end at its head (see
swipes/chain.py for how the chain is made)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from elevator_maintenance.swipes.chain import ChainedContent, ChainHead, content_hash, link


class ChainBreak(StrEnum):
    """Why a link is broken; values are stable API."""

    content_altered = "content_altered"
    """The row's content no longer hashes to its content_hash."""
    link_broken = "link_broken"
    """The row's prev_hash is not the link of the row before it (a hash rewritten)."""
    row_missing = "row_missing"
    """A number of the chain has no row (a row deleted)."""
    head_mismatch = "head_mismatch"
    """The newest rows do not end where the head says the chain ends (a hash rewritten)."""


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
    problem: ChainBreak


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
