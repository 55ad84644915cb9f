"""The event envelope: CloudEvents 1.0 in structured JSON mode, keyed by subject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"


class CloudEvent(BaseModel):
    """One event as it travels on Kafka: the whole document is the message value."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
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


class EventPayload(BaseModel):
    """Base of every event payload. Subclasses name their CloudEvents type and topic."""

    model_config = ConfigDict(extra="forbid")

    event_type: ClassVar[str]
    """e.g. `tzsb.registry.equipment.created.v1`"""
    topic: ClassVar[str]
    """e.g. `tzsb.registry.equipment` (before any prefix)"""
    summary: ClassVar[str] = ""

    def to_event(self, *, source: str, subject: str) -> CloudEvent:
        return CloudEvent(
            source=source,
            type=self.event_type,
            subject=subject,
            data=self.model_dump(mode="json"),
        )


_CATALOGUE: dict[str, type[EventPayload]] = {}


def register_event(payload: type[EventPayload]) -> type[EventPayload]:
    """Class decorator: the catalogue generates the JSON Schemas and the AsyncAPI document."""
    existing = _CATALOGUE.get(payload.event_type)
    if existing is not None and existing is not payload:
        raise ValueError(f"event type {payload.event_type} registered twice")
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
