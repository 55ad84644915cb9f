"""Pure decisions about installation notices (安装告知)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from registry.equipment.catalogue import Category, variety_belongs_to
from tzsb_common.auth import CallerKind, Principal


class NoticeReason(StrEnum):
    """Why a notice was refused. Values are stable API."""

    unknown_variety = "unknown_variety"
    unknown_use_unit = "unknown_use_unit"
    unknown_installer = "unknown_installer"
    installer_required = "installer_required"
    not_own_notice = "not_own_notice"


FILING_KINDS = frozenset({CallerKind.bureau, CallerKind.installer})
"""The installing unit files its notice; the bureau may file one on its behalf."""
_READ_ALL = frozenset({CallerKind.bureau, CallerKind.government_system})


def installer_of(principal: Principal, named: uuid.UUID | None) -> uuid.UUID | NoticeReason:
    """The installer a notice is filed for: an installer files only its own."""
    if principal.kind is CallerKind.installer:
        if named is not None and named != principal.organisation_id:
            return NoticeReason.not_own_notice
        return principal.organisation_id
    return named if named is not None else NoticeReason.installer_required


def variety_problem(category: Category, variety: str) -> str | None:
    if variety_belongs_to(variety, category):
        return None
    return f"{variety} is not a variety of category {category.value}"


def readable_installer(principal: Principal) -> uuid.UUID | None:
    """None: every notice. An installer reads its own. Raises PermissionError for others."""
    if principal.kind in _READ_ALL:
        return None
    if principal.kind is CallerKind.installer:
        return principal.organisation_id
    raise PermissionError(principal.kind)
