"""A stored outbox row as the Kafka record the relay publishes: its envelope checked, its
value, its headers and its partition; and which failures are the row's own fault."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)
from aiokafka.partitioner import murmur2

from tzsb_common.events import CLOUDEVENTS_CONTENT_TYPE, EVENT_TYPE_HEADER
from tzsb_common.kafka import MAX_RECORD_BYTES

ROW_FAULT_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
)
"""Kafka errors that are the row's own fault: sending it again cannot succeed. Together with an
envelope that does not validate or serialise, they count towards `OUTBOX_MAX_ATTEMPTS`; every
other error (broker away, leader moving, timeouts) is retried for ever. The producer's
`max_request_size` (1 MiB) is below Apache Kafka's default `message.max.bytes`, so an oversize
row is refused by the client before it is queued, alone, not in a batch with good rows."""
ENVELOPE_OR_ROW_FAULT_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    *ROW_FAULT_ERRORS,
)


class EnvelopeError(ValueError):
    """The stored event is not an envelope a consumer can decode."""


ENVELOPE_FAULT_SQL = r"""
    CASE
        WHEN jsonb_typeof(o.event) IS DISTINCT FROM 'object' THEN 'the event is not a JSON object'
        WHEN o.event -> 'specversion' IS DISTINCT FROM '"1.0"'::jsonb
            THEN 'specversion is not "1.0"'
        WHEN jsonb_typeof(o.event -> 'id') IS DISTINCT FROM 'string'
            OR NOT pg_input_is_valid(o.event ->> 'id', 'uuid') THEN 'id is not a UUID'
        WHEN jsonb_typeof(o.event -> 'source') IS DISTINCT FROM 'string'
            THEN 'source is not a string'
        WHEN jsonb_typeof(o.event -> 'type') IS DISTINCT FROM 'string' THEN 'type is not a string'
        WHEN jsonb_typeof(o.event -> 'subject') IS DISTINCT FROM 'string'
            THEN 'subject is not a string'
        WHEN jsonb_typeof(o.event -> 'time') IS DISTINCT FROM 'string'
            OR o.event ->> 'time' NOT LIKE '____-__-__T__:__:__%'
            OR NOT (
                right(o.event ->> 'time', 1) = 'Z'
                OR right(o.event ->> 'time', 6) LIKE '+__:__'
                OR right(o.event ->> 'time', 6) LIKE '-__:__'
            )
            OR NOT pg_input_is_valid(o.event ->> 'time', 'timestamptz')
            THEN 'time is not an RFC 3339 timestamp'
        WHEN jsonb_typeof(o.event -> 'data') IS DISTINCT FROM 'object'
            THEN 'data is not a JSON object'
    END
"""
"""What a consumer needs of a CloudEvent to decode it, checked by the database as it hands the
relay a row: NULL for a good envelope, else what is wrong. Parsing every row's JSON in the
relay to check it (a pydantic model with the data as a dict) cost more per event than building
it had, about 6 µs, and the relay shares its process with the requests; the stored jsonb is
already parsed, and looking up seven keys in it costs the database a fraction of that."""


_CONTENT_TYPE = ("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())
_HEADERS_OF_TYPE: dict[str, list[tuple[str, bytes]]] = {}


def record_headers(event_type: str) -> list[tuple[str, bytes]]:
    """The record headers of an event of `event_type`: made once per type (a handful)."""
    headers = _HEADERS_OF_TYPE.get(event_type)
    if headers is None:
        headers = [_CONTENT_TYPE, (EVENT_TYPE_HEADER, event_type.encode())]
        if len(_HEADERS_OF_TYPE) < 10_000:
            _HEADERS_OF_TYPE[event_type] = headers
    return headers


_SUBJECT_HASHES: dict[bytes, int] = {}
SUBJECT_HASHES_KEPT = 100_000


def subject_partition(key: bytes, partitions: Sequence[int]) -> int:
    """The partition aiokafka's default partitioner gives `key` (the Java client's murmur2,
    made positive, modulo the partition count), so a subject keeps the partition every earlier
    relay chose for it. murmur2 is pure Python there, half of a relay's CPU per event, and the
    same cylinders and elevators come back again and again, so recent subjects' hashes are
    remembered (up to `SUBJECT_HASHES_KEPT`, then forgotten together)."""
    hashed = _SUBJECT_HASHES.get(key)
    if hashed is None:
        if len(_SUBJECT_HASHES) >= SUBJECT_HASHES_KEPT:
            _SUBJECT_HASHES.clear()
        hashed = _SUBJECT_HASHES[key] = murmur2(key) & 0x7FFFFFFF
    return partitions[hashed % len(partitions)]


def publishable(stored: str, envelope_fault: str | None) -> bytes:
    """The row's event as published: the stored JSON once it reads as an envelope
    (`ENVELOPE_FAULT_SQL`). Too large for a request is the row's own fault, refused here alone
    rather than in a record batch with good rows."""
    if envelope_fault is not None:
        raise EnvelopeError(envelope_fault)
    value = stored.encode()
    if len(value) > MAX_RECORD_BYTES:
        raise MessageSizeTooLargeError(
            f"the event is {len(value)} bytes, above the producer's {MAX_RECORD_BYTES}"
        )
    return value
