"""The event envelope: CloudEvents 1.0 in structured JSON mode, keyed by subject.

Event ids: a snapshot event (one that carries a record's whole state and its `version`) gets an
id derived from its type, subject and version, so the same state written or re-published twice
is one event to every inbox. Any other event gets a random id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.ids import uuid7

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
EVENT_TYPE_HEADER = "ce_type"
"""A Kafka header the outbox relay adds beside the structured event: its `type`, so that a
consumer can pass over the types it does not handle without parsing them (the header's name in
the CloudEvents Kafka binding; the document in the value stays the whole event)."""

SNAPSHOT_EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tzsb:snapshot-event")
"""Fixed forever: changing it would give every snapshot event a new id (a consumer would then
apply a re-published snapshot again — harmless, since it applies only newer versions, but a
waste)."""


def snapshot_event_id(event_type: str, subject: str, version: int) -> uuid.UUID:
    """uuid5 over type, subject and version: the same state of the same record is one id."""
    return uuid.uuid5(SNAPSHOT_EVENT_ID_NAMESPACE, f"{event_type}\n{subject}\n{version}")


class CloudEvent(BaseModel):
    """One event as it travels on Kafka: the whole document is the message value."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=uuid7)
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    data: dict[str, Any]

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)


class EventDocument(NamedTuple):
    """An event already serialised: its CloudEvents JSON document, with the id and subject
    that document holds.

    For a batch path that builds a thousand events of one shape: filling in a document costs a
    fraction of building a `CloudEvent` model and dumping it. The caller keeps the document
    equal to what `CloudEvent.model_dump_json` would give (a test of its own says so). A named
    tuple: one is made per event of such a batch."""

    id: uuid.UUID
    subject: str
    document: str


class EventPayload(BaseModel):
    """Base of every event payload. Subclasses name their CloudEvents type and topic."""

    model_config = ConfigDict(extra="forbid")

    event_type: ClassVar[str]
    """e.g. `tzsb.registry.equipment.created.v1`"""
    topic: ClassVar[str]
    """e.g. `tzsb.registry.equipment` (before any prefix)"""
    summary: ClassVar[str] = ""
    snapshot_field: ClassVar[str | None] = None
    """The field holding the record's whole state (a model with `version`), for snapshot
    events; None for events that describe something that happened once."""

    def snapshot_version(self) -> int | None:
        """The version of the record this event carries; None if it carries no snapshot."""
        if self.snapshot_field is None:
            return None
        version: int = getattr(self, self.snapshot_field).version
        return version

    def event_id(self, *, subject: str) -> uuid.UUID:
        version = self.snapshot_version()
        if version is None:
            # In time order: every consumer's inbox is keyed by it (tzsb_common.ids.uuid7s).
            return uuid7()
        return snapshot_event_id(self.event_type, subject, version)

    def to_event(self, *, source: str, subject: str, time: datetime | None = None) -> CloudEvent:
        """`time` defaults to now; a re-published snapshot passes when its state came to be."""
        return CloudEvent(
            id=self.event_id(subject=subject),
            source=source,
            type=self.event_type,
            subject=subject,
            time=time or datetime.now(UTC),
            data=self.model_dump(mode="json"),
        )


_CATALOGUE: dict[str, type[EventPayload]] = {}


def register_event(payload: type[EventPayload]) -> type[EventPayload]:
    """Class decorator: the catalogue generates the JSON Schemas and the AsyncAPI document."""
    existing = _CATALOGUE.get(payload.event_type)
    if existing is not None and existing is not payload:
        raise ValueError(f"event type {payload.event_type} registered twice")
    if payload.snapshot_field is not None:
        snapshot = payload.model_fields[payload.snapshot_field].annotation
        if not (isinstance(snapshot, type) and "version" in getattr(snapshot, "model_fields", {})):
            raise TypeError(f"{payload.event_type}: a snapshot must carry a version")
    _CATALOGUE[payload.event_type] = payload
    return payload


def event_catalogue() -> dict[str, type[EventPayload]]:
    import tzsb_common.contracts  # noqa: F401  (registers every payload)

    return dict(sorted(_CATALOGUE.items()))


def topics() -> list[str]:
    """Every topic some service publishes to (without prefix)."""
    return sorted({payload.topic for payload in event_catalogue().values()})


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"
