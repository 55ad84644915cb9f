"""The consumer of `tzsb.hazard.signal.v1`: every service's signs of a hazard (维保超期, 借证挂靠,
拒充仍充装, …) become hazards here, one per signal id, in one statement per chunk."""

from __future__ import annotations

from inspection.hazards.service import open_from_signals
from tzsb_common.consumer import BatchConsumerSpec
from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardSignalV1

CONSUMER_NAME = "hazard-signals"


def hazard_signals() -> BatchConsumerSpec:
    # The lifecycle events inspection itself publishes on the same topic are other types:
    # the consumer skips them.
    return BatchConsumerSpec(
        name=CONSUMER_NAME,
        topics=[HAZARD_TOPIC],
        payloads=[HazardSignalV1],
        handler=open_from_signals,
    )
