"""Snapshot events have ids derived from their state; other events have random ids."""

from __future__ import annotations

import uuid
from typing import ClassVar

from tzsb_common.contracts.registry import OrganisationCreatedV1, OrganisationSnapshot
from tzsb_common.events import EventPayload, snapshot_event_id


def _organisation(version: int, name: str = "兰州新区测试使用单位") -> OrganisationCreatedV1:
    return OrganisationCreatedV1(
        organisation=OrganisationSnapshot(
            organisation_id=uuid.UUID(int=7),
            credit_code="91350100M000100Y43",
            name=name,
            kind="use_unit",
            region={"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
            address=None,
            version=version,
        )
    )


class _Happened(EventPayload):
    event_type: ClassVar[str] = "tzsb.test.happened.v1"
    topic: ClassVar[str] = "tzsb.test"

    what: str


def test_the_same_snapshot_written_twice_is_one_event_id() -> None:
    first = _organisation(3).to_event(source="registry", subject="org-7")
    again = _organisation(3).to_event(source="registry", subject="org-7")
    assert first.id == again.id
    assert first.id == snapshot_event_id(OrganisationCreatedV1.event_type, "org-7", 3)
    assert first.id.version == 5


def test_another_version_subject_or_type_is_another_event_id() -> None:
    base = _organisation(3).to_event(source="registry", subject="org-7").id
    assert _organisation(4).to_event(source="registry", subject="org-7").id != base
    assert _organisation(3).to_event(source="registry", subject="org-8").id != base
    assert snapshot_event_id("tzsb.registry.organisation.updated.v1", "org-7", 3) != base


def test_an_event_without_a_snapshot_gets_a_new_id_in_time_order() -> None:
    ids = [_Happened(what="x").to_event(source="t", subject="s").id for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(i.version == 7 for i in ids)
    assert [i.int >> 80 for i in ids] == sorted(i.int >> 80 for i in ids)
