"""Pure decisions about supervision staff (监察人员)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class StaffReason(StrEnum):
    """Why a record was refused. Values are stable API."""

    certificate_incomplete = "certificate_incomplete"
    duplicate_certificate = "duplicate_certificate"
    null_not_allowed = "null_not_allowed"


def certificate_problem(values: dict[str, Any]) -> str | None:
    """A certificate has both a number and a level, or neither."""
    if (values.get("certificate_number") is None) != (values.get("certificate_level") is None):
        return "give the certificate's number and its level (A or B) together"
    return None
