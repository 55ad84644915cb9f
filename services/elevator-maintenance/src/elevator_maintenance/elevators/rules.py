"""Pure decisions of the elevator list: an elevator's standing is `visits.rules.
maintenance_standing` (the one rule for overdue, shared with GET /elevators/{code}/maintenance
and the overdue pass); what a caller may list is decided here."""

from __future__ import annotations

import uuid


def listed_company(
    *, caller_company: uuid.UUID | None, asked_company: uuid.UUID | None
) -> uuid.UUID | None:
    """The company whose elevators are listed: a maintenance company always its own (asking
    for another's is refused by the route), the bureau the one it names or every elevator."""
    return caller_company if caller_company is not None else asked_company
