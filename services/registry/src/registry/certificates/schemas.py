from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from registry.certificates.rules import ITEM_LABELS, CertificateItem, id_number_problem
from registry.validity import today
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

CERTIFICATE_NUMBER = r"^[^/?#\s]{1,100}$"
"""A certificate number travels in a URL path: no slash, question mark, hash or space."""
ITEM_DESCRIPTION = "作业项目代号 (TSG Z6001-2019): " + ", ".join(
    f"{item.value} {label}" for item, label in ITEM_LABELS.items()
)
ID_NUMBER_DESCRIPTION = (
    "居民身份证号: 18 characters, the last an ISO 7064 MOD 11-2 check character. Shown in full "
    "to the bureau only; every other caller reads it masked (6201**********1234)."
)


class _CertificateFields(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    holder_name: str = Field(min_length=1, max_length=100, description="持证人姓名")
    employer_id: uuid.UUID = Field(description="聘用单位")
    valid_from: date = Field(description="有效期起 (included)")
    valid_to: date = Field(description="有效期至 (included)")


class CertificateCreate(_CertificateFields):
    number: str = Field(pattern=CERTIFICATE_NUMBER, description="证书编号")
    id_number: str = Field(description=ID_NUMBER_DESCRIPTION, examples=["11010519491231002X"])
    item: CertificateItem = Field(description=ITEM_DESCRIPTION)

    @field_validator("id_number")
    @classmethod
    def _valid_id_number(cls, value: str) -> str:
        value = value.upper()
        problem = id_number_problem(value, today=today())
        if problem is not None:
            reason, message = problem
            raise PydanticCustomError(reason.value, message)
        return value


class CertificateUpdate(StrictModel):
    """PATCH: renewal (复审), a change of employer or of the holder's name; only the fields sent
    change. The number, identity number and item make the certificate what it is: a different
    one is a new certificate."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    holder_name: str | None = Field(default=None, min_length=1, max_length=100)
    employer_id: uuid.UUID | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class CertificateRead(BaseModel):
    number: str = Field(description="证书编号")
    holder_name: str = Field(description="持证人姓名")
    id_number: str = Field(description=ID_NUMBER_DESCRIPTION)
    item: CertificateItem = Field(description=ITEM_DESCRIPTION)
    employer_id: uuid.UUID = Field(description="聘用单位")
    valid_from: date
    valid_to: date
    version: int
    created_at: datetime
    updated_at: datetime


CertificatePage = Page[CertificateRead]
