"""Event payloads that cross service boundaries: the contracts other systems are built against.

One module per publishing service; importing this package registers every payload.
"""

from tzsb_common.contracts import registry

ALL_TOPICS: list[str] = [
    "tzsb.registry.equipment",
    "tzsb.registry.organisation",
    "tzsb.registry.contract",
    "tzsb.registry.certificate",
    "tzsb.inspection.due",
    "tzsb.inspection.result",
    "tzsb.hazard",
    "tzsb.elevator.maintenance",
    "tzsb.cylinder.fill",
]
"""Every topic of the bus (ARCHITECTURE.md, "Services"); each also has a `.dlq` twin."""

__all__ = ["ALL_TOPICS", "registry"]
