"""A minimal service for testing the shared machinery on real PostgreSQL and Kafka.

It records "things" over HTTP (each with an outbox event) and applies them back from the topic
into `applied`, so a test can follow one write through the outbox, the relay, Kafka, the
consumer loop and the inbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Date, Integer, Table, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncSession

from tzsb_common.app import ServiceDefinition, create_service_app
from tzsb_common.auth import CurrentPrincipal
from tzsb_common.consumer import ConsumerSpec, HandlerContext, TypedEvent, add_inbox_table
from tzsb_common.db import DbSession, new_metadata
from tzsb_common.deadlines import DeadlineRule, Stage, add_deadline_tables
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.outbox import CurrentOutbox, add_outbox_table
from tzsb_common.routing import feature_router
from tzsb_common.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parent / "machinery_migrations"
THINGS_TOPIC = "tzsb.test.things"

metadata = new_metadata()
outbox = add_outbox_table(metadata)
inbox = add_inbox_table(metadata)
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("subject", Text, nullable=False),
    Column("seq", Integer, nullable=False),
)


class MachinerySettings(ServiceSettings):
    service_name: str = "machinery-test"


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str
    seq: int
    fail: bool = False


def thing_event(subject: str, seq: int, *, fail: bool = False) -> CloudEvent:
    return CloudEvent(
        source="machinery-test",
        type="tzsb.test.thing.recorded.v1",
        subject=subject,
        data={"seq": seq, "fail": fail},
    )


async def apply_thing(session: AsyncSession, event: CloudEvent) -> None:
    if event.data.get("fail"):
        raise ValueError(f"refusing thing {event.subject}/{event.data['seq']}")
    await session.execute(
        applied.insert().values(event_id=event.id, subject=event.subject, seq=event.data["seq"])
    )


router = feature_router("/things", tags=["things"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def record_thing(
    body: ThingCreate, _: CurrentPrincipal, session: DbSession, writer: CurrentOutbox
) -> dict[str, str]:
    event = thing_event(body.subject, body.seq, fail=body.fail)
    await writer.add_event(session, event, topic=THINGS_TOPIC)
    await session.commit()
    return {"event_id": str(event.id)}


def create_app(settings: MachinerySettings) -> FastAPI:
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="machinery test service",
            description="",
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[router],
            consumers=[ConsumerSpec("applier", [THINGS_TOPIC], apply_thing)],
        )
    )


def new_subject() -> str:
    return f"S{uuid.uuid4().hex[:8]}"


FLAGS_TOPIC = "tzsb.test.flags"


class ThingRecordedV1(EventPayload):
    """The typed payload of `thing_event` (not registered: test-only)."""

    event_type: ClassVar[str] = "tzsb.test.thing.recorded.v1"
    topic: ClassVar[str] = THINGS_TOPIC

    seq: int
    fail: bool = False


class ThingFlaggedV1(EventPayload):
    """What the set-based test consumer emits for every thing it applies."""

    event_type: ClassVar[str] = "tzsb.test.thing.flagged.v1"
    topic: ClassVar[str] = FLAGS_TOPIC

    seq: int


async def apply_things(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    """Set-based: one statement for the chunk, one flag emitted per thing; refuses the whole
    chunk if any thing in it is marked to fail."""
    things: list[TypedEvent[ThingRecordedV1]] = list(events)
    for thing in things:
        context.emit(ThingFlaggedV1(seq=thing.payload.seq), subject=thing.subject)
    refused = [t for t in things if t.payload.fail]
    if refused:
        raise ValueError(f"refusing thing {refused[0].subject}/{refused[0].payload.seq}")
    await context.session.execute(
        applied.insert(),
        [{"event_id": t.id, "subject": t.subject, "seq": t.payload.seq} for t in things],
    )


# -- a clock for the deadline machinery -------------------------------------------------------

ledger, deadline_passes = add_deadline_tables(metadata)
clocks = Table(
    "clocks",
    metadata,
    Column("subject", Text, primary_key=True),
    Column("due_on", Date, nullable=False),
)
clock_effects = Table(
    "clock_effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("stage", Text, nullable=False),
)
CLOCK_TOPIC = "tzsb.test.clock"

CLOCK_RULE = DeadlineRule(
    name="test_clock",
    # A superset of the clocks whose first stage has started (month arithmetic does not invert
    # at month ends, so the bound is a month wider); the stages decide exactly.
    subjects=(
        "SELECT subject, due_on AS deadline, jsonb_build_object('subject', subject) AS data "
        "FROM clocks WHERE due_on <= ($1::date + interval '3 months')::date"
    ),
    stages=(
        Stage("reminder", "(deadline - interval '2 months')::date"),
        Stage("warning", "date_trunc('month', deadline)::date"),
        Stage("overdue", "deadline + 1"),
    ),
    event_type="tzsb.test.clock.due.v1",
    topic=CLOCK_TOPIC,
    deadline_field="due_on",
    effects=(
        "INSERT INTO clock_effects (subject, due_on, stage) "
        "SELECT subject, deadline, stage FROM fired WHERE stage <> 'reminder'",
    ),
)
