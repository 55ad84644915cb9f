"""Pure decisions about licences (许可证): who may hold which kind, what its scope may name,
which status changes are allowed, and who may read it."""

from __future__ import annotations

import uuid
from enum import StrEnum

from registry.equipment.catalogue import Category
from registry.equipment.rules import Violation
from registry.licences.schemas import FillingMedium, LicenceAction, LicenceKind, LicenceStatus
from registry.organisations.schemas import OrganisationKind
from tzsb_common.auth import CallerKind, Principal


class LicenceReason(StrEnum):
    """Why a licence or a change to it was refused. Values are stable API."""

    unknown_organisation = "unknown_organisation"
    kind_does_not_fit_organisation = "kind_does_not_fit_organisation"
    unknown_scope_item = "unknown_scope_item"
    duplicate_scope_item = "duplicate_scope_item"
    transition_not_allowed = "transition_not_allowed"


HOLDER_KINDS: dict[LicenceKind, frozenset[OrganisationKind]] = {
    LicenceKind.maintenance: frozenset({OrganisationKind.maintenance_company}),
    LicenceKind.filling: frozenset({OrganisationKind.filling_station}),
    LicenceKind.inspection: frozenset({OrganisationKind.inspection_agency}),
    # 安装改造修理许可: held by installers (安装单位), and by the maintenance companies that
    # also install the elevators they maintain.
    LicenceKind.installation: frozenset(
        {OrganisationKind.installer, OrganisationKind.maintenance_company}
    ),
}
"""The kinds of organisation that may hold each kind of licence."""


def holder_violation(kind: LicenceKind, organisation_kind: str | None) -> Violation | None:
    """None when an organisation of `organisation_kind` (None: not registered) may hold a
    licence of `kind`."""
    if organisation_kind is None:
        return Violation(
            ("organisation_id",),
            LicenceReason.unknown_organisation,
            "no organisation with this id is registered",
        )
    holders = HOLDER_KINDS[kind]
    if organisation_kind not in holders:
        return Violation(
            ("organisation_id",),
            LicenceReason.kind_does_not_fit_organisation,
            f"a {kind.value} licence is held by a {' or '.join(sorted(holders))}, "
            f"not a {organisation_kind}",
        )
    return None


_FILLING_MEDIA = frozenset(FillingMedium)
_CATEGORIES = frozenset(Category)


def scope_violations(kind: LicenceKind, scope: list[str]) -> list[Violation]:
    """A filling licence names media; every other kind names equipment categories. An item
    named twice is refused rather than silently merged: the sender may have meant another."""
    allowed = _FILLING_MEDIA if kind is LicenceKind.filling else _CATEGORIES
    what = "filling medium" if kind is LicenceKind.filling else "equipment category code"
    violations: list[Violation] = []
    seen: set[str] = set()
    for index, item in enumerate(scope):
        if item not in allowed:
            violations.append(
                Violation(
                    ("scope", index),
                    LicenceReason.unknown_scope_item,
                    f"{item!r} is not a {what} a {kind.value} licence may name",
                )
            )
        elif item in seen:
            violations.append(
                Violation(("scope", index), LicenceReason.duplicate_scope_item, "named twice")
            )
        seen.add(item)
    return violations


_TRANSITIONS: dict[tuple[LicenceStatus, LicenceAction], LicenceStatus] = {
    (LicenceStatus.active, LicenceAction.suspend): LicenceStatus.suspended,
    (LicenceStatus.suspended, LicenceAction.reinstate): LicenceStatus.active,
    (LicenceStatus.active, LicenceAction.revoke): LicenceStatus.revoked,
    (LicenceStatus.suspended, LicenceAction.revoke): LicenceStatus.revoked,
}
"""暂停 suspends an active licence until 恢复 reinstates it; 撤销 ends it for good — a revoked
licence is never reinstated, the holder applies for a new one."""


def next_status(current: LicenceStatus, action: LicenceAction) -> LicenceStatus | None:
    """The status `action` leads to from `current`; None when the action is not allowed."""
    return _TRANSITIONS.get((current, action))


def transition_violation(current: LicenceStatus, action: LicenceAction) -> Violation | None:
    if next_status(current, action) is not None:
        return None
    return Violation(
        ("status",),
        LicenceReason.transition_not_allowed,
        f"a {current.value} licence cannot be {_PAST[action]}",
    )


_PAST = {
    LicenceAction.suspend: "suspended",
    LicenceAction.reinstate: "reinstated",
    LicenceAction.revoke: "revoked",
}


def action_that_led_to(status: LicenceStatus) -> LicenceAction:
    """The action after which a changed licence (version 2 or later) is in `status`: each
    status is reached by one action only, so a licence's last change can be told from it."""
    return {
        LicenceStatus.suspended: LicenceAction.suspend,
        LicenceStatus.revoked: LicenceAction.revoke,
        LicenceStatus.active: LicenceAction.reinstate,
    }[status]


# -- who may read ---------------------------------------------------------------------------

_READ_EVERY_LICENCE = frozenset(
    {CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency}
)
_READ_OWN_LICENCE = frozenset({CallerKind.maintenance_company, CallerKind.filling_station})


class NoLicenceAccess(Exception):
    """This kind of caller reads no licences at all (a 403, not a 404)."""


def readable_holder(principal: Principal) -> uuid.UUID | None:
    """Whose licences the caller may read: None for every organisation's, else its own.
    Raises NoLicenceAccess for kinds that read none (use units)."""
    if principal.kind in _READ_EVERY_LICENCE:
        return None
    if principal.kind in _READ_OWN_LICENCE:
        return principal.organisation_id
    raise NoLicenceAccess(principal.kind)
