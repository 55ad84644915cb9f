"""Consumers of the hazard lifecycle (tzsb.hazard), maintenance anomalies
(tzsb.elevator.maintenance) and rescue incidents (tzsb.elevator.rescue).

The payload models are the contracts read tolerantly: a field a publisher adds later is
ignored rather than sending the event to the dead-letter topic. Signals (tzsb.hazard.signal.v1)
share the hazard topic and are skipped: a signal becomes a hazard only when the inspection
service opens one, and that is the event counted here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict

from reporting.read_models.rules import business_day
from reporting.safety_events import queries
from reporting.safety_events.rules import HazardStep, RescueStep, Sighting, fold
from tzsb_common.consumer import BatchConsumerSpec, HandlerContext, TypedEvent
from tzsb_common.contracts.elevator import MAINTENANCE_TOPIC, MaintenanceAnomalyV1
from tzsb_common.contracts.hazard import (
    HAZARD_TOPIC,
    HazardClosedV1,
    HazardFoundV1,
    HazardOrderIssuedV1,
    HazardOverdueV1,
    HazardRectifiedV1,
)
from tzsb_common.contracts.rescue import (
    RESCUE_TOPIC,
    RescueAcknowledgedV1,
    RescueAcknowledgementOverdueV1,
    RescueArrivedV1,
    RescueDispatchedV1,
    RescueEscalatedV1,
    RescueReleasedV1,
)
from tzsb_common.events import EventPayload

_TOLERANT = ConfigDict(extra="ignore")


class HazardFoundSeen(HazardFoundV1):
    model_config = _TOLERANT


class HazardOrderIssuedSeen(HazardOrderIssuedV1):
    model_config = _TOLERANT


class HazardRectifiedSeen(HazardRectifiedV1):
    model_config = _TOLERANT


class HazardClosedSeen(HazardClosedV1):
    model_config = _TOLERANT


class HazardOverdueSeen(HazardOverdueV1):
    model_config = _TOLERANT


class AnomalySeen(MaintenanceAnomalyV1):
    model_config = _TOLERANT


class RescueDispatchedSeen(RescueDispatchedV1):
    model_config = _TOLERANT


class RescueAcknowledgedSeen(RescueAcknowledgedV1):
    model_config = _TOLERANT


class RescueAcknowledgementOverdueSeen(RescueAcknowledgementOverdueV1):
    model_config = _TOLERANT


class RescueArrivedSeen(RescueArrivedV1):
    model_config = _TOLERANT


class RescueEscalatedSeen(RescueEscalatedV1):
    model_config = _TOLERANT


class RescueReleasedSeen(RescueReleasedV1):
    model_config = _TOLERANT


HAZARD_EVENTS: list[type[EventPayload]] = [
    HazardFoundSeen,
    HazardOrderIssuedSeen,
    HazardRectifiedSeen,
    HazardClosedSeen,
    HazardOverdueSeen,
]
RESCUE_EVENTS: list[type[EventPayload]] = [
    RescueDispatchedSeen,
    RescueAcknowledgedSeen,
    RescueAcknowledgementOverdueSeen,
    RescueArrivedSeen,
    RescueEscalatedSeen,
    RescueReleasedSeen,
]


def hazard_sighting(event: TypedEvent[Any]) -> Sighting:
    """What one lifecycle event says about its hazard. `found_at` and `order_issued_at` are the
    events' times: the contracts carry no other."""
    p = event.payload
    known: dict[str, Any] = {"hazard_id": p.hazard_id, "equipment_code": p.equipment_code}
    if isinstance(p, HazardFoundV1):
        known |= {
            "source": p.source,
            "severity": p.severity,
            "use_unit_id": p.use_unit_id,
            "unit_id": p.unit_id,
            "deadline": p.deadline,
            "found_at": event.time,
        }
        return Sighting(p.hazard_id, HazardStep.open, known)
    if isinstance(p, HazardOrderIssuedV1):
        known |= {
            "use_unit_id": p.use_unit_id,
            "unit_id": p.unit_id,
            "order_number": p.order_number,
            "order_deadline": p.deadline,
            "order_issued_at": event.time,
        }
        return Sighting(p.hazard_id, HazardStep.order_issued, known)
    if isinstance(p, HazardRectifiedV1):
        return Sighting(p.hazard_id, HazardStep.rectified, known | {"rectified_at": p.rectified_at})
    if isinstance(p, HazardClosedV1):
        known |= {
            "closed_at": p.closed_at,
            "rectified_within_deadline": p.rectified_within_deadline,
        }
        return Sighting(p.hazard_id, HazardStep.closed, known)
    assert isinstance(p, HazardOverdueV1)
    known |= {
        "use_unit_id": p.use_unit_id,
        "unit_id": p.unit_id,
        "severity": p.severity,
        "overdue_on": p.as_of,
    }
    # Overdue is not a step: the hazard stays where it was (open at the least).
    return Sighting(p.hazard_id, HazardStep.open, known)


def rescue_sighting(event: TypedEvent[Any]) -> Sighting:
    p = event.payload
    known: dict[str, Any] = {
        "incident_id": p.incident_id,
        "equipment_code": p.equipment_code,
        "maintenance_company_id": p.maintenance_company_id,
        "dispatched_at": p.dispatched_at,
    }
    step = RescueStep.dispatched
    if isinstance(p, RescueDispatchedV1):
        known |= {
            "source": p.source,
            "urban": p.urban,
            "reported_at": p.reported_at,
            "arrival_due_at": p.arrival_due_at,
        }
    elif isinstance(p, RescueAcknowledgedV1):
        step = RescueStep.acknowledged
        known |= {"acknowledged_at": p.acknowledged_at, "acknowledged_in_time": p.within_limit}
    elif isinstance(p, RescueAcknowledgementOverdueV1):
        known |= {"acknowledgement_overdue": True}
    elif isinstance(p, RescueArrivedV1):
        step = RescueStep.arrived
        known |= {"arrived_at": p.arrived_at, "arrived_in_time": p.within_limit}
    elif isinstance(p, RescueEscalatedV1):
        known |= {"escalation_reason": p.reason}
    else:
        assert isinstance(p, RescueReleasedV1)
        step = RescueStep.released
        known |= {
            "arrived_at": p.arrived_at,
            "released_at": p.released_at,
            "people_freed": p.people_freed,
            "fault_cause": p.fault_cause,
            "arrival_minutes": p.arrival_minutes,
            "rescue_minutes": p.rescue_minutes,
        }
    return Sighting(p.incident_id, step, known)


async def apply_hazards(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    rows = fold((hazard_sighting(e) for e in events), queries.HAZARD_TYPES)
    await queries.fold_hazards(context.session, rows)


async def apply_rescue_incidents(
    context: HandlerContext, events: Sequence[TypedEvent[Any]]
) -> None:
    rows = fold((rescue_sighting(e) for e in events), queries.RESCUE_TYPES)
    await queries.fold_rescue_incidents(context.session, rows)


def anomaly_consumer_handler(
    zone: ZoneInfo,
) -> Callable[[HandlerContext, Sequence[TypedEvent[Any]]], Any]:
    async def apply_anomalies(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
        rows = {}
        for event in events:
            anomaly: MaintenanceAnomalyV1 = event.payload
            rows[anomaly.anomaly_id] = {
                "anomaly_id": anomaly.anomaly_id,
                "kind": anomaly.kind,
                "maintenance_company_id": anomaly.maintenance_company_id,
                "equipment_code": anomaly.equipment_code,
                "certificate_number": anomaly.certificate_number,
                "visit_id": anomaly.visit_id,
                "observed_at": anomaly.observed_at,
                "observed_on": business_day(anomaly.observed_at, zone),
            }
        await queries.insert_anomalies(context.session, [rows[k] for k in sorted(rows)])

    return apply_anomalies


def safety_event_consumers(zone: ZoneInfo) -> list[BatchConsumerSpec]:
    return [
        BatchConsumerSpec(
            name="hazard-read-model",
            topics=[HAZARD_TOPIC],
            payloads=HAZARD_EVENTS,
            handler=apply_hazards,
        ),
        BatchConsumerSpec(
            name="anomaly-read-model",
            topics=[MAINTENANCE_TOPIC],
            payloads=[AnomalySeen],
            handler=anomaly_consumer_handler(zone),
        ),
        BatchConsumerSpec(
            name="rescue-read-model",
            topics=[RESCUE_TOPIC],
            payloads=RESCUE_EVENTS,
            handler=apply_rescue_incidents,
        ),
    ]
