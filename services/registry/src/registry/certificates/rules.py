"""Pure decisions about personnel certificates (特种设备作业人员证): the holder's identity
number, the employer, and who may read a certificate and see that number."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from registry.equipment.rules import Violation
from registry.organisations.schemas import OrganisationKind
from tzsb_common.auth import CallerKind, Principal


class CertificateItem(StrEnum):
    """作业项目代号 — the items of TSG Z6001-2019 (特种设备作业人员资格认定分类与项目)."""

    A = "A"  # 特种设备安全管理
    G1 = "G1"  # 工业锅炉司炉
    G2 = "G2"  # 电站锅炉司炉
    G3 = "G3"  # 锅炉水处理
    R1 = "R1"  # 快开门式压力容器操作
    R2 = "R2"  # 移动式压力容器充装
    R3 = "R3"  # 氧舱维护保养
    P = "P"  # 气瓶充装
    D = "D"  # 压力管道巡检维护
    T = "T"  # 电梯修理 (includes maintenance, 维护保养)
    Q1 = "Q1"  # 起重机指挥
    Q2 = "Q2"  # 起重机司机
    S1 = "S1"  # 客运索道修理
    S2 = "S2"  # 客运索道司机
    Y1 = "Y1"  # 大型游乐设施修理
    Y2 = "Y2"  # 大型游乐设施操作
    N1 = "N1"  # 叉车司机
    N2 = "N2"  # 观光车和观光列车司机
    F = "F"  # 安全阀校验


ITEM_LABELS: dict[CertificateItem, str] = {
    CertificateItem.A: "特种设备安全管理",
    CertificateItem.G1: "工业锅炉司炉",
    CertificateItem.G2: "电站锅炉司炉",
    CertificateItem.G3: "锅炉水处理",
    CertificateItem.R1: "快开门式压力容器操作",
    CertificateItem.R2: "移动式压力容器充装",
    CertificateItem.R3: "氧舱维护保养",
    CertificateItem.P: "气瓶充装",
    CertificateItem.D: "压力管道巡检维护",
    CertificateItem.T: "电梯修理",
    CertificateItem.Q1: "起重机指挥",
    CertificateItem.Q2: "起重机司机",
    CertificateItem.S1: "客运索道修理",
    CertificateItem.S2: "客运索道司机",
    CertificateItem.Y1: "大型游乐设施修理",
    CertificateItem.Y2: "大型游乐设施操作",
    CertificateItem.N1: "叉车司机",
    CertificateItem.N2: "观光车和观光列车司机",
    CertificateItem.F: "安全阀校验",
}


# -- 居民身份证号 (GB 11643-1999) --------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
"""2^(17-i) mod 11 for the 17 body digits: ISO 7064 MOD 11-2."""
_ID_CHECK_CHARACTERS = "10X98765432"
"""The check character for each remainder of the weighted sum mod 11."""
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class IdNumberReason(StrEnum):
    """Why an identity number was refused. Values are stable API."""

    id_number_format = "id_number_format"
    id_number_birth_date = "id_number_birth_date"
    id_number_check_character = "id_number_check_character"


def id_number_check_character(first_17: str) -> str:
    """The 18th character of a resident identity number: ISO 7064 MOD 11-2 over the first 17
    digits (GB 11643-1999 §5.4); `X` stands for ten."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARACTERS[total % 11]


def id_number_problem(value: str, *, today: date) -> tuple[IdNumberReason, str] | None:
    """None for a well-formed identity number (upper-case `X`), else why it is not one: 17
    digits and a check character, with a birth date (digits 7–14) that is a real day from
    1900 to today."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return (
            IdNumberReason.id_number_format,
            "an identity number has 17 digits and a check character (a digit or X)",
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return IdNumberReason.id_number_birth_date, "digits 7–14 are not a real birth date"
    if not EARLIEST_BIRTH_DATE <= born <= today:
        return (
            IdNumberReason.id_number_birth_date,
            f"the birth date must lie from {EARLIEST_BIRTH_DATE.isoformat()} to today",
        )
    if id_number_check_character(value[:17]) != value[17]:
        return (
            IdNumberReason.id_number_check_character,
            "the check character (the 18th) does not match the first 17 digits",
        )
    return None


MASK_KEEP = 4


def mask_id_number(value: str) -> str:
    """`620102199003071234` → `6201**********1234`: the province and city stay readable (where a
    person is registered), the birth date and sequence do not."""
    if len(value) <= 2 * MASK_KEEP:
        return "*" * len(value)
    return value[:MASK_KEEP] + "*" * (len(value) - 2 * MASK_KEEP) + value[-MASK_KEEP:]


# -- employer -------------------------------------------------------------------------------


class CertificateReason(StrEnum):
    unknown_employer = "unknown_employer"
    employer_kind_not_allowed = "employer_kind_not_allowed"
    null_not_allowed = "null_not_allowed"


EMPLOYER_KINDS = frozenset(
    {
        OrganisationKind.use_unit,
        OrganisationKind.maintenance_company,
        OrganisationKind.filling_station,
    }
)
"""Who employs certified operators: the units that run equipment, maintain it or fill it."""


def employer_violation(organisation_kind: str | None) -> Violation | None:
    if organisation_kind is None:
        return Violation(
            ("employer_id",),
            CertificateReason.unknown_employer,
            "no organisation with this id is registered",
        )
    if organisation_kind not in EMPLOYER_KINDS:
        return Violation(
            ("employer_id",),
            CertificateReason.employer_kind_not_allowed,
            f"a {organisation_kind} does not employ certified operators; the employer is a "
            f"{', '.join(sorted(EMPLOYER_KINDS))}",
        )
    return None


# -- who may read ---------------------------------------------------------------------------

_READ_EVERY_CERTIFICATE = frozenset(
    {CallerKind.bureau, CallerKind.government_system, CallerKind.inspection_agency}
)
_READ_OWN_WORKERS = frozenset({CallerKind.maintenance_company, CallerKind.filling_station})


class NoCertificateAccess(Exception):
    """This kind of caller reads no certificates at all (a 403, not a 404)."""


def readable_employer(principal: Principal) -> uuid.UUID | None:
    """Whose workers' certificates the caller may read: None for everyone's; a maintenance
    company or filling station only its own workers'. Raises NoCertificateAccess otherwise."""
    if principal.kind in _READ_EVERY_CERTIFICATE:
        return None
    if principal.kind in _READ_OWN_WORKERS:
        return principal.organisation_id
    raise NoCertificateAccess(principal.kind)


def sees_full_id_number(principal: Principal) -> bool:
    """Only the bureau sees a holder's identity number in full (DOMAIN.md, "Equipment")."""
    return principal.kind is CallerKind.bureau
