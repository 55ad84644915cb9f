"""Generate the AsyncAPI 3 document and the JSON Schemas of every event from the payload models.

`make asyncapi` runs `python -m tzsb_common.asyncapi`; the outputs are never edited by hand, and
a test fails when they are out of date with the models.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from tzsb_common.contracts import topic_config
from tzsb_common.events import EVENT_TYPE_HEADER, EventPayload, dlq_topic, event_catalogue
from tzsb_common.settings import REPO_ROOT

ASYNCAPI_PATH = REPO_ROOT / "deploy" / "asyncapi.yaml"
SCHEMAS_DIR = REPO_ROOT / "deploy" / "schemas"
_REF = "#/components/schemas/{model}"


def _message_name(payload: type[EventPayload]) -> str:
    return payload.__name__


def _envelope_schema(payload_ref: str, event_type: str) -> dict[str, Any]:
    """CloudEvents 1.0 structured mode: the message value is this whole document."""
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {
                "type": "string",
                "format": "uuid",
                "description": (
                    "For an event carrying a record's snapshot, uuid5 over type, subject and "
                    "version (the same state published twice has the same id); else random"
                ),
            },
            "source": {"type": "string", "description": "The publishing service"},
            "type": {"const": event_type},
            "subject": {
                "type": "string",
                "description": "Equipment or cylinder code (or organisation id); the Kafka key",
            },
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "data": {"$ref": payload_ref},
        },
    }


_KAFKA_BINDING_CONFIGS: dict[str, Callable[[str], Any]] = {
    "cleanup.policy": lambda value: value.split(","),
    "retention.ms": int,
    "retention.bytes": int,
    "delete.retention.ms": int,
    "max.message.bytes": int,
}
"""The topic settings the AsyncAPI Kafka channel binding (0.5.0) can express, and how."""


def _kafka_binding(topic: str) -> dict[str, Any]:
    config = topic_config(topic)
    described = {
        name: convert(config[name])
        for name, convert in _KAFKA_BINDING_CONFIGS.items()
        if name in config
    }
    return {"kafka": {"topic": topic, "topicConfiguration": described, "bindingVersion": "0.5.0"}}


def build_asyncapi() -> dict[str, Any]:
    catalogue = event_catalogue()
    payloads = list(catalogue.values())
    _, schema = models_json_schema([(p, "serialization") for p in payloads], ref_template=_REF)
    schemas: dict[str, Any] = dict(sorted(schema.get("$defs", {}).items()))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event_type, payload in catalogue.items():
        name = _message_name(payload)
        envelope = f"{name}Event"
        schemas[envelope] = _envelope_schema(_REF.format(model=name), event_type)
        messages[name] = {
            "name": event_type,
            "title": payload.summary or event_type,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {
                    "content-type": {"const": "application/cloudevents+json"},
                    EVENT_TYPE_HEADER: {
                        "const": event_type,
                        "description": "the event's type, for skipping it unparsed",
                    },
                },
            },
            "payload": {"$ref": _REF.format(model=envelope)},
        }
        channel = channels.setdefault(
            payload.topic,
            {
                "address": payload.topic,
                "description": (
                    f"Kafka topic; key = subject; failed deliveries in {dlq_topic(payload.topic)}"
                ),
                "messages": {},
                "bindings": _kafka_binding(payload.topic),
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operations[f"publish{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{payload.topic}"},
            "summary": payload.summary,
            "messages": [{"$ref": f"#/channels/{payload.topic}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "tzsb events 特种设备安全监管平台事件",
            "version": "1.0.0",
            "description": (
                "Events between the tzsb services, as CloudEvents 1.0 JSON in structured mode. "
                "Generated from the pydantic payload models in tzsb_common.contracts."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "make up"}
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"schemas": schemas, "messages": dict(sorted(messages.items()))},
    }


def render_asyncapi() -> str:
    header = "# Generated by `make asyncapi` from tzsb_common.contracts — do not edit.\n"
    return header + yaml.safe_dump(build_asyncapi(), sort_keys=False, allow_unicode=True)


def render_json_schemas() -> dict[str, str]:
    """One JSON Schema per event type, the envelope with its payload inlined under $defs."""
    rendered: dict[str, str] = {}
    for event_type, payload in event_catalogue().items():
        payload_schema = payload.model_json_schema(mode="serialization")
        defs = payload_schema.pop("$defs", {})
        document = _envelope_schema("#/$defs/data", event_type)
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:tzsb:event:{event_type}",
            "title": payload.summary or event_type,
            **document,
            "$defs": {**defs, "data": payload_schema},
        }
        rendered[f"{event_type}.json"] = (
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        )
    return rendered


def write(check: bool = False) -> list[Path]:
    """Write (or, with `check`, compare) every generated file; returns those out of date."""
    wanted = {ASYNCAPI_PATH: render_asyncapi()}
    wanted.update({SCHEMAS_DIR / name: text for name, text in render_json_schemas().items()})
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if not check:
        SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
        for path in stale:
            path.write_text(wanted[path])
    return stale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args()
    stale = write(check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(REPO_ROOT)}")
    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
