"""Tables. Every time column is aware UTC (:class:`~sentinel.store.types.UTCDateTime`).

A change here needs a migration in ``migrations/versions`` (docs/architecture.md#migrations);
``tests/store/test_store.py`` fails when the models and the migrations disagree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel, col

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


class IncidentKind(StrEnum):
    """What a case is: a cluster of posts, or a deadline started by one document or request."""

    INCIDENT = "incident"  # 舆情事件: relevant items clustered into one story
    POLICY_DOCUMENT = "policy_document"  # a policy document from an official source: 政策解读 due
    DISCLOSURE_REQUEST = "disclosure_request"  # 依申请公开, entered with `sentinel requests add`


class Jurisdiction(StrEnum):
    """Whether an incident is the office's (属地管理), from its place or a person's decision."""

    INSIDE = "inside"  # its place is inside the configured jurisdiction
    OUTSIDE = "outside"  # another province, or abroad: kept and shown, no clocks, nobody paged
    UNKNOWN = "unknown"  # no place, or one that cannot be told: treated as ours, and the alert says so
    ADOPTED = "adopted"  # a person pulled it in (adopt, grade, mark): ours whatever its place


class Verification(StrEnum):
    """研判: a machine grade of I/II on weak evidence waits for a person or corroboration before the
    escalation beyond the duty officer goes on."""

    PENDING = "pending"  # 待研判
    CONFIRMED = "confirmed"  # a person confirmed it
    CORROBORATED = "corroborated"  # an authoritative source, enough sources, or heat
    EXPIRED = "expired"  # the configured wait passed without a decision: escalation went on


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
    place: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))  # analyse.places.Place
    simhash: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))  # signed 64-bit
    # event | complaint | other (analyse.event_report): only reports and complaints open incidents
    report: str | None = Field(default=None, sa_column=Column(String(16)))
    report_score: float | None = Field(default=None)  # P(event report or complaint)
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
    # per register (news, post): {"items": n, "negative": k}; the 48h rule reads the more negative one
    negative_by_register: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    kind: str = Field(default=IncidentKind.INCIDENT.value, sa_column=Column(String(24), nullable=False, index=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    needs_response: bool = Field(default=False)  # marked by hand as needing a 48h response
    # the clocks: when they run from, and the policy and roster in force when the first one started
    clock_start: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    clocks_opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # when sentinel started them
    policy_snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    roster_snapshot: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    acknowledged_by: str | None = Field(default=None, sa_column=Column(String(128)))
    responded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # first response on record
    first_breach_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # the next moment an escalation step may fall due; None when none can (the engine's index)
    next_escalation_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))
    # where it happened (analyse.places.Place, with the votes of its items) and whether it is ours
    place: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    jurisdiction: str | None = Field(default=None, sa_column=Column(String(16)))  # Jurisdiction
    # 研判: {"state": Verification, "since", "reason", "evidence", "by", "at"}; None when never needed
    verification: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    # its entries on hot lists (上榜), per list, as sentinel.incidents.hotlist keeps it; {} when none
    listing: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class Obligation(SQLModel, table=True):
    """A deadline (处置时限) the responsible department must meet with recorded evidence."""

    __tablename__ = "obligation"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "sequence", name="uq_obligation_incident_kind_sequence"),
        Index("ix_obligation_state_next", "state", "next_action_at"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    sequence: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    state: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # the clock runs from here
    opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # when sentinel started it
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    next_action_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # reminder or breach
    met_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # the response's time
    breached_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # when the breach was handled
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # met, waived or breached, when
    reason: str | None = Field(default=None, sa_column=Column(Text))  # why waived
    # why a working-day deadline is not final (a year counted without its holiday notice); None when it is
    provisional: str | None = Field(default=None, sa_column=Column(Text))
    response_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                                   ForeignKey("response.id")))
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))


class Response(SQLModel, table=True):
    """A release on record (信息发布登记): content, unit, reviewer, publisher, time, channel.

    ``state`` is ``recorded`` for a release a person entered or confirmed, ``candidate`` for an
    official source's item awaiting the duty officer's confirmation, ``rejected`` when refused.
    """

    __tablename__ = "response"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    state: str = Field(default="recorded", sa_column=Column(String(16), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # when it was published
    url: str | None = Field(default=None, sa_column=Column(Text))
    channel: str | None = Field(default=None, sa_column=Column(String(128)))  # 发布渠道
    content: str | None = Field(default=None, sa_column=Column(Text))
    unit: str | None = Field(default=None, sa_column=Column(String(128)))  # 发布单位
    reviewer: str | None = Field(default=None, sa_column=Column(String(128)))  # 审核人
    publisher: str | None = Field(default=None, sa_column=Column(String(128)))  # 发布人
    recorded_by: str = Field(sa_column=Column(String(128), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    item_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                               ForeignKey("item.id")))


class EngineAction(SQLModel, table=True):
    """One reminder, breach or escalation handled, by its idempotency key: never handled twice."""

    __tablename__ = "engine_action"
    # the engine reads an incident's own keys (obligation_id IS NULL) every time it escalates
    __table_args__ = (Index("ix_engine_action_incident_obligation", "incident_id", "obligation_id"),)

    key: str = Field(sa_column=Column(String(160), primary_key=True))
    incident_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                              ForeignKey("incident.id"), nullable=False))
    obligation_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                                     ForeignKey("obligation.id"), index=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # the moment it fell due
    handled_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OutboxState(StrEnum):
    PENDING = "pending"  # to be sent at or after not_before
    DELIVERED = "delivered"
    FAILED = "failed"  # permanently: the service refused it (a retryable failure stays pending)
    RECORDED = "recorded"  # written by a replay: recorded, never to be sent


class OutboxMessage(SQLModel, table=True):
    """A message the engine decided to send through one channel, written with the decision."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_not_before", "state", "not_before"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    key: str = Field(sa_column=Column(String(255), nullable=False, unique=True))  # action key + channel
    action_key: str = Field(sa_column=Column(String(160), nullable=False, index=True))
    incident_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                                   ForeignKey("incident.id"), index=True))
    obligation_id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite")))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    channel: str = Field(sa_column=Column(String(64), nullable=False))
    recipients: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    grade: str | None = Field(default=None, sa_column=Column(String(4)))
    message: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    state: str = Field(default=OutboxState.PENDING.value, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_reason: str | None = Field(default=None, sa_column=Column(String(32)))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    lease_owner: str | None = Field(default=None, sa_column=Column(String(128)))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # a send was in flight when its lease ran out: it may have arrived, so the next one says 重发
    uncertain: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class ChannelHealth(SQLModel, table=True):
    """One channel's delivery record: since when it has been failing (None: its last send arrived).
    An episode longer than ``delivery.channel_down_after`` is an operators' alert, once per episode."""

    __tablename__ = "channel_health"

    channel: str = Field(sa_column=Column(String(64), primary_key=True))
    failing_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_failure_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_reason: str | None = Field(default=None, sa_column=Column(String(32)))
    last_delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Lease(SQLModel, table=True):
    """A named lease (the engine's): one process at a time holds it until it expires."""

    __tablename__ = "lease"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    owner: str = Field(sa_column=Column(String(128), nullable=False))
    until: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


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


_ID = BigInteger().with_variant(Integer, "sqlite")


class HotlistEntry(SQLModel, table=True):
    """A hot-list entry (热搜词条) as last seen: on the list now or not, its rank, heat and badge, its
    best rank, its highest heat relative to the list, and how long it has been on the list. One row
    per (source, external id); its item is the entry's text, analysed like any other."""

    __tablename__ = "hotlist_entry"
    __table_args__ = (Index("ix_hotlist_entry_source_on_list", "source_id", "on_list"),)

    source_id: str = Field(sa_column=Column(String(64), primary_key=True))
    external_id: str = Field(sa_column=Column(String(512), primary_key=True))
    list_name: str = Field(sa_column=Column(String(32), nullable=False))  # whose list: weibo, baidu ...
    item_id: int | None = Field(default=None, sa_column=Column(_ID, ForeignKey("item.id"), index=True))
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    pinned: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    on_list: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    rank: int | None = Field(default=None, sa_column=Column(Integer))  # now; None when off the list or pinned
    previous_rank: int | None = Field(default=None, sa_column=Column(Integer))  # at the poll before; None: new
    heat: int | None = Field(default=None, sa_column=Column(BigInteger))  # the platform's value, last seen
    label: str | None = Field(default=None, sa_column=Column(String(16)))
    best_rank: int | None = Field(default=None, sa_column=Column(Integer))
    best_rank_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    peak_heat: int | None = Field(default=None, sa_column=Column(BigInteger))
    # the highest heat ÷ (heat + the median heat of the list it was on then), 0..1
    heat_share: float | None = Field(default=None, sa_column=Column(Float))
    first_seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    on_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # this stint's start
    listed_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False))  # time on the list so far
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # when it was last found gone
    sampled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # its last history row


class HotlistRank(SQLModel, table=True):
    """One row of an entry's rank history: list, entry, time, rank, heat and badge. A row with
    ``gone`` is the poll that no longer found the entry on the list."""

    __tablename__ = "hotlist_rank"
    __table_args__ = (Index("ix_hotlist_rank_entry_at", "source_id", "external_id", "at"),)

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    source_id: str = Field(sa_column=Column(String(64), nullable=False))
    external_id: str = Field(sa_column=Column(String(512), nullable=False))
    list_name: str = Field(sa_column=Column(String(32), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rank: int | None = Field(default=None, sa_column=Column(Integer))
    heat: int | None = Field(default=None, sa_column=Column(BigInteger))
    label: str | None = Field(default=None, sa_column=Column(String(16)))
    gone: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))


class IncidentHotlist(SQLModel, table=True):
    """An incident on a hot list through one of its entries (上榜): when it was marked, and when the
    entry reached the top of a national list and the duty officer was told (once per entry and
    incident)."""

    __tablename__ = "incident_hotlist"
    __table_args__ = (
        UniqueConstraint("incident_id", "source_id", "external_id", name="uq_incident_hotlist_entry"),
        Index("ix_incident_hotlist_alert_pending", "alert_pending"),
    )

    id: int | None = Field(default=None, sa_column=Column(_ID, primary_key=True, autoincrement=True))
    incident_id: int = Field(sa_column=Column(_ID, ForeignKey("incident.id"), nullable=False, index=True))
    source_id: str = Field(sa_column=Column(String(64), nullable=False))
    external_id: str = Field(sa_column=Column(String(512), nullable=False))
    list_name: str = Field(sa_column=Column(String(32), nullable=False))
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    marked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rank: int | None = Field(default=None, sa_column=Column(Integer))  # when marked
    heat: int | None = Field(default=None, sa_column=Column(BigInteger))  # when marked
    top_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # reached the policy's top N
    top_rank: int | None = Field(default=None, sa_column=Column(Integer))
    alert_pending: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    alerted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


def columns_of(model: type[SQLModel], *names: str) -> tuple[Any, ...]:
    """The named columns of ``model``, for a select that reads rows of only these (a report's or a
    digest's thousands of incidents, where an ORM object each costs several times what is read)."""
    return tuple(col(getattr(model, name)) for name in names)


import sentinel.store.ack_links  # noqa: E402,F401  (one-tap 认领 links, on the same metadata)
import sentinel.store.disclosure  # noqa: E402,F401  (the disclosure register's tables, on the same metadata)
import sentinel.store.sessions  # noqa: E402,F401  (the console's login sessions, on the same metadata)
