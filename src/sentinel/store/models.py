"""Tables. Every time column is aware UTC (:class:`~sentinel.store.types.UTCDateTime`).

A change here needs a migration in ``migrations/versions``; ``tests/store/test_migrations.py``
fails when the models and the migrations disagree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sentinel.store.types import JSONType, UTCDateTime


class SourceHealth(StrEnum):
    UNKNOWN = "unknown"  # never polled
    UP = "up"  # last poll succeeded
    FAILING = "failing"  # consecutive failures, backing off
    BLOCKED = "blocked"  # the service refuses us (Weibo 432 / ok:-100): an outage, not "no news"


class SourceState(SQLModel, table=True):
    """One row per configured source: its schedule, validators, cursor, health and lease."""

    __tablename__ = "source_state"

    source_id: str = Field(sa_column=Column(String(64), primary_key=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    health: str = Field(default=SourceHealth.UNKNOWN.value, sa_column=Column(String(16), nullable=False))
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, sa_column=Column(Text))
    cursor: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    next_check_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    consecutive_failures: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_success_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_new_item_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error_reason: str | None = Field(default=None, sa_column=Column(String(32)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    items_total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    lease_owner: str | None = Field(default=None, sa_column=Column(String(128)))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Item(SQLModel, table=True):
    """One published entry, unique per (source, external id)."""

    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_item_source_external"),
        Index("ix_item_source_fetched", "source_id", "fetched_at"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    source_id: str = Field(sa_column=Column(String(64), nullable=False))
    external_id: str = Field(sa_column=Column(String(512), nullable=False))
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text))
    canonical_url: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, sa_column=Column(Text))
    author_verified_type: int | None = Field(default=None, sa_column=Column(Integer))
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    published_at_estimated: bool = Field(default=False)
    fetched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    reposts: int | None = Field(default=None, sa_column=Column(BigInteger))
    comments: int | None = Field(default=None, sa_column=Column(BigInteger))
    likes: int | None = Field(default=None, sa_column=Column(BigInteger))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class IncidentState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    DISMISSED = "dismissed"


class ItemAnalysis(SQLModel, table=True):
    """What analysis found in one item, and the incident it joined (if relevant)."""

    __tablename__ = "item_analysis"

    item_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                          ForeignKey("item.id", ondelete="CASCADE"), primary_key=True))
    analysed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    relevant: bool = Field(default=False)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    department: str | None = Field(default=None, sa_column=Column(String(128)))
    sentiment: float = Field(default=0.5)
    negative: bool = Field(default=False)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    category: str | None = Field(default=None, sa_column=Column(String(32)))
    subtype: str | None = Field(default=None, sa_column=Column(String(32)))
    grade: str | None = Field(default=None, sa_column=Column(String(4)))
    keywords: list[list[Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    simhash: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))  # signed 64-bit
    incident_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                                  ForeignKey("incident.id"), index=True))


class Incident(SQLModel, table=True):
    """A public-opinion incident (舆情事件): items that tell one story, graded and assigned."""

    __tablename__ = "incident"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    title: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=IncidentState.OPEN.value, sa_column=Column(String(16), nullable=False, index=True))
    department: str | None = Field(default=None, sa_column=Column(String(128)))
    department_source: str | None = Field(default=None, sa_column=Column(String(16)))  # rule, region, default, manual
    category: str | None = Field(default=None, sa_column=Column(String(32)))
    subtype: str | None = Field(default=None, sa_column=Column(String(32)))
    grade: str | None = Field(default=None, sa_column=Column(String(4), index=True))
    grade_source: str | None = Field(default=None, sa_column=Column(String(16)))  # facts, intensity, manual
    grade_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    rules: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    emerged_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # earliest publication
    detected_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_item_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    item_count: int = Field(default=0)
    source_count: int = Field(default=0)
    heat: float = Field(default=0.0)
    heat_components: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    negative_share: float = Field(default=0.0)


class TimelineEvent(SQLModel, table=True):
    """One entry of an incident's append-only timeline, written with the change it records."""

    __tablename__ = "timeline_event"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False, index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    actor: str = Field(default="sentinel", sa_column=Column(String(128), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class HeatSample(SQLModel, table=True):
    """An incident's heat after each change, for charts and reports."""

    __tablename__ = "heat_sample"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False, index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    heat: float
    items: int
    negative_share: float
