"""The outbox (发件箱): deliver what the escalation engine queued, once, in order, within each channel's
rate, and record how it went.

The engine writes one ``outbox`` row per message and channel in the transaction that decided to send
it (:class:`~sentinel.store.models.OutboxMessage`). A :class:`Dispatcher` drains the table, one
``drain(now)`` per scheduler tick:

1. **Claim.** Up to ``batch`` due rows (pending, ``not_before <= now``, unleased or lease expired),
   oldest first, get this dispatcher's lease in a committed transaction: on PostgreSQL the candidates
   are picked ``FOR UPDATE SKIP LOCKED``, on SQLite one ``UPDATE … RETURNING`` holds the write lock.
   Two processes never hold the same row; a dead one's rows come free when its lease ends.
2. **Send.** Channels are sent concurrently; within a channel in ``created_at`` order, one at a time.
   Each channel has rate windows ("at most N in any second/minute"): what does not fit waits for a
   later drain, except reminders, which are folded into one digest ("N条提醒") when more are queued
   than the channel may carry now. A retryable failure stops the channel until the next drain (or
   for the service's Retry-After): hammering a failing robot only gets it throttled longer.
3. **Record.** Each outcome is written with its timeline entry in one transaction (outcomes that
   arrive while the previous write is in flight share the next one), while the channel goes on
   sending: delivered; retry later (exponential backoff from ``backoff``, capped at ``backoff_max``,
   never before the service's Retry-After); or failed for good, which queues a ``delivery_failed``
   message to the operators' channels and, for grade I/II, a copy through the ``fallback`` channel
   (also after ``fallback_after`` failures in a row while still retrying).

A crash between sending and recording leaves the row pending: it is sent again when the lease ends
(at least once). Receivers drop the repeat by its idempotency key (the webhook's ``Idempotency-Key``
header); a delivered row is never sent again.

Why rate *windows* rather than token buckets: DingTalk and WeCom robots allow 20 messages in a
minute and then throttle the robot for ten minutes. A bucket of 20 refilling at 20/m lets nearly 40
through in the first minute; a window of the last N send times never exceeds N in any period. The
windows live in memory, per process: several processes on one PostgreSQL share a robot's limit only
as far as each keeps to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from sqlalchemy import Engine, Table, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from sentinel.clock import Clock, require_aware
from sentinel.configtypes import Duration, Strict
from sentinel.errors import ConfigError
from sentinel.metrics import Metrics
from sentinel.notify.base import Delivery, Sender
from sentinel.notify.message import Message, escape_markdown, one_line, safe_url
from sentinel.store.db import Database
from sentinel.store.models import OutboxMessage, OutboxState, TimelineEvent

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "DeliveryConfig",
    "Dispatcher",
    "DrainReport",
    "Rate",
    "digest",
    "message_from_json",
    "message_to_json",
    "parse_rate",
    "retry_delay",
]

log = logging.getLogger("sentinel.notify.outbox")

REMINDER = "reminder"
DIGEST = "digest"
DELIVERY_FAILED = "delivery_failed"
UNKNOWN_CHANNEL = "unknown_channel"  # last_reason of a row whose channel is no longer configured
FALLBACK_SUFFIX = ":fallback"
FALLBACK_GRADES = frozenset({"I", "II"})
KEY_MAX = 255  # outbox.key is String(255)

#: Rate limits by channel kind when ``delivery.rate_limits`` does not name the channel. DingTalk and
#: WeCom robots: 20 messages a minute each (their robot docs); Feishu custom bots: 5/s and 100/min.
DEFAULT_RATE_LIMITS: Mapping[str, tuple[str, ...]] = {
    "dingtalk": ("20/m",), "wecom": ("20/m",), "feishu": ("5/s", "100/m"),
}
Verdict = Literal["delivered", "retry", "failed"]

# ------------------------------------------------------------------------------------ messages


def message_to_json(message: Message) -> dict[str, Any]:
    """The ``outbox.message`` document: exactly the fields of :class:`Message`, JSON-ready."""
    return {
        "kind": message.kind,
        "title": message.title,
        "text_markdown": message.text_markdown,
        "text_plain": message.text_plain,
        "incident_id": message.incident_id,
        "grade": message.grade.value if message.grade else None,
        "department": message.department,
        "link": message.link,
        "mentions": list(message.mentions),
        "idempotency_key": message.idempotency_key,
    }


def deferred_message(kind: str, context: Mapping[str, Any], *, zone: ZoneInfo, link_base: str | None,
                     idempotency_key: str) -> dict[str, Any]:
    """An ``outbox.message`` document to be rendered when it is sent: the template's kind and its
    context (times as ISO 8601). The engine writes these so that its tick, which holds the database
    writer, does not spend milliseconds per alert in Jinja; :func:`stored_message` renders them."""
    return {"template": kind, "context": _jsonable(dict(context)), "zone": zone.key, "link_base": link_base,
            "idempotency_key": idempotency_key}


def stored_message(data: Mapping[str, Any]) -> Message:
    """The :class:`Message` an outbox row holds: rendered now if it was deferred, else as written.
    ValueError on a row that cannot be read or rendered."""
    if isinstance(data, Mapping) and "template" in data:
        from sentinel.notify.compose import compose

        context = data.get("context")
        if not isinstance(context, Mapping):
            raise ValueError("message.context must be an object")
        try:
            return compose(str(data["template"]), {**context, "idempotency_key": data.get("idempotency_key") or ""},
                           zone=ZoneInfo(str(data.get("zone") or "Asia/Shanghai")), link_base=data.get("link_base"))
        except TemplateError as exc:
            raise ValueError(f"message.context does not fit template {data['template']!r}: {exc}") from exc
    return message_from_json(data)


def message_title(data: Mapping[str, Any]) -> str:
    """An outbox row's title, for listings; a row that cannot be rendered says so instead."""
    try:
        return stored_message(data).title
    except ValueError as exc:
        return f"(unreadable message: {exc})"


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: times as ISO 8601, spans as seconds, tuples and sets as lists.
    A walk, not a dumps/loads round trip: the column's own encoder serialises the result once."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return require_aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"not JSON data: {type(value).__name__}")


_TEXT_FIELDS = ("kind", "title", "text_markdown", "text_plain")
_OPTIONAL_FIELDS = ("incident_id", "grade", "department", "link")


def message_from_json(data: Mapping[str, Any]) -> Message:
    """The :class:`Message` that :func:`message_to_json` wrote; ValueError on a malformed document.

    Keys it does not know are ignored, so a row written by a newer sentinel is still sent.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"a message is a JSON object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if not isinstance(data.get(name), str):
            raise ValueError(f"message.{name} must be a string, got {data.get(name)!r:.40}")
        values[name] = data[name]
    for name in _OPTIONAL_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"message.{name} must be a string or null, got {value!r:.40}")
        values[name] = value
    mentions = data.get("mentions") or []
    if not isinstance(mentions, list) or not all(isinstance(phone, str) for phone in mentions):
        raise ValueError("message.mentions must be a list of phone numbers")
    key = data.get("idempotency_key") or ""
    if not isinstance(key, str):
        raise ValueError("message.idempotency_key must be a string")
    return Message(**values, mentions=tuple(mentions), idempotency_key=key)


def digest(messages: Sequence[Message], *, key: str) -> Message:
    """One message standing for several reminders: "N条提醒", each member's title and text in order."""
    markdown, plain = [], []
    for number, message in enumerate(messages, 1):
        link = safe_url(message.link)
        more = f"\n[查看详情]({link})" if link else ""
        markdown.append(f"**{number}. {escape_markdown(one_line(message.title))}**\n{message.text_markdown}{more}")
        plain.append(f"{number}. {one_line(message.title)}\n{message.text_plain}" + (f"\n{link}" if link else ""))
    grades = [message.grade for message in messages if message.grade]

    def common(values: Iterable[str | None]) -> str | None:
        found = set(values)
        return found.pop() if len(found) == 1 else None

    return Message(
        kind=DIGEST,
        title=f"{len(messages)}条提醒",
        text_markdown="\n\n".join(markdown),
        text_plain="\n\n".join(plain),
        incident_id=common(message.incident_id for message in messages),
        grade=max(grades, key=lambda grade: grade.severity) if grades else None,
        department=common(message.department for message in messages),
        link=common(message.link for message in messages),
        mentions=tuple(dict.fromkeys(phone for message in messages for phone in message.mentions)),
        idempotency_key=key,
    )


def derived_key(base: str, suffix: str) -> str:
    """``base + suffix``, shortened with a hash of ``base`` when it would not fit ``outbox.key``."""
    key = base + suffix
    if len(key) <= KEY_MAX:
        return key
    hashed = hashlib.sha256(base.encode("utf-8")).hexdigest()[:24]
    return f"{base[: KEY_MAX - len(suffix) - 25]}~{hashed}{suffix}"


def digest_key(member_keys: Iterable[str]) -> str:
    return "digest:" + hashlib.sha256("\n".join(sorted(member_keys)).encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------------------- configuration

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|m)\s*$")


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` messages in any ``period``."""

    count: int
    period: timedelta


def parse_rate(text: str) -> Rate:
    """``"5/s"`` or ``"100/m"``."""
    match = _RATE.match(text) if isinstance(text, str) else None
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"expected a rate such as 5/s or 20/m, got {text!r}")
    return Rate(int(match.group(1)), timedelta(seconds=1 if match.group(2) == "s" else 60))


def _rate_text(value: str) -> str:
    parse_rate(value)
    return value


def _one_or_many(value: Any) -> Any:
    if isinstance(value, dict):
        return {channel: [rates] if isinstance(rates, str) else rates for channel, rates in value.items()}
    return value


RateText = Annotated[str, AfterValidator(_rate_text)]


class DeliveryConfig(Strict):
    """The ``delivery:`` section: retries, leases, the fallback channel, rate limits, operators.

    ``rate_limits`` maps a channel id to one rate or several (``["5/s", "100/m"]``); an empty list
    turns the default for the channel's kind (:data:`DEFAULT_RATE_LIMITS`) off.
    """

    max_attempts: int = Field(default=8, ge=1)
    backoff: Duration = timedelta(seconds=30)  # the first retry's delay; it doubles with each attempt
    backoff_max: Duration = timedelta(minutes=30)
    lease: Duration = timedelta(minutes=2)  # how long a claimed row is ours
    batch: int = Field(default=100, ge=1, le=10_000)
    fallback: str | None = None  # grade I/II messages go here too when their own channel fails
    fallback_after: int = Field(default=3, ge=1)  # … permanently, or this many times in a row
    rate_limits: Annotated[dict[str, list[RateText]], BeforeValidator(_one_or_many)] = Field(default_factory=dict)
    operators: list[str] | None = None  # who hears of permanent failures; default every other channel
    # the daily digest (舆情日报) to the leaders, at this local time each day; null turns it off
    digest_at: time | None = time(8, 30)

    @model_validator(mode="after")
    def _positive(self) -> DeliveryConfig:
        for name in ("backoff", "backoff_max", "lease"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"delivery.{name} must be positive")
        if self.backoff_max < self.backoff:
            raise ValueError("delivery.backoff_max must be at least delivery.backoff")
        return self

    def rates_for(self, channel: str, kind: str | None) -> tuple[Rate, ...]:
        texts = self.rate_limits[channel] if channel in self.rate_limits else DEFAULT_RATE_LIMITS.get(kind or "", ())
        return tuple(parse_rate(text) for text in texts)


def retry_delay(attempts: int, *, backoff: timedelta, backoff_max: timedelta, retry_after: float | None) -> timedelta:
    """``backoff · 2^(attempts-1)`` capped at ``backoff_max``, and never shorter than ``retry_after``."""
    delay = min(backoff * 2 ** min(max(attempts - 1, 0), 32), backoff_max)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


# -------------------------------------------------------------------------------- rate limiting


class RateWindows:
    """One channel's rate limits over ``now``: the times of its recent sends, per :class:`Rate`."""

    def __init__(self, rates: Sequence[Rate]) -> None:
        self._windows = [(rate, deque[datetime]()) for rate in rates]
        self.paused_until: datetime | None = None  # the service asked us to wait (Retry-After)

    def available(self, now: datetime) -> int | None:
        """How many more may be sent at ``now``; None when unlimited."""
        if self.paused_until is not None and now < self.paused_until:
            return 0
        room: int | None = None
        for rate, sent in self._windows:
            while sent and sent[0] <= now - rate.period:
                sent.popleft()
            room = min(room if room is not None else rate.count, rate.count - len(sent))
        return None if room is None else max(room, 0)

    def take(self, now: datetime) -> None:
        for _rate, sent in self._windows:
            sent.append(now)


def plan(rows: Sequence[Queued], room: int | None) -> tuple[list[list[Queued]], list[Queued]]:
    """Split one channel's rows (in order) into the units to send now and the rows that wait.

    A unit is one row, or — when the rows do not fit in ``room`` and at least two are reminders —
    the reminders beyond the first ``room - 1`` units, to be sent as one digest in the last slot.
    """
    if room is None or len(rows) <= room:
        return [[row] for row in rows], []
    if room == 0:
        return [], list(rows)
    if sum(row.kind == REMINDER for row in rows) < 2:
        return [[row] for row in rows[:room]], list(rows[room:])
    units: list[list[Queued]] = []
    folded: list[Queued] = []
    held: list[Queued] = []
    for row in rows:
        if len(units) < room - 1:
            units.append([row])
        elif row.kind == REMINDER:
            folded.append(row)
        else:
            held.append(row)
    if folded:
        units.append(folded)  # one reminder left over is simply sent in the slot
    elif held:
        units.append([held.pop(0)])
    return units, held


# --------------------------------------------------------------------------------------- store


@dataclass(frozen=True, slots=True)
class Queued:
    """A claimed outbox row: what is needed to send it and to record the outcome."""

    id: int
    key: str
    action_key: str
    incident_id: int | None
    obligation_id: int | None
    kind: str
    channel: str
    recipients: list[dict[str, Any]]
    grade: str | None
    message: dict[str, Any]
    created_at: datetime
    attempts: int


_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
_QUEUED_COLUMNS = [_OUTBOX.c[column.name] for column in fields(Queued)]


def claim_due(
    engine: Engine, *, owner: str, now: datetime, lease_for: timedelta, limit: int, skip: Sequence[str] = ()
) -> list[Queued]:
    """Lease up to ``limit`` due rows (oldest first) to ``owner`` and return them, in a committed transaction."""
    t = _OUTBOX.c
    due = and_(
        t.state == OutboxState.PENDING.value,
        t.not_before <= now,
        or_(t.lease_until.is_(None), t.lease_until < now),
    )
    if skip:
        due = and_(due, t.channel.not_in(list(skip)))
    pick = select(t.id).where(due).order_by(t.created_at, t.id).limit(limit)
    claim = update(_OUTBOX).values(lease_owner=owner, lease_until=now + lease_for).returning(*_QUEUED_COLUMNS)
    result: Iterable[Any]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two statements, not ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``:
            # PostgreSQL may re-run such a sub-select per row, each run skipping the rows the UPDATE
            # has just changed, and so lease far more than ``n``.
            ids = list(connection.scalars(pick.with_for_update(skip_locked=True)))
            result = connection.execute(claim.where(t.id.in_(ids))) if ids else []
        else:
            # one statement: SQLite takes the write lock for it, so another process cannot interleave
            result = connection.execute(claim.where(t.id.in_(pick), due))
        rows = [Queued(**row._mapping) for row in result]
    return sorted(rows, key=lambda row: (row.created_at, row.id))


def release(engine: Engine, ids: Sequence[int], *, owner: str) -> None:
    """Give back the lease of rows this drain did not attempt (held by a rate limit or a paused channel)."""
    if not ids:
        return
    t = _OUTBOX.c
    with engine.begin() as connection:
        connection.execute(
            update(_OUTBOX).where(t.id.in_(list(ids)), t.lease_owner == owner).values(lease_owner=None, lease_until=None)
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One send's result as the outbox records it (a :class:`Delivery`, or the outbox's own refusal)."""

    ok: bool
    retryable: bool = False
    reason: str | None = None
    detail: str = ""
    retry_after: float | None = None

    @classmethod
    def of(cls, delivery: Delivery) -> Outcome:
        return cls(delivery.ok, delivery.retryable, delivery.reason, delivery.detail, delivery.retry_after)


@dataclass(frozen=True, slots=True)
class Policy:
    """What :func:`record` needs from the configuration, resolved against the configured channels."""

    max_attempts: int
    backoff: timedelta
    backoff_max: timedelta
    fallback: str | None
    fallback_after: int
    operators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """One send's outcome for the rows it stood for (a digest's members share one)."""

    rows: tuple[Queued, ...]
    outcome: Outcome
    digest_of: str | None = None


def _mark(**values: Any) -> Any:
    """``UPDATE outbox SET … WHERE id = :row_id AND state = 'pending'``, built once: SQLAlchemy's
    statement construction costs more than SQLite's execution, so the hot path reuses these."""
    t = _OUTBOX.c
    return (update(_OUTBOX).where(t.id == bindparam("row_id"), t.state == OutboxState.PENDING.value)
            .values(attempts=bindparam("tries"), lease_owner=None, lease_until=None, **values))


_MARK: dict[Verdict, Any] = {
    "retry": _mark(not_before=bindparam("retry_at"), last_reason=bindparam("reason"), last_error=bindparam("error")),
    "failed": _mark(state=OutboxState.FAILED.value, last_reason=bindparam("reason"), last_error=bindparam("error")),
}
_ADD_EVENTS = insert(_TIMELINE)


_DELIVERED = (update(_OUTBOX)
              .where(_OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)),
                     _OUTBOX.c.state == OutboxState.PENDING.value)
              .values(state=OutboxState.DELIVERED.value, delivered_at=bindparam("at"),
                      attempts=_OUTBOX.c.attempts + 1, lease_owner=None, lease_until=None)
              .returning(_OUTBOX.c.id))


def record(engine: Engine, results: Sequence[Result], *, now: datetime, policy: Policy) -> list[list[Verdict | None]]:
    """Write every result — each row's new state, its timeline entry and its follow-up messages —
    in one transaction. Per row: its verdict, or None when it was no longer pending (another
    process recorded it first).

    Delivered rows, nearly all of them, are marked by one statement for the batch (a leased row's
    stored ``attempts`` is the claimed one, so ``attempts + 1`` is the per-row count); a failure
    has follow-ups to decide, and goes row by row."""
    events: list[dict[str, Any]] = []
    with engine.begin() as connection:
        sent = [row for result in results if result.outcome.ok for row in result.rows]
        marked = set(connection.scalars(_DELIVERED, {"row_ids": [row.id for row in sent], "at": now})) if sent else set()
        verdicts: list[list[Verdict | None]] = []
        for result in results:
            if result.outcome.ok:
                verdicts.append([_delivered(row, now=now, digest_of=result.digest_of, events=events)
                                 if row.id in marked else _already_recorded(row) for row in result.rows])
            else:
                verdicts.append([_record_failure(connection, row, result.outcome, now=now, policy=policy,
                                                 digest_of=result.digest_of, events=events) for row in result.rows])
        if events:
            connection.execute(_ADD_EVENTS, events)
    return verdicts


def _already_recorded(row: Queued) -> Verdict | None:
    """None, the verdict of a row another process recorded first, and say so."""
    log.warning("outbox %s (%s): already recorded by another process; not recording again", row.id, row.key)
    return None


def _timeline_data(row: Queued, attempts: int, digest_of: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"outbox_id": row.id, "channel": row.channel, "kind": row.kind,
                            "recipients": row.recipients, "attempts": attempts}
    if digest_of:
        data["digest"] = digest_of
    return data


def _delivered(row: Queued, *, now: datetime, digest_of: str | None, events: list[dict[str, Any]]) -> Verdict:
    if row.incident_id is not None:
        data = _timeline_data(row, row.attempts + 1, digest_of)
        data["latency_seconds"] = round((now - row.created_at).total_seconds(), 3)
        events.append(_event(row.incident_id, now, "notification_delivered", None, data))
    return "delivered"


def _record_failure(
    connection: Any, row: Queued, outcome: Outcome, *, now: datetime, policy: Policy, digest_of: str | None,
    events: list[dict[str, Any]],
) -> Verdict | None:
    attempts = row.attempts + 1
    error = outcome.detail
    verdict: Verdict
    if outcome.retryable and attempts < policy.max_attempts:
        verdict = "retry"
    else:
        verdict = "failed"
        if outcome.retryable:
            error = f"{outcome.detail} (gave up after {attempts} attempts)"
    delay = retry_delay(attempts, backoff=policy.backoff, backoff_max=policy.backoff_max, retry_after=outcome.retry_after)
    changed = connection.execute(_MARK[verdict], {
        "row_id": row.id, "tries": attempts, "retry_at": now + delay, "reason": outcome.reason, "error": error,
    })
    if changed.rowcount != 1:
        return _already_recorded(row)
    data = _timeline_data(row, attempts, digest_of)
    if verdict == "failed":
        if row.incident_id is not None:
            events.append(_event(row.incident_id, now, "notification_failed", error, {**data, "reason": outcome.reason}))
        if row.kind != DELIVERY_FAILED:
            for channel in policy.operators:
                if channel != row.channel:
                    _enqueue(connection, _failure_notice(row, channel, outcome, error, now))
    fallback = policy.fallback
    if (fallback and fallback != row.channel and row.grade in FALLBACK_GRADES and row.kind != DELIVERY_FAILED
            and not row.key.endswith(FALLBACK_SUFFIX)
            and (verdict == "failed" or (verdict == "retry" and attempts >= policy.fallback_after))):
        _enqueue(connection, _fallback_copy(row, fallback, now))
    return verdict


def _event(incident_id: int, at: datetime, kind: str, reason: str | None, data: dict[str, Any]) -> dict[str, Any]:
    return {"incident_id": incident_id, "at": at, "kind": kind, "actor": "sentinel", "reason": reason, "data": data}


def _enqueue(connection: Any, values: dict[str, Any]) -> None:
    """Queue a follow-up message unless its key is already in the outbox."""
    if connection.dialect.name == "postgresql":
        statement: Any = pg_insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])
    elif connection.dialect.name == "sqlite":
        statement = sqlite_insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])
    else:
        statement = insert(_OUTBOX)
    connection.execute(statement.values(
        **values, created_at=values["not_before"], state=OutboxState.PENDING.value, attempts=0))


def _failure_notice(row: Queued, channel: str, outcome: Outcome, error: str, now: datetime) -> dict[str, Any]:
    key = derived_key(row.key, f":failed:{channel}")
    title = row.message.get("title") if isinstance(row.message.get("title"), str) else ""
    subject = f"事件 {row.incident_id}" if row.incident_id is not None else "无关联事件"
    lines = [("通道", row.channel), ("消息", f"{row.kind}（{subject}）"), ("标题", one_line(str(title))),
             ("尝试次数", str(row.attempts + 1)), ("原因", f"{outcome.reason}：{error}")]
    message = Message(
        kind=DELIVERY_FAILED,
        title=f"通知投递失败：{one_line(row.channel)}",
        text_markdown="\n".join(f"**{name}**：{escape_markdown(value)}" for name, value in lines),
        text_plain="\n".join(f"{name}：{value}" for name, value in lines),
        incident_id=str(row.incident_id) if row.incident_id is not None else None,
        idempotency_key=key,
    )
    return {"key": key, "action_key": row.action_key, "incident_id": row.incident_id,
            "obligation_id": row.obligation_id, "kind": DELIVERY_FAILED, "channel": channel, "recipients": [],
            "grade": None, "message": message_to_json(message), "not_before": now}


def _fallback_copy(row: Queued, channel: str, now: datetime) -> dict[str, Any]:
    key = derived_key(row.key, FALLBACK_SUFFIX)
    note = f"（原通道 {row.channel} 投递失败，经备用通道转发）"
    message = dict(row.message)
    message["idempotency_key"] = key
    for name, text in (("text_markdown", escape_markdown(note)), ("text_plain", note)):
        if isinstance(message.get(name), str):
            message[name] = f"{message[name]}\n\n{text}"
    return {"key": key, "action_key": row.action_key, "incident_id": row.incident_id,
            "obligation_id": row.obligation_id, "kind": row.kind, "channel": channel, "recipients": row.recipients,
            "grade": row.grade, "message": message, "not_before": now}


def pending_summary(engine: Engine, *, now: datetime) -> tuple[int, float]:
    """Pending rows, and the seconds the longest-waiting due one has waited (0 when none is due).

    A message never tried counts from its ``not_before`` (held for quiet hours is not waiting); one
    already tried counts from its creation (backing off is waiting).
    """
    t = _OUTBOX.c
    waiting_since = case((t.attempts > 0, t.created_at), else_=t.not_before)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).where(t.state == OutboxState.PENDING.value)) or 0
        oldest = connection.scalar(
            select(func.min(waiting_since)).where(
                t.state == OutboxState.PENDING.value, or_(t.attempts > 0, t.not_before <= now))
        )
    return int(count), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


# ---------------------------------------------------------------------------------- dispatcher


@dataclass
class DrainReport:
    """What one drain did. A digest's members count in ``delivered``/``retried``/``failed`` each."""

    claimed: int = 0
    sent: int = 0  # messages handed to senders (a digest is one)
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0  # claimed but left for a later drain (rate limit, or the channel failed just now)
    digests: int = 0
    channels: dict[str, int] = field(default_factory=dict)  # messages sent, by channel


class _Recorder:
    """Writes results as they come in the background, so sending never waits for the database.

    A write waits ``linger`` for more results (or until ``enough`` have come), and results that arrive while a write is in flight
    go together in the next transaction: a commit per message cost more CPU than its send
    (bench/notify.py). Each row's outcome still shares its transaction with its timeline entry, and
    a crash in between leaves the rows leased, to be sent again: at least once, never lost.
    """

    def __init__(self, write: Callable[[list[Result]], Awaitable[None]], *, linger: float = 0.05,
                 enough: int = 64) -> None:
        self._write = write
        self._linger = linger
        self._enough = enough
        self._full = asyncio.Event()
        self._pending: list[Result] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, result: Result) -> None:
        self._pending.append(result)
        if len(self._pending) >= self._enough:
            self._full.set()
        if self._task is None or self._task.done():
            self._full.clear()
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), self._linger)
        while self._pending:
            batch, self._pending = self._pending, []
            await self._write(batch)

    async def close(self) -> None:
        """Write what is left now (sending is over: nothing more will come to wait for)."""
        self._full.set()
        if self._task is not None:
            await self._task


class Dispatcher:
    """Drains the outbox through the configured senders (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[str, Sender],
        config: DeliveryConfig,
        *,
        metrics: Metrics,
        owner: str,
        channel_kinds: Mapping[str, str],
        clock: Clock | None = None,
    ) -> None:
        """``clock``, when given, bounds a drain's sending to half the lease (see :meth:`drain`)."""
        for name, ids in (("fallback", [config.fallback] if config.fallback else []),
                          ("operators", config.operators or []), ("rate_limits", list(config.rate_limits))):
            for channel in ids:
                if channel not in senders:
                    raise ConfigError(f"no channel {channel!r}", key=f"delivery.{name}")
        self._database = database
        self._senders = dict(senders)
        self._config = config
        self._metrics = metrics
        self._owner = owner
        self._clock = clock
        self._one_at_a_time = asyncio.Lock()  # overlapping drains would each spend the same rate room
        self._windows = {
            channel: RateWindows(config.rates_for(channel, channel_kinds.get(channel, getattr(sender, "kind", None))))
            for channel, sender in self._senders.items()
        }
        operators = tuple(config.operators) if config.operators is not None else tuple(self._senders)
        self._policy = Policy(config.max_attempts, config.backoff, config.backoff_max, config.fallback,
                              config.fallback_after, operators)

    async def drain(self, now: datetime) -> DrainReport:
        """Send what is due at ``now`` and record every outcome; never raises for one bad row.

        With a clock, a channel stops sending once half the lease has gone by (a slow receiver):
        its remaining rows are released before another process could take them over and send them
        a second time. Drains of one dispatcher run one at a time; a second call waits for the first.
        """
        now = require_aware(now).astimezone(UTC)
        async with self._one_at_a_time:
            return await self._drain(now)

    async def _drain(self, now: datetime) -> DrainReport:
        stop_at = self._clock.monotonic() + self._config.lease.total_seconds() / 2 if self._clock else None
        full = [channel for channel, windows in self._windows.items() if windows.available(now) == 0]
        rows = await self._database.write(
            claim_due, self._database.engine, owner=self._owner, now=now, lease_for=self._config.lease,
            limit=self._config.batch, skip=full,
        )
        report = DrainReport(claimed=len(rows))
        by_channel: dict[str, list[Queued]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        recorder = _Recorder(lambda results: self._record(results, now, report))
        try:
            held = await asyncio.gather(*(self._drain_channel(channel, queue, now, report, recorder, stop_at)
                                          for channel, queue in by_channel.items()))
        finally:
            await recorder.close()
        ids = [row.id for part in held for row in part]
        report.held = len(ids)
        if ids:
            await self._database.write(release, self._database.engine, ids, owner=self._owner)
        return report

    async def refresh_gauges(self, now: datetime) -> None:
        """Set ``sentinel_outbox_pending`` and ``sentinel_outbox_oldest_pending_seconds`` (one cheap query)."""
        count, oldest = await self._database.read(pending_summary, self._database.engine, now=require_aware(now))
        self._metrics.outbox_pending.set(count)
        self._metrics.outbox_oldest_pending.set(oldest)

    async def _drain_channel(
        self, channel: str, rows: list[Queued], now: datetime, report: DrainReport, recorder: _Recorder,
        stop_at: float | None,
    ) -> list[Queued]:
        """Send one channel's rows in order; return the rows left for a later drain."""
        sender = self._senders.get(channel)
        if sender is None:
            problem = Outcome(False, reason=UNKNOWN_CHANNEL,
                              detail=f"channel {channel!r} is not configured (the configuration changed since "
                                     "the message was queued)")
            recorder.add(Result(tuple(rows), problem))
            return []
        windows = self._windows[channel]
        units, held = plan(rows, windows.available(now))
        self._metrics.notifications_rate_limited.labels(channel).inc(
            len(held) + sum(len(unit) for unit in units if len(unit) > 1))
        for position, unit in enumerate(units):
            if stop_at is not None and self._clock is not None and self._clock.monotonic() > stop_at:
                held = [row for later in units[position:] for row in later] + held
                log.warning("channel %s: the drain ran past half its lease; %d rows left for the next one",
                            channel, len(held))
                return held
            members, messages = [], []
            for row in unit:
                decoded = self._decode(row)
                if isinstance(decoded, Message):
                    members.append(row)
                    messages.append(decoded)
                else:
                    recorder.add(Result((row,), Outcome(False, reason="internal", detail=decoded)))
            if not members:
                continue
            key = digest_key(row.key for row in members) if len(members) > 1 else None
            windows.take(now)
            outcome = await self._send(sender, digest(messages, key=key) if key else messages[0], now)
            report.sent += 1
            report.digests += key is not None
            report.channels[channel] = report.channels.get(channel, 0) + 1
            recorder.add(Result(tuple(members), outcome, key))
            if not outcome.ok and outcome.retryable:
                # the service is failing or throttling: stop here, and wait as long as it asked
                if outcome.retry_after:
                    windows.paused_until = now + timedelta(seconds=outcome.retry_after)
                if outcome.reason == "rate_limited":
                    self._metrics.notifications_rate_limited.labels(channel).inc(len(members))
                return [row for later in units[position + 1:] for row in later] + held
        return held

    @staticmethod
    def _decode(row: Queued) -> Message | str:
        try:
            return stored_message(row.message)
        except (ValueError, TypeError) as exc:
            log.error("outbox %s (%s): unreadable message: %s", row.id, row.key, exc)
            return f"unreadable message: {exc}"

    @staticmethod
    async def _send(sender: Sender, message: Message, now: datetime) -> Outcome:
        try:
            return Outcome.of(await sender.send(message, now=now))
        except Exception as exc:  # a sender must never raise; if one does, that message fails, not the drain
            log.exception("channel %s: sender raised", sender.channel_id)
            return Outcome(False, reason="internal", detail=f"{type(exc).__name__}: {exc}")

    async def _record(self, results: list[Result], now: datetime, report: DrainReport) -> None:
        try:
            verdicts = await self._database.write(
                record, self._database.engine, results, now=now, policy=self._policy)
        except SQLAlchemyError:
            # the rows keep their lease and are sent again when it ends: at least once, never lost
            log.exception("recording the outcome of outbox rows %s failed",
                          [row.id for result in results for row in result.rows])
            return
        for result, row_verdicts in zip(results, verdicts, strict=True):
            for row, verdict in zip(result.rows, row_verdicts, strict=True):
                if verdict is not None:
                    self._count(row, verdict, result.outcome, now, report)

    def _count(self, row: Queued, verdict: Verdict, outcome: Outcome, now: datetime, report: DrainReport) -> None:
        self._metrics.notifications.labels(row.channel, row.kind, verdict).inc()
        if verdict == "delivered":
            report.delivered += 1
            self._metrics.notification_latency.labels(row.channel).observe(
                max(0.0, (now - row.created_at).total_seconds()))
        elif verdict == "retry":
            report.retried += 1
        else:
            report.failed += 1
            log.warning("outbox %s (%s) via %s failed for good: %s %s", row.id, row.key, row.channel,
                        outcome.reason, outcome.detail)
