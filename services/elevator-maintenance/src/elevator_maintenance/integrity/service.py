"""Verifying a stretch of a company's swipe chain: a few statements per page of rows."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from elevator_maintenance.integrity import queries
from elevator_maintenance.integrity.rules import Broken, ChainBreak, ChainWalk, StoredLink
from elevator_maintenance.integrity.schemas import BrokenLink, IntegrityRead
from elevator_maintenance.swipes.chain import GENESIS, ChainedContent, ChainHead, link
from tzsb_common.pg import Database

PAGE_ROWS = 5_000


async def verify_chain(
    database: Database,
    *,
    company_id: uuid.UUID,
    received_from: date | None,
    received_to: date | None,
    since: datetime | None,
    until: datetime | None,
    max_rows: int,
) -> IntegrityRead:
    """`since`/`until` are the instants of the days `received_from`/`received_to` bound. Without
    `received_to` the range runs to the chain's head, which is checked too (the newest rows
    deleted, or rewritten, show there)."""
    async with database.transaction() as conn:
        head_row = await queries.head(conn, company_id)
        bounds = await queries.seq_range(conn, company_id, since, until)
        first = 1 if received_from is None else bounds["first"]
        last = (
            bounds["last"] if received_to is not None else (head_row["seq"] if head_row else None)
        )
        if head_row is None or first is None or last is None or last < first:
            return IntegrityRead(
                company_id=company_id,
                received_from=received_from,
                received_to=received_to,
                first_seq=None,
                last_seq=None,
                checked=0,
                complete=True,
                intact=True,
                first_broken=None,
            )
        walk = ChainWalk(previous=GENESIS, expected_seq=first)
        if first > 1:
            before = await queries.anchor(conn, company_id, first - 1)
            if before is None:
                walk.first_broken = Broken(first - 1, None, ChainBreak.row_missing)
            else:
                walk.previous = link(before["prev_hash"], before["content_hash"])
        end = min(last, first + max_rows - 1)
        cursor = first
        while walk.first_broken is None and cursor <= end:
            rows = await queries.chained_rows(
                conn, company_id, first=cursor, last=end, limit=PAGE_ROWS
            )
            for row in rows:
                walk.step(
                    StoredLink(
                        content=ChainedContent(
                            company_id=row["company_id"],
                            swipe_id=row["swipe_id"],
                            equipment_code=row["equipment_code"],
                            certificate_number=row["certificate_number"],
                            kind=row["kind"],
                            at=row["at"],
                            lat=row["lat"],
                            lon=row["lon"],
                            source=row["source"],
                            visit_kind=row["visit_kind"],
                            status=row["status"],
                            reasons=row["reasons"],
                            client_id=row["client_id"],
                            chain_seq=row["chain_seq"],
                        ),
                        content_hash=row["content_hash"],
                        prev_hash=row["prev_hash"],
                    )
                )
            if len(rows) < PAGE_ROWS:
                break
            cursor = rows[-1]["chain_seq"] + 1
        if walk.first_broken is None and walk.expected_seq <= end:
            walk.first_broken = Broken(walk.expected_seq, None, ChainBreak.row_missing)
        complete = end == last
        if complete and received_to is None:
            walk.finish_at_head(ChainHead(seq=head_row["seq"], link=head_row["link"]))
    broken = walk.first_broken
    return IntegrityRead(
        company_id=company_id,
        received_from=received_from,
        received_to=received_to,
        first_seq=first,
        last_seq=last,
        checked=walk.checked,
        complete=complete or broken is not None,
        intact=broken is None,
        first_broken=(
            BrokenLink(chain_seq=broken.chain_seq, swipe_id=broken.swipe_id, problem=broken.problem)
            if broken
            else None
        ),
    )
