"""Recording how a send went: each outcome written with its timeline entry in one transaction.

Delivered; retry later (exponential backoff from ``backoff``, capped at ``backoff_max``, never
before the service's Retry-After); or failed for good — only when the service refused it (bad
token, bad request): a retryable failure is never given up, since a channel that comes back should
still carry the alert (marked 迟发). A refusal, or ``max_attempts`` failures in a row, queues a
``delivery_failed`` message to the operators' channels and, for grade I/II, a copy through the
``fallback`` channel (also after ``fallback_after`` failures in a row while still retrying).

Each channel's health (``channel_health``) is written in the same transaction: since when its
sends have been failing, which :mod:`~sentinel.notify.channel_alerts` turns into an operators' alert.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, Table, bindparam, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sentinel.notify.base import Delivery
from sentinel.notify.claiming import Queued
from sentinel.notify.message import Message, escape_markdown, one_line
from sentinel.notify.serialisation import message_to_json
from sentinel.store.inserts import insert_ignoring
from sentinel.store.models import ChannelHealth, OutboxMessage, OutboxState, TimelineEvent

__all__ = ["Outcome", "Policy", "Result", "Verdict", "channel_episodes", "derived_key", "record", "retry_delay"]

log = logging.getLogger("sentinel.notify.outbox")  # the outbox's one logger, whichever part of it speaks

DELIVERY_FAILED = "delivery_failed"
FALLBACK_SUFFIX = ":fallback"
FALLBACK_GRADES = frozenset({"I", "II"})
KEY_MAX = 255  # outbox.key is String(255)

Verdict = Literal["delivered", "retry", "failed"]

_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
_HEALTH: Table = ChannelHealth.__table__  # type: ignore[attr-defined]


def retry_delay(attempts: int, *, backoff: timedelta, backoff_max: timedelta, retry_after: float | None) -> timedelta:
    """``backoff · 2^(attempts-1)`` capped at ``backoff_max``, and never shorter than ``retry_after``."""
    delay = min(backoff * 2 ** min(max(attempts - 1, 0), 32), backoff_max)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def derived_key(base: str, suffix: str) -> str:
    """``base + suffix``, shortened with a hash of ``base`` when it would not fit ``outbox.key``."""
    key = base + suffix
    if len(key) <= KEY_MAX:
        return key
    hashed = hashlib.sha256(base.encode("utf-8")).hexdigest()[:24]
    return f"{base[: KEY_MAX - len(suffix) - 25]}~{hashed}{suffix}"


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
        _note_channels(connection, results, now=now)
    return verdicts


#: Outcomes that say nothing about the channel: sentinel's own bug, a channel no longer configured.
_NOT_THE_CHANNEL = frozenset({"internal", "unknown_channel"})


def channel_episodes(results: Sequence[Result]) -> dict[str, tuple[str | None, bool]]:
    """What each channel's results (in send order) say of its health: ``(None, False)`` when its
    last send arrived; ``(reason, fresh)`` when it failed, ``fresh`` when a send arrived earlier in
    these results (so the failing episode begins now, whatever was stored)."""
    seen: dict[str, tuple[str | None, bool]] = {}
    for result in results:
        if not result.rows or result.outcome.reason in _NOT_THE_CHANNEL:
            continue
        channel = result.rows[0].channel
        if result.outcome.ok:
            seen[channel] = (None, False)
        else:
            before = seen.get(channel)
            fresh = before is not None and (before[0] is None or before[1])
            seen[channel] = (result.outcome.reason or "unknown", fresh)
    return seen


def _note_channels(connection: Any, results: Sequence[Result], *, now: datetime) -> None:
    """Write each channel's health: a send that arrived ends its failing episode; a failure begins
    one (``failing_since``), unless one is already running."""
    t = _HEALTH.c
    for channel, (reason, fresh) in channel_episodes(results).items():
        if reason is None:
            values: dict[str, Any] = {"failing_since": None, "last_delivered_at": now}
            changes: dict[str, Any] = dict(values)
        else:
            values = {"failing_since": now, "last_failure_at": now, "last_reason": reason[:32]}
            changes = {**values, "failing_since": now if fresh else func.coalesce(t.failing_since, now)}
        if connection.dialect.name == "postgresql":
            statement: Any = pg_insert(_HEALTH).values(channel=channel, **values)
        else:
            statement = sqlite_insert(_HEALTH).values(channel=channel, **values)
        connection.execute(statement.on_conflict_do_update(index_elements=["channel"], set_=changes))


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
    if outcome.retryable:
        verdict = "retry"
        if attempts >= policy.max_attempts:
            error = f"{outcome.detail} (still retrying after {attempts} attempts)"
    else:
        verdict = "failed"
    delay = retry_delay(attempts, backoff=policy.backoff, backoff_max=policy.backoff_max, retry_after=outcome.retry_after)
    changed = connection.execute(_MARK[verdict], {
        "row_id": row.id, "tries": attempts, "retry_at": now + delay, "reason": outcome.reason, "error": error,
    })
    if changed.rowcount != 1:
        return _already_recorded(row)
    data = _timeline_data(row, attempts, digest_of)
    if verdict == "failed" and row.incident_id is not None:
        events.append(_event(row.incident_id, now, "notification_failed", error, {**data, "reason": outcome.reason}))
    if (verdict == "failed" or attempts == policy.max_attempts) and row.kind != DELIVERY_FAILED:
        for channel in policy.operators:
            if channel != row.channel:
                _enqueue(connection, _failure_notice(row, channel, outcome, error, now, still_trying=verdict == "retry"))
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
    statement = insert_ignoring(_OUTBOX, connection.dialect.name, ["key"])
    connection.execute(statement.values(
        **values, created_at=values["not_before"], state=OutboxState.PENDING.value, attempts=0))


def _failure_notice(row: Queued, channel: str, outcome: Outcome, error: str, now: datetime, *,
                    still_trying: bool) -> dict[str, Any]:
    key = derived_key(row.key, f":failed:{channel}")
    title = row.message.get("title") if isinstance(row.message.get("title"), str) else ""
    subject = f"事件 {row.incident_id}" if row.incident_id is not None else "无关联事件"
    lines = [("通道", row.channel), ("消息", f"{row.kind}（{subject}）"), ("标题", one_line(str(title))),
             ("尝试次数", str(row.attempts + 1)), ("原因", f"{outcome.reason}：{error}")]
    if still_trying:
        lines.append(("处理", "仍在重试，通道恢复后补发（标注迟发）"))
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
