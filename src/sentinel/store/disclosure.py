"""The disclosure register's tables (依申请公开, see :mod:`sentinel.disclosure`).

A request is one row here and one case (:class:`~sentinel.store.models.Incident` of kind
``disclosure_request``) whose obligation is the reply deadline and whose timeline is the request's
history. Days (receipt, 补正, consultations, reply) are local dates in the configured zone, as the
条例 counts them; moments are aware UTC like everywhere else.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sentinel.store.types import JSONType, UTCDateTime

__all__ = ["AnnualEntry", "DisclosureAppeal", "DisclosureConsultation", "DisclosureRequest"]

_ID = BigInteger().with_variant(Integer, "sqlite")


class DisclosureRequest(SQLModel, table=True):
    """One request for government information (政府信息公开申请) and where it stands."""

    __tablename__ = "disclosure_request"
    __table_args__ = (UniqueConstraint("incident_id", name="uq_disclosure_request_incident"),
                      UniqueConstraint("reference", name="uq_disclosure_request_reference"))

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    incident_id: int = Field(sa_column=Column(_ID, ForeignKey("incident.id"), nullable=False))
    reference: str | None = Field(default=None, sa_column=Column(String(64)))  # the office's number
    applicant: str | None = Field(default=None, sa_column=Column(String(256)))  # 姓名或者名称
    applicant_type: str = Field(sa_column=Column(String(24), nullable=False))  # models.ApplicantType
    channel: str = Field(sa_column=Column(String(16), nullable=False))  # models.Channel
    content: str = Field(sa_column=Column(Text, nullable=False))  # 所需信息的名称、文号或特征描述
    form: str | None = Field(default=None, sa_column=Column(String(128)))  # 形式要求: 纸质、电子、邮寄…
    unit: str | None = Field(default=None, sa_column=Column(String(128), index=True))  # 承办单位
    submitted_on: date | None = Field(default=None, sa_column=Column(Date))  # handed in, signed for, submitted
    confirmed_on: date | None = Field(default=None, sa_column=Column(Date))  # 第三十一条: the confirmation
    received_on: date | None = Field(default=None, sa_column=Column(Date, index=True))  # 收到申请之日
    clock_from: date | None = Field(default=None, sa_column=Column(Date))  # receipt, or the corrected request's
    state: str = Field(sa_column=Column(String(24), nullable=False, index=True))  # models.RequestState
    correction_asked_on: date | None = Field(default=None, sa_column=Column(Date))  # 补正告知
    correction_until: date | None = Field(default=None, sa_column=Column(Date))  # the period it set
    correction_received_on: date | None = Field(default=None, sa_column=Column(Date))
    extension: int = Field(default=0, sa_column=Column(Integer, nullable=False))  # working days granted
    extension_approver: str | None = Field(default=None, sa_column=Column(String(128)))
    delayed_to: date | None = Field(default=None, sa_column=Column(Date))  # 第三十五条
    delay_reason: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, sa_column=Column(String(48)))  # models.Outcome: the report's row
    reply_type: str | None = Field(default=None, sa_column=Column(String(32)))  # models.ReplyType
    replied_on: date | None = Field(default=None, sa_column=Column(Date, index=True))
    reply_channel: str | None = Field(default=None, sa_column=Column(String(64)))
    reply_note: str | None = Field(default=None, sa_column=Column(Text))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DisclosureConsultation(SQLModel, table=True):
    """A consultation with a third party (第三十二条) or another agency (第三十四条)."""

    __tablename__ = "disclosure_consultation"

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    request_id: int = Field(sa_column=Column(_ID, ForeignKey("disclosure_request.id"), nullable=False, index=True))
    party: str = Field(sa_column=Column(String(16), nullable=False))  # models.Party
    started_on: date = Field(sa_column=Column(Date, nullable=False))
    ended_on: date | None = Field(default=None, sa_column=Column(Date))
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str = Field(sa_column=Column(String(128), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DisclosureAppeal(SQLModel, table=True):
    """An administrative review (行政复议) or lawsuit (行政诉讼) over a request, and its result."""

    __tablename__ = "disclosure_appeal"

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    request_id: int | None = Field(default=None, sa_column=Column(_ID, ForeignKey("disclosure_request.id"),
                                                                  index=True))
    kind: str = Field(sa_column=Column(String(24), nullable=False))  # models.AppealKind
    filed_on: date = Field(sa_column=Column(Date, nullable=False, index=True))
    result: str = Field(sa_column=Column(String(16), nullable=False))  # models.AppealResult
    decided_on: date | None = Field(default=None, sa_column=Column(Date))
    reference: str | None = Field(default=None, sa_column=Column(String(128)))
    unit: str | None = Field(default=None, sa_column=Column(String(128)))
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str = Field(sa_column=Column(String(128), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class AnnualEntry(SQLModel, table=True):
    """What an office enters for its annual report of ``year`` (``unit`` "" for the whole office):
    section 二's counts, the texts of sections 一, 五 and 六, and, once published, the figures as
    published (next year's 上年结转 comes from them)."""

    __tablename__ = "disclosure_annual"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    unit: str = Field(default="", sa_column=Column(String(128), primary_key=True))
    t2: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    s1_text: str | None = Field(default=None, sa_column=Column(Text))
    s5_text: str | None = Field(default=None, sa_column=Column(Text))
    s6_text: str | None = Field(default=None, sa_column=Column(Text))
    published_on: date | None = Field(default=None, sa_column=Column(Date))
    published_by: str | None = Field(default=None, sa_column=Column(String(128)))
    figures: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(sa_column=Column(String(128), nullable=False))
