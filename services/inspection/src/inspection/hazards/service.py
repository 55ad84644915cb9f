"""Hazard use cases: one transaction each, the hazard's row locked, its event in the outbox.

A step the hazard's state forbids raises `Conflict` with the rule's reason as its `code` (409);
a seal longer than the settings allow raises `ValidationFailed` on `days` (422). Lifecycle
events take the hazard id as their subject, so every event of one hazard keeps its order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inspection.hazards import queries
from inspection.hazards.rules import (
    TARGET,
    FieldViolation,
    HazardConflict,
    HazardFacts,
    HazardState,
    SealReason,
    Transition,
    evidence_conflict,
    extension_conflict,
    extension_days_problem,
    opening_violations,
    release_conflict,
    seal_conflict,
    seal_days_problem,
    seal_ends_on,
    source_of_signal,
    supervision_conflict,
    transition_conflict,
    within_deadline,
)
from inspection.hazards.schemas import (
    EvidenceRead,
    HazardCreate,
    HazardRead,
    SealRead,
    Verification,
)
from tzsb_common.auth import Principal
from tzsb_common.consumer import HandlerContext, TypedEvent
from tzsb_common.contracts.hazard import (
    HazardClosedV1,
    HazardFoundV1,
    HazardRectifiedV1,
    HazardSignalV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed

_CONFLICT_DETAIL: dict[HazardConflict, str] = {
    HazardConflict.hazard_closed: "the hazard is closed (已销号)",
    HazardConflict.hazard_not_open: "only an open hazard gets a supervision order",
    HazardConflict.hazard_not_order_issued: "rectification starts after a supervision order",
    HazardConflict.hazard_not_rectifying: "only a hazard under rectification is reported done",
    HazardConflict.hazard_not_rectified: "only a hazard reported rectified is verified",
    HazardConflict.evidence_required: "upload evidence (整改证据) before reporting it rectified",
    HazardConflict.hazard_not_major: "only a major hazard (重大隐患) is supervised or sealed",
    HazardConflict.already_supervised: "the hazard is under supervision (挂牌督办) already",
    HazardConflict.no_equipment_to_seal: "the hazard names no equipment to seal",
    HazardConflict.already_sealed: "the equipment is sealed (查封) already",
    HazardConflict.not_sealed: "the equipment is not sealed",
    HazardConflict.seal_already_extended: "a seal is extended once only",
    HazardConflict.seal_expired: "the seal has run out; it is no longer extended",
    HazardConflict.seal_active: "release the seal (解封) before closing the hazard",
}


class HazardRefused(Exception):
    """The request breaks a rule on its fields (422); nothing was written."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def conflict(reason: HazardConflict) -> Conflict:
    return Conflict(_CONFLICT_DETAIL[reason], code=reason.value)


def to_read(row: dict[str, Any], *, today: date) -> HazardRead:
    seal = None
    if row["sealed_on"] is not None:
        facts = facts_of(row)
        seal = SealRead(
            sealed_on=row["sealed_on"],
            ends_on=row["seal_ends_on"],
            extended=row["seal_extended"],
            released_on=row["seal_released_on"],
            active=facts.sealed(today),
            expired_on=row["seal_expired_on"],
        )
    return HazardRead.model_validate(
        {**row, "supervised": row["supervised_at"] is not None, "seal": seal}
    )


def facts_of(row: dict[str, Any]) -> HazardFacts:
    return HazardFacts(
        state=HazardState(row["state"]),
        severity=row["severity"],
        equipment_code=row["equipment_code"],
        evidence_count=row["evidence_count"],
        supervised=row["supervised_at"] is not None,
        sealed_on=row["sealed_on"],
        seal_ends_on=row["seal_ends_on"],
        seal_extended=row["seal_extended"],
        seal_released_on=row["seal_released_on"],
        seal_expired_on=row["seal_expired_on"],
    )


def found_event(row: dict[str, Any]) -> HazardFoundV1:
    return HazardFoundV1(
        hazard_id=row["id"],
        source=row["source"],
        severity=row["severity"],
        description=row["description"],
        equipment_code=row["equipment_code"],
        use_unit_id=row["use_unit_id"],
        unit_id=row["unit_id"],
        deadline=row["deadline"],
        inspection_id=row["inspection_id"],
        signal_id=row["signal_id"],
    )


async def get_hazard(database: Database, *, hazard_id: uuid.UUID, today: date) -> HazardRead | None:
    async with database.connection() as conn:
        row = await queries.get_hazard(conn, hazard_id)
    return to_read(row, today=today) if row is not None else None


async def list_hazards(
    database: Database,
    *,
    filters: dict[str, Any],
    readable_by: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    today: date,
) -> list[HazardRead]:
    async with database.connection() as conn:
        rows = await queries.list_hazards(
            conn, filters=filters, readable_by=readable_by, after=after, limit=limit
        )
    return [to_read(row, today=today) for row in rows]


async def open_hazard(
    database: Database, outbox: Outbox, *, principal: Principal, data: HazardCreate, today: date
) -> HazardRead:
    """立案 — the bureau opens a hazard by hand. Equipment the replica does not know may still
    be named (equipment in use unregistered is exactly what a patrol finds); then, as for a
    unit's own hazard, the answerable unit must be given."""
    async with database.transaction() as conn:
        use_unit_id = None
        if data.equipment_code is not None:
            _, use_unit_id = await queries.use_unit_of(conn, data.equipment_code)
        violations = opening_violations(
            source=data.source,
            deadline=data.deadline,
            answerable_known=use_unit_id is not None or data.unit_id is not None,
            today=today,
        )
        if violations:
            raise HazardRefused(violations)
        hazard_id = await queries.insert_hazard(
            conn,
            {
                "equipment_code": data.equipment_code,
                "use_unit_id": use_unit_id,
                "unit_id": data.unit_id,
                "source": data.source.value,
                "severity": data.severity.value,
                "description": data.description,
                "deadline": data.deadline,
                "opened_by": principal.client_id,
            },
        )
        row = await _require(conn, hazard_id)
        await outbox.add_on_connection(conn, found_event(row), subject=str(hazard_id))
    return to_read(row, today=today)


async def _require(conn: Connection, hazard_id: uuid.UUID) -> dict[str, Any]:
    row = await queries.get_hazard(conn, hazard_id)
    if row is None:
        raise NotFound(f"no hazard {hazard_id}")
    return row


async def _locked(
    conn: Connection, hazard_id: uuid.UUID, expected_versions: frozenset[int] | None
) -> dict[str, Any]:
    if not await queries.lock_hazard(conn, hazard_id):
        raise NotFound(f"no hazard {hazard_id}")
    row = await _require(conn, hazard_id)
    if expected_versions and row["version"] not in expected_versions:
        raise PreconditionFailed(f"the hazard is at version {row['version']}")
    return row


async def start_rectification(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """开始整改 — order_issued → rectifying."""
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = transition_conflict(Transition.start_rectification, facts_of(row), today=today)
        if reason is not None:
            raise conflict(reason)
        await queries.apply_step(
            conn,
            hazard_id,
            state=TARGET[Transition.start_rectification],
            sets={"rectification_started_at": datetime.now(UTC)},
        )
        row = await _require(conn, hazard_id)
    return to_read(row, today=today)


async def report_rectified(
    database: Database,
    outbox: Outbox,
    *,
    hazard_id: uuid.UUID,
    note: str | None,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """整改完成 — rectifying → rectified, with the evidence uploaded before."""
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = transition_conflict(Transition.report_rectified, facts_of(row), today=today)
        if reason is not None:
            raise conflict(reason)
        now = datetime.now(UTC)
        await queries.apply_step(
            conn,
            hazard_id,
            state=TARGET[Transition.report_rectified],
            sets={"rectified_at": now, "rectification_note": note},
        )
        row = await _require(conn, hazard_id)
        evidence = await queries.evidence_of(conn, hazard_id)
        await outbox.add_on_connection(
            conn,
            HazardRectifiedV1(
                hazard_id=hazard_id,
                equipment_code=row["equipment_code"],
                rectified_at=row["rectified_at"],
                evidence_sha256=[e["sha256"] for e in evidence],
                deadline=row["deadline"],
                within_deadline=within_deadline(today, row["deadline"]),
            ),
            subject=str(hazard_id),
        )
    return to_read(row, today=today)


async def verify(
    database: Database,
    outbox: Outbox,
    *,
    hazard_id: uuid.UUID,
    verification: Verification,
    today: date,
    zone: ZoneInfo,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """验证 — rectified → closed (销号), or back to rectifying when the work falls short."""
    transition = Transition.accept if verification.accepted else Transition.reject
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = transition_conflict(transition, facts_of(row), today=today)
        if reason is not None:
            raise conflict(reason)
        sets: dict[str, Any] = {"verification_note": verification.note}
        if verification.accepted:
            sets["closed_at"] = datetime.now(UTC)
        else:
            sets["rectified_at"] = None
        await queries.apply_step(conn, hazard_id, state=TARGET[transition], sets=sets)
        rectified_at = row["rectified_at"]
        row = await _require(conn, hazard_id)
        if verification.accepted:
            rectified_on = rectified_at.astimezone(zone).date() if rectified_at else None
            await outbox.add_on_connection(
                conn,
                HazardClosedV1(
                    hazard_id=hazard_id,
                    equipment_code=row["equipment_code"],
                    closed_at=row["closed_at"],
                    deadline=row["deadline"],
                    rectified_within_deadline=within_deadline(rectified_on, row["deadline"]),
                ),
                subject=str(hazard_id),
            )
    return to_read(row, today=today)


async def supervise(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    note: str | None,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """挂牌督办 — a major hazard put under the bureau's supervision; its state is unchanged."""
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = supervision_conflict(facts_of(row))
        if reason is not None:
            raise conflict(reason)
        await queries.apply_step(
            conn,
            hazard_id,
            state=row["state"],
            sets={"supervised_at": datetime.now(UTC), "supervision_note": note},
        )
        row = await _require(conn, hazard_id)
    return to_read(row, today=today)


def _days_refused(reason: SealReason, max_days: int) -> HazardRefused:
    return HazardRefused([FieldViolation("days", reason, f"at most {max_days} days")])


async def seal(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    days: int,
    max_days: int,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """查封 — the equipment of a major hazard sealed from today for `days` days."""
    problem = seal_days_problem(days, max_days=max_days)
    if problem is not None:
        raise _days_refused(problem, max_days)
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = seal_conflict(facts_of(row))
        if reason is not None:
            raise conflict(reason)
        await queries.apply_step(
            conn,
            hazard_id,
            state=row["state"],
            sets={
                "sealed_on": today,
                "seal_ends_on": seal_ends_on(today, days),
                "seal_extended": False,
                "seal_released_on": None,
                "seal_expired_on": None,
            },
        )
        row = await _require(conn, hazard_id)
    return to_read(row, today=today)


async def extend_seal(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    days: int,
    max_days: int,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """延长查封 — once, while the seal lasts, by at most `max_days`."""
    problem = extension_days_problem(days, max_days=max_days)
    if problem is not None:
        raise _days_refused(problem, max_days)
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = extension_conflict(facts_of(row), today=today)
        if reason is not None:
            raise conflict(reason)
        await queries.apply_step(
            conn,
            hazard_id,
            state=row["state"],
            sets={
                "seal_ends_on": row["seal_ends_on"] + timedelta(days=days),
                "seal_extended": True,
            },
        )
        row = await _require(conn, hazard_id)
    return to_read(row, today=today)


async def release_seal(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    today: date,
    expected_versions: frozenset[int] | None = None,
) -> HazardRead:
    """解封."""
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, expected_versions)
        reason = release_conflict(facts_of(row))
        if reason is not None:
            raise conflict(reason)
        await queries.apply_step(
            conn, hazard_id, state=row["state"], sets={"seal_released_on": today}
        )
        row = await _require(conn, hazard_id)
    return to_read(row, today=today)


# -- evidence ------------------------------------------------------------------------------------


async def add_evidence(
    database: Database,
    *,
    hazard_id: uuid.UUID,
    filename: str,
    content_type: str,
    content: bytes,
    uploaded_by: uuid.UUID,
) -> tuple[EvidenceRead, bool]:
    """The evidence and whether it is new: the same file again (a retried upload) is the one
    held already."""
    sha256 = hashlib.sha256(content).hexdigest()
    async with database.transaction() as conn:
        row = await _locked(conn, hazard_id, None)
        reason = evidence_conflict(facts_of(row))
        if reason is not None:
            raise conflict(reason)
        stored = await queries.insert_evidence(
            conn,
            {
                "hazard_id": hazard_id,
                "filename": filename,
                "content_type": content_type,
                "size_bytes": len(content),
                "sha256": sha256,
                "content": content,
                "uploaded_by": uploaded_by,
            },
        )
        if stored is None:
            held = await queries.evidence_by_hash(conn, hazard_id, sha256)
            assert held is not None  # the hazard's row lock keeps it
            return EvidenceRead.model_validate(held), False
        await queries.touch_hazard(conn, hazard_id)
    return EvidenceRead.model_validate(stored), True


async def list_evidence(database: Database, *, hazard_id: uuid.UUID) -> list[EvidenceRead]:
    async with database.connection() as conn:
        rows = await queries.evidence_of(conn, hazard_id)
    return [EvidenceRead.model_validate(row) for row in rows]


async def evidence_file(
    database: Database, *, hazard_id: uuid.UUID, evidence_id: uuid.UUID
) -> tuple[EvidenceRead, bytes] | None:
    async with database.connection() as conn:
        row = await queries.evidence_file(conn, hazard_id, evidence_id)
    if row is None:
        return None
    content: bytes = row.pop("content")
    return EvidenceRead.model_validate(row), content


# -- signals from other services ---------------------------------------------------------------


def signal_rows(events: Sequence[TypedEvent[Any]]) -> list[dict[str, Any]]:
    """One row per signal id, the first delivery (a chunk may carry a redelivery)."""
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for event in events:
        signal: HazardSignalV1 = event.payload
        rows.setdefault(
            signal.signal_id,
            {
                "signal_id": signal.signal_id,
                "kind": signal.kind,
                "source": source_of_signal(signal.kind).value,
                "severity": signal.severity,
                "equipment_code": signal.equipment_code,
                "unit_id": signal.unit_id,
                "description": signal.description,
            },
        )
    return list(rows.values())


async def open_from_signals(context: HandlerContext, events: Sequence[TypedEvent[Any]]) -> None:
    """Each signal opens one hazard, however often it arrives; each new one is found."""
    opened = await queries.open_from_signals(context.session, signal_rows(events))
    for row in opened:
        context.emit(found_event(row), subject=str(row["id"]))
