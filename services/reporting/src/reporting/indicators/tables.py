"""The indicators keep no table of their own: they read the read models, above all the
monthly visit roll-up that the visit consumer maintains as visits arrive."""

from __future__ import annotations

from reporting.read_models.tables import (
    contract_elevators,
    elevator_visit_months,
    equipment,
    inspections,
    visits,
)

__all__ = ["contract_elevators", "elevator_visit_months", "equipment", "inspections", "visits"]
