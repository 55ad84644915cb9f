"""Who may read and change which personnel certificates, and who sees identity numbers in
full: typed dependencies for the routes' signatures. The decisions are in rules.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from registry.certificates import service
from registry.certificates.rules import (
    NoCertificateAccess,
    mask_id_number,
    readable_employer,
    sees_full_id_number,
)
from registry.certificates.schemas import CERTIFICATE_NUMBER, CertificateRead
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import Forbidden, NotFound

CertificateNumber = Annotated[str, Path(pattern=CERTIFICATE_NUMBER, description="证书编号")]

CertificateWriter = BureauPrincipal
"""Only the bureau enters and changes certificates."""


class CertificateReadScope:
    """Whose workers' certificates a caller may read (`employer_id` None: everyone's), and
    whether it sees identity numbers in full."""

    def __init__(self, employer_id: uuid.UUID | None, *, full_id_numbers: bool) -> None:
        self.employer_id = employer_id
        self.full_id_numbers = full_id_numbers

    def shown(self, record: CertificateRead) -> CertificateRead:
        """The record as this caller is shown it: the identity number masked for all but the
        bureau. Only the answer is masked; the record keeps the number in full."""
        if self.full_id_numbers:
            return record
        return record.model_copy(update={"id_number": mask_id_number(record.id_number)})


async def _certificate_reader(principal: CurrentPrincipal) -> CertificateReadScope:
    try:
        employer_id = readable_employer(principal)
    except NoCertificateAccess:
        raise Forbidden("this kind of caller reads no personnel certificates") from None
    return CertificateReadScope(employer_id, full_id_numbers=sees_full_id_number(principal))


CertificateReader = Annotated[CertificateReadScope, Depends(_certificate_reader)]


async def _readable_certificate(
    number: CertificateNumber, scope: CertificateReader, database: CurrentDatabase
) -> CertificateRead:
    record = await service.get_certificate(database, number=number)
    # Another employer's worker answers exactly like a certificate that does not exist.
    if record is None or scope.employer_id not in (None, record.employer_id):
        raise NotFound(f"no certificate numbered {number}")
    return scope.shown(record)


ReadableCertificate = Annotated[CertificateRead, Depends(_readable_certificate)]
"""The certificate named in the path as this caller may see it; 404 if it may not."""
