from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from elevator_maintenance.integrity.rules import ChainBreak


class BrokenLink(BaseModel):
    chain_seq: int = Field(description="the number in the company's chain where it breaks")
    swipe_id: str | None = Field(description="the swipe there; null when the row is missing")
    problem: ChainBreak = Field(
        description="content_altered 内容被改 | link_broken 链接断开 | row_missing 记录缺失 | "
        "head_mismatch 链尾不符"
    )


class IntegrityRead(BaseModel):
    company_id: uuid.UUID = Field(description="维保单位")
    received_from: date | None = Field(description="the range: received on or after this day")
    received_to: date | None = Field(description="the range: received on or before this day")
    first_seq: int | None = Field(description="the first chain number checked")
    last_seq: int | None = Field(description="the last chain number the range covers")
    checked: int = Field(description="rows verified before the first broken link (or all)")
    complete: bool = Field(
        description="false when the range was longer than one check walks (INTEGRITY_MAX_ROWS): "
        "check the rest from last_seq on"
    )
    intact: bool = Field(description="防篡改校验通过: no broken link in what was checked")
    first_broken: BrokenLink | None = Field(description="the first broken link, if any")
