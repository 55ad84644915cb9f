from __future__ import annotations

import yaml

from tzsb_common.asyncapi import build_asyncapi, write
from tzsb_common.events import event_catalogue


def test_generated_asyncapi_and_schemas_are_up_to_date_with_the_models() -> None:
    stale = write(check=True)
    assert stale == [], "run `make asyncapi` and commit the result"


def test_every_event_type_is_a_message_on_its_topic() -> None:
    document = yaml.safe_load(yaml.safe_dump(build_asyncapi()))
    assert document["asyncapi"] == "3.0.0"
    for event_type, payload in event_catalogue().items():
        message = document["components"]["messages"][payload.__name__]
        assert message["name"] == event_type
        assert payload.__name__ in document["channels"][payload.topic]["messages"]
        envelope = document["components"]["schemas"][f"{payload.__name__}Event"]
        assert envelope["properties"]["type"] == {"const": event_type}
