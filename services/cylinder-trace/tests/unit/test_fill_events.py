"""The fill events a batch writes are serialised straight from the fills; they must stay the
documents the event contracts (tzsb_common.contracts.cylinder) give, byte for byte."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from cylinder_trace.fills.schemas import FillCreate
from cylinder_trace.fills.service import FillEventDocuments
from tzsb_common.contracts.cylinder import FillAcceptedV1, FillRecord, FillRefusedV1
from tzsb_common.events import CloudEvent

STATION = uuid.uuid4()
NOW = datetime(2026, 11, 20, 3, 4, 5, 678901, tzinfo=UTC)
CHECKS = {
    "prefill_checks": {
        "appearance": True,
        "residual_pressure": True,
        "valve": True,
        "inspection_mark": True,
        "medium_marking": True,
    },
    "postfill_checks": {"leak": True, "mass_or_pressure": True, "temperature": True},
}


def a_fill(**overrides: Any) -> FillCreate:
    values: dict[str, Any] = {
        "fill_id": "F-1",
        "cylinder_code": "GS-0001",
        "filler_certificate": "P-0001",
        "medium": "LPG",
        "started_at": "2026-11-20T09:30:00+08:00",
        "ended_at": "2026-11-20T09:33:20.5+08:00",
        **CHECKS,
        "filled_mass_kg": 14.2,
    }
    values.update(overrides)
    return FillCreate.model_validate_json(json.dumps(values))


def contract_document(
    fill: FillCreate, reasons: list[str], *, event_id: uuid.UUID, source: str
) -> str:
    record = FillRecord(
        station_id=STATION,
        fill_id=fill.fill_id,
        cylinder_code=fill.cylinder_code,
        filler_certificate=fill.filler_certificate,
        medium=fill.medium,
        started_at=fill.started_at,
        ended_at=fill.ended_at,
        prefill_checks_passed=fill.prefill_checks.all_passed,
        postfill_checks_passed=fill.postfill_checks.all_passed,
        filled_mass_kg=fill.filled_mass_kg,
        final_pressure_mpa=fill.final_pressure_mpa,
    )
    payload = (
        FillRefusedV1(fill=record, reasons=reasons) if reasons else FillAcceptedV1(fill=record)
    )
    event = payload.to_event(source=source, subject=fill.cylinder_code, time=NOW)
    return CloudEvent(**{**event.model_dump(), "id": event_id}).model_dump_json()


@pytest.mark.parametrize(
    ("fill", "reasons"),
    [
        (a_fill(), []),
        (a_fill(started_at="2026-11-20T01:30:00Z", ended_at="2026-11-20T01:31:00.000001Z"), []),
        (
            a_fill(filled_mass_kg=None, final_pressure_mpa=15.0, medium="CNG"),
            ["medium_mismatch", "overfilled"],
        ),
        (
            a_fill(
                fill_id='站"内\\编号\n1',
                cylinder_code="气瓶-0001",
                prefill_checks={**CHECKS["prefill_checks"], "valve": False},
                postfill_checks={**CHECKS["postfill_checks"], "leak": False},
                filled_mass_kg=1e-7,
            ),
            ["prefill_check_failed"],
        ),
    ],
)
def test_a_fill_event_is_the_document_its_contract_gives(
    fill: FillCreate, reasons: list[str]
) -> None:
    documents = FillEventDocuments(source="cylinder-trace", station_id=STATION, time=NOW, count=2)

    event = documents.document(fill, tuple(reasons))

    assert event.subject == fill.cylinder_code
    assert event.document == contract_document(
        fill, reasons, event_id=event.id, source="cylinder-trace"
    )


def test_fills_of_one_batch_keep_their_own_values_and_ids() -> None:
    documents = FillEventDocuments(source="cylinder-trace", station_id=STATION, time=NOW, count=2)
    refused, accepted = a_fill(fill_id="F-1"), a_fill(fill_id="F-2", cylinder_code="GS-0002")

    first = documents.document(refused, ("inspection_overdue",))
    second = documents.document(accepted, ())

    assert first.id != second.id
    assert first.document == contract_document(
        refused, ["inspection_overdue"], event_id=first.id, source="cylinder-trace"
    )
    assert second.document == contract_document(
        accepted, [], event_id=second.id, source="cylinder-trace"
    )
