"""Events the registry publishes (登记). Consumers keep replicas of equipment, organisations,
licences, maintenance contracts, personnel certificates and the bureau's supervision staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tzsb_common.events import EventPayload, register_event

EQUIPMENT_CODE_PATTERN = r"^[0-9A-Z]{4}[0-9]{14}$"
"""设备代码: the variety (品种, four characters: 3110, 4D00) and 14 digits. Every service that
takes a code checks it against this."""

EQUIPMENT_TOPIC = "tzsb.registry.equipment"
ORGANISATION_TOPIC = "tzsb.registry.organisation"
CONTRACT_TOPIC = "tzsb.registry.contract"
CERTIFICATE_TOPIC = "tzsb.registry.certificate"
LICENCE_TOPIC = "tzsb.registry.licence"
STAFF_TOPIC = "tzsb.registry.staff"
SNAPSHOT_TOPICS = (
    EQUIPMENT_TOPIC,
    ORGANISATION_TOPIC,
    CONTRACT_TOPIC,
    CERTIFICATE_TOPIC,
    LICENCE_TOPIC,
    STAFF_TOPIC,
)
"""Every event on these carries a record's whole state: the topics are compacted, so the latest
state of every record stays readable for a replica built at any later time."""


_CHANGED_FIELDS = (
    "Names of the fields this change touched; empty when the registry re-publishes the "
    "current state and that change is no longer known"
)
_SNAPSHOT_VERSION = "Increases by one with every change; apply a snapshot only if it is newer"


class RegionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str
    city: str
    district: str


class InsurancePayload(BaseModel):
    """电梯责任保险 — an elevator's liability insurance policy."""

    model_config = ConfigDict(extra="forbid")

    insurer: str
    policy_number: str
    valid_from: date
    valid_to: date


class EquipmentSnapshot(BaseModel):
    """The whole equipment record as the registry holds it after the change."""

    model_config = ConfigDict(extra="forbid")

    equipment_code: str = Field(
        description="设备代码, 18 characters: the variety (e.g. 3110, 4D00), then 14 digits"
    )
    category: str = Field(description="特种设备目录 category code, e.g. 3000")
    variety: str = Field(description="品种 code, e.g. 3110")
    status: str = Field(
        description="in_use 在用 | suspended 停用 | scrapped 报废 | deregistered 注销"
    )
    registration_number: str | None = Field(description="使用登记证编号; null while unregistered")
    use_unit_id: uuid.UUID
    region: RegionPayload
    park: str | None
    manufacturer: str | None
    factory_number: str | None
    manufactured_on: date | None
    commissioned_on: date | None
    address: str | None
    lat: float | None
    lon: float | None
    attributes: dict[str, Any]
    rescue_code: str | None = Field(description="96333 emergency-platform code")
    rescue_sign_posted: bool
    version: int = Field(description=_SNAPSHOT_VERSION)
    # Added with the equipment lifecycle; defaults keep earlier events readable.
    status_since: date | None = Field(
        default=None, description="the day the current status took effect"
    )
    registered_on: date | None = Field(default=None, description="使用登记 date")
    legacy_registration_code: str | None = Field(default=None, description="旧注册代码, 20 digits")
    insurance: InsurancePayload | None = Field(default=None, description="电梯责任保险")
    remote_monitoring_device_id: str | None = Field(default=None, description="远程监测装置")
    installation_notice_id: uuid.UUID | None = Field(default=None, description="安装告知")
    registered: bool = Field(
        description="holds a 使用登记证; false is what the registration rate counts against"
    )

    @model_validator(mode="before")
    @classmethod
    def _registered_from_the_certificate(cls, data: Any) -> Any:
        # Events published before the field existed say it through their registration number.
        if isinstance(data, dict) and "registered" not in data:
            return {**data, "registered": data.get("registration_number") is not None}
        return data


@register_event
class EquipmentCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.equipment.created.v1"
    topic: ClassVar[str] = EQUIPMENT_TOPIC
    summary: ClassVar[str] = "A piece of special equipment was entered in the registry"
    snapshot_field: ClassVar[str | None] = "equipment"

    equipment: EquipmentSnapshot


@register_event
class EquipmentUpdatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.equipment.updated.v1"
    topic: ClassVar[str] = EQUIPMENT_TOPIC
    summary: ClassVar[str] = "A registry record of special equipment changed (status, data, unit)"
    snapshot_field: ClassVar[str | None] = "equipment"

    equipment: EquipmentSnapshot
    changed_fields: list[str] = Field(description=_CHANGED_FIELDS)


@register_event
class EquipmentRegisteredV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.equipment.registered.v1"
    topic: ClassVar[str] = EQUIPMENT_TOPIC
    summary: ClassVar[str] = "A piece of equipment was registered (使用登记): certificate and date"
    snapshot_field: ClassVar[str | None] = "equipment"

    equipment: EquipmentSnapshot
    registration_number: str = Field(description="使用登记证编号")
    registered_on: date


@register_event
class EquipmentStatusChangedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.equipment.status_changed.v1"
    topic: ClassVar[str] = EQUIPMENT_TOPIC
    summary: ClassVar[str] = (
        "A piece of equipment changed status (在用/停用/报废/注销), with reason and date"
    )
    snapshot_field: ClassVar[str | None] = "equipment"

    equipment: EquipmentSnapshot
    from_status: str
    to_status: str
    reason: str
    effective_on: date


class OrganisationSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID
    credit_code: str | None = Field(description="统一社会信用代码, 18 characters")
    name: str
    kind: str
    region: dict[str, str | None]
    address: str | None
    version: int = Field(description=_SNAPSHOT_VERSION)


@register_event
class OrganisationCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.organisation.created.v1"
    topic: ClassVar[str] = ORGANISATION_TOPIC
    summary: ClassVar[str] = (
        "An organisation (use unit, maintenance company, station …) was entered"
    )
    snapshot_field: ClassVar[str | None] = "organisation"

    organisation: OrganisationSnapshot


@register_event
class OrganisationUpdatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.organisation.updated.v1"
    topic: ClassVar[str] = ORGANISATION_TOPIC
    summary: ClassVar[str] = "An organisation's registered data changed"
    snapshot_field: ClassVar[str | None] = "organisation"

    organisation: OrganisationSnapshot
    changed_fields: list[str] = Field(description=_CHANGED_FIELDS)


class LicenceSnapshot(BaseModel):
    """The whole licence (许可证) as the registry holds it after the change."""

    model_config = ConfigDict(extra="forbid")

    licence_id: uuid.UUID
    organisation_id: uuid.UUID = Field(description="持证单位")
    number: str = Field(description="许可证编号")
    kind: str = Field(description="maintenance | filling | inspection | installation")
    scope: list[str] = Field(
        description="许可范围: media a filling station may fill, or equipment category codes"
    )
    valid_from: date
    valid_to: date = Field(description="included")
    status: str = Field(description="active 有效 | suspended 暂停 | revoked 撤销")
    status_reason: str | None = Field(description="原因 of the last status change")
    status_changed_on: date | None = Field(description="生效日期 of the last status change")
    version: int = Field(description=_SNAPSHOT_VERSION)


@register_event
class LicenceCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.licence.created.v1"
    topic: ClassVar[str] = LICENCE_TOPIC
    summary: ClassVar[str] = "A licence (maintenance, filling, inspection …) was entered"
    snapshot_field: ClassVar[str | None] = "licence"

    licence: LicenceSnapshot


@register_event
class LicenceStatusChangedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.licence.status_changed.v1"
    topic: ClassVar[str] = LICENCE_TOPIC
    summary: ClassVar[str] = "A licence was suspended, reinstated or revoked"
    snapshot_field: ClassVar[str | None] = "licence"

    licence: LicenceSnapshot
    action: str = Field(description="suspend 暂停 | reinstate 恢复 | revoke 撤销")
    reason: str = Field(description="原因")
    effective_on: date = Field(description="生效日期")


class ContractSnapshot(BaseModel):
    """The whole maintenance contract (维保合同) after the change."""

    model_config = ConfigDict(extra="forbid")

    contract_id: uuid.UUID
    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    equipment_codes: list[str] = Field(description="the elevators it covers (设备代码)")
    valid_from: date
    valid_to: date = Field(description="included")
    maintenance_interval_days: int | None = Field(
        description="按需维保 interval; null: the regular 15-day interval"
    )
    status: str = Field(description="active | terminated")
    terminated_on: date | None = Field(description="last day in force of a contract ended early")
    termination_reason: str | None
    in_force_until: date = Field(description="terminated_on if set, else valid_to (included)")
    version: int = Field(description=_SNAPSHOT_VERSION)


@register_event
class ContractCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.contract.created.v1"
    topic: ClassVar[str] = CONTRACT_TOPIC
    summary: ClassVar[str] = "A maintenance contract for one or more elevators was entered"
    snapshot_field: ClassVar[str | None] = "contract"

    contract: ContractSnapshot


@register_event
class ContractTerminatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.contract.terminated.v1"
    topic: ClassVar[str] = CONTRACT_TOPIC
    summary: ClassVar[str] = "A maintenance contract was ended before its term"
    snapshot_field: ClassVar[str | None] = "contract"

    contract: ContractSnapshot


class CertificateSnapshot(BaseModel):
    """A personnel certificate (特种设备作业人员证) after the change.

    The holder's identity number is not in it: events reach every service and stay on a
    compacted topic for as long as the certificate exists, where no caller-by-caller masking
    applies and a record cannot be taken back. Consumers match swipes and fills by certificate
    number; a person's identity number is asked of the registry, by the bureau.
    """

    model_config = ConfigDict(extra="forbid")

    number: str = Field(description="证书编号")
    holder_name: str = Field(description="持证人姓名")
    item: str = Field(description="作业项目代号 (TSG Z6001), e.g. T 电梯修理, P 气瓶充装")
    employer_id: uuid.UUID = Field(description="聘用单位")
    valid_from: date
    valid_to: date = Field(description="included")
    version: int = Field(description=_SNAPSHOT_VERSION)


@register_event
class CertificateCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.certificate.created.v1"
    topic: ClassVar[str] = CERTIFICATE_TOPIC
    summary: ClassVar[str] = "A personnel certificate was entered in the registry"
    snapshot_field: ClassVar[str | None] = "certificate"

    certificate: CertificateSnapshot


@register_event
class CertificateUpdatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.certificate.updated.v1"
    topic: ClassVar[str] = CERTIFICATE_TOPIC
    summary: ClassVar[str] = "A personnel certificate changed (renewal, employer, holder's name)"
    snapshot_field: ClassVar[str | None] = "certificate"

    certificate: CertificateSnapshot
    changed_fields: list[str] = Field(description=_CHANGED_FIELDS)


class StaffRegionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str
    city: str
    district: str
    park: str | None = Field(description="园区; null outside a park")


class StaffSnapshot(BaseModel):
    """A member of the bureau's supervision staff (特种设备安全监察人员) after the change: the
    record as the registry answers it, its id named `staff_id`.

    `created_at` travels too: it is the only date the record has, and a yearly count (table 1
    of the annual report) leaves out staff entered after the year it counts.
    """

    model_config = ConfigDict(extra="forbid")

    staff_id: uuid.UUID
    name: str = Field(description="姓名")
    region: StaffRegionPayload
    supervision_body: str | None = Field(description="监察机构, e.g. 中川园区市场监督管理局")
    certificate_number: str | None = Field(description="特种设备安全监察员证编号")
    certificate_level: str | None = Field(description="A类 | B类; null without a certificate")
    active: bool = Field(description="在岗 — on duty now")
    version: int = Field(description=_SNAPSHOT_VERSION)
    created_at: datetime = Field(description="entered in the registry")
    updated_at: datetime = Field(description="last changed")


@register_event
class StaffCreatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.staff.created.v1"
    topic: ClassVar[str] = STAFF_TOPIC
    summary: ClassVar[str] = "A member of the bureau's supervision staff (监察人员) was entered"
    snapshot_field: ClassVar[str | None] = "staff"

    staff: StaffSnapshot


@register_event
class StaffUpdatedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.registry.staff.updated.v1"
    topic: ClassVar[str] = STAFF_TOPIC
    summary: ClassVar[str] = (
        "A supervision staff record changed (body, certificate, on duty or not, region)"
    )
    snapshot_field: ClassVar[str | None] = "staff"

    staff: StaffSnapshot
    changed_fields: list[str] = Field(description=_CHANGED_FIELDS)
