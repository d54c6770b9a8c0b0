"""One-tap 认领 links (一键认领链接): one row per link an alert carried, written with the alert.

A row is the link's record: whom it was sent to (``person``, ``phone``), through which channel, for
which alert (``alert_key``, the outbox row's idempotency key) and incident, what it does (``purpose``:
acknowledge the incident, or confirm a piece of evidence as the release), until when it works, and
when it was used and from which address. The code in the link names the row and carries a MAC over
these fields (:mod:`sentinel.escalation.ack_links`); :func:`use` marks a row used in the caller's
transaction, once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Engine, ForeignKey, Integer, String, update
from sqlmodel import Field, Session, SQLModel, col

from sentinel.store.types import UTCDateTime

__all__ = ["AckLinkRow", "Purpose", "find", "use"]


class Purpose(StrEnum):
    ACKNOWLEDGE = "ack"  # 认领 the incident
    CONFIRM = "confirm"  # confirm a piece of evidence (an official item) as the release


class AckLinkRow(SQLModel, table=True):
    __tablename__ = "ack_link"

    id: str = Field(sa_column=Column(String(16), primary_key=True))  # the code's first part
    purpose: str = Field(sa_column=Column(String(16), nullable=False))  # Purpose
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False, index=True))
    response_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite")))
    person: str = Field(sa_column=Column(String(128), nullable=False))
    phone: str | None = Field(default=None, sa_column=Column(String(32)))
    channel: str = Field(sa_column=Column(String(64), nullable=False))
    alert_key: str = Field(sa_column=Column(String(255), nullable=False))
    alert_kind: str = Field(sa_column=Column(String(32), nullable=False))
    issued_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    used_from: str | None = Field(default=None, sa_column=Column(String(64)))  # the client address


def find(engine: Engine, link_id: str) -> AckLinkRow | None:
    with Session(engine) as session:
        return session.get(AckLinkRow, link_id)


def use(session: Session, link_id: str, *, now: datetime, client: str | None) -> bool:
    """Mark the link used, in the caller's transaction; False when it was used already (a second
    tap, or two taps racing: one conditional UPDATE decides which one counts)."""
    done = session.execute(update(AckLinkRow)
                           .where(col(AckLinkRow.id) == link_id, col(AckLinkRow.used_at).is_(None))
                           .values(used_at=now, used_from=(client or "")[:64] or None))
    return bool(done.rowcount)  # type: ignore[attr-defined]
