"""The hash chain of a company's accepted swipes (防篡改), as pure functions.

Each accepted swipe gets the next number of its company's chain, the sha256 of its canonical
content (the number included), and the link of the row before it. A row's link is
sha256(previous link || its content hash), so the chain is a list of links each depending on
every row before it: a row altered in the database no longer matches its content hash, a
content hash rewritten to match breaks the next row's `prev_hash`, and a row deleted leaves a
gap in the numbers. The head (swipe_chain_heads) holds the last link, so deleting the newest
rows is seen too. Verifying is integrity/rules.py.

The canonical content is the stored values as the database gives them back: times in UTC with
microseconds (PostgreSQL's precision), floats as Python writes them (shortest round-trip), so
the verifier recomputes exactly what ingestion hashed.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""json.dumps with these options builds an encoder per call, a third of a row's hashing."""
_encode_text: Callable[[str], str] = json.encoder.encode_basestring
"""A JSON string as _ENCODER writes it (not ASCII-only)."""

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


def canonical_prefix(content: ChainedContent) -> bytes:
    """The canonical content up to its chain number: `canonical` is this, the number and `]`.
    Ingestion hands the prefix to the database, which adds the number once it holds the
    company's chain head (swipes/queries.py), so the number is known only under the lock."""
    return canonical_prefix_of(
        content.company_id,
        content.swipe_id,
        content.equipment_code,
        content.certificate_number,
        content.kind,
        content.at,
        content.lat,
        content.lon,
        content.source,
        content.visit_kind,
        content.status,
        content.reasons,
        content.client_id,
    )


def _text(value: str | None) -> str:
    return "null" if value is None else _encode_text(value)


def _number(value: float | None) -> str:
    if value is None:
        return "null"
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)  # what json writes for a float
    return _ENCODER.encode(value)


def _utc_text(at: datetime) -> str:
    utc = at.astimezone(UTC)
    if utc.year < 1000:  # strftime does not pad such a year; isoformat does
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_prefix_of(
    company_id: uuid.UUID,
    swipe_id: str,
    equipment_code: str,
    certificate_number: str,
    kind: str,
    at: datetime,
    lat: float | None,
    lon: float | None,
    source: str | None,
    visit_kind: str | None,
    status: str,
    reasons: Sequence[str],
    client_id: str,
) -> bytes:
    """`canonical_prefix` of the values themselves (a swipe row's, in its column order): the
    compact JSON array `json` would write for them, less its `]`, and a comma — written here
    field by field, since a batch chains a thousand rows under its company's head."""
    return (
        f'["{company_id}",{_encode_text(swipe_id)},{_encode_text(equipment_code)},'
        f"{_encode_text(certificate_number)},{_encode_text(kind)},"
        f'"{_utc_text(at)}",{_number(lat)},{_number(lon)},{_text(source)},{_text(visit_kind)},'
        f"{_encode_text(status)},[{','.join(map(_encode_text, reasons))}],"
        f"{_encode_text(client_id)},"
    ).encode()


def canonical(content: ChainedContent) -> bytes:
    return canonical_prefix(content) + b"%d]" % content.chain_seq


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


def extend_by_prefixes(
    head: ChainHead, prefixes: Sequence[bytes]
) -> tuple[list[ChainedRow], ChainHead]:
    """`extend` from the contents' canonical prefixes (canonical_prefix), numbered from
    head.seq + 1: the JSON is made before the head is locked, only the hashing after."""
    rows: list[ChainedRow] = []
    last = head.link
    for seq, prefix in enumerate(prefixes, start=head.seq + 1):
        digest = hashlib.sha256(prefix + b"%d]" % seq).digest()
        rows.append(ChainedRow(seq, digest, last))
        last = link(last, digest)
    return rows, ChainHead(head.seq + len(prefixes), last)
