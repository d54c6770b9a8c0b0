"""The operators' alert for a notification channel that has been failing for longer than
``delivery.channel_down_after`` (通知通道故障): while it fails, the alerts queued on it reach nobody,
and an office with one robot would otherwise never hear of it.

The outbox records each channel's failing episode (``channel_health.failing_since``, written with
the outcomes: :mod:`~sentinel.notify.recording`). Like a source gone blind
(:mod:`~sentinel.notify.source_alerts`), each episode is alerted once: its key names the moment
the episode began, so the periodic check may run in several processes and across restarts and the
outbox's unique key keeps it to one message per channel. It goes through every other operators'
channel (``delivery.operators``, else every other channel); the failing one would not carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Roster, routes
from sentinel.notify.compose import compose
from sentinel.notify.serialisation import message_to_json
from sentinel.settings import Settings
from sentinel.store.models import ChannelHealth, OutboxMessage, OutboxState
from sentinel.store.outbox import queue_new

__all__ = ["ChannelDown", "channels_down", "queue_channel_alerts"]

KIND = "channel_down"


@dataclass(frozen=True, slots=True)
class ChannelDown:
    """A channel failing for longer than ``delivery.channel_down_after``."""

    channel: str
    since: datetime
    reason: str
    pending: int


def channels_down(engine: Engine, settings: Settings, now: datetime) -> list[ChannelDown]:
    """The configured channels failing for longer than ``delivery.channel_down_after``, longest first."""
    configured = [channel.id for channel in settings.effective_channels]
    with Session(engine) as session:
        failing = session.scalars(
            select(ChannelHealth).where(col(ChannelHealth.channel).in_(configured),
                                        col(ChannelHealth.failing_since).is_not(None),
                                        col(ChannelHealth.failing_since) <= now - settings.delivery.channel_down_after)
            .order_by(col(ChannelHealth.failing_since))).all()
        if not failing:
            return []
        waiting = dict(session.execute(
            select(col(OutboxMessage.channel), func.count())
            .where(col(OutboxMessage.state) == OutboxState.PENDING.value,
                   col(OutboxMessage.channel).in_([row.channel for row in failing]))
            .group_by(col(OutboxMessage.channel))).all())
    return [ChannelDown(row.channel, row.failing_since, row.last_reason or "unknown", int(waiting.get(row.channel, 0)))
            for row in failing if row.failing_since is not None]


def queue_channel_alerts(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                         link_base: str | None = None) -> list[str]:
    """Queue the alert for each channel down that has not been alerted this episode; returns the new outbox keys."""
    down = channels_down(engine, settings, now)
    if not down:
        return []
    roster = Roster(settings.roster, settings.zone)
    people = roster.recipients(EscalationRole.DUTY_OFFICER, None, now)
    held = roster.hold_until(now, None)
    kinds = {channel.id: channel.kind for channel in settings.effective_channels}
    rows: list[OutboxMessage] = []
    for episode in down:
        key = f"channel:{episode.channel}:down:{episode.since.isoformat()}"
        others = [c for c in (settings.delivery.operators or channel_ids) if c != episode.channel]
        others = others or [c for c in channel_ids if c != episode.channel]
        # the duty officer may be reached only on the failing channel: tell them on the others anyway
        targets = routes(people, others) or {channel: list(people) for channel in others}
        for channel, audience in targets.items():
            row_key = f"{key}:{channel}"
            recipients = [person.as_dict() for person in audience]
            message = compose(KIND, {
                "channel": {"id": episode.channel, "kind": kinds.get(episode.channel, "")}, "since": episode.since,
                "reason": episode.reason, "threshold": settings.delivery.channel_down_after.total_seconds(),
                "pending": episode.pending, "now": now, "recipients": recipients, "idempotency_key": row_key,
            }, zone=settings.zone, link_base=link_base)
            rows.append(OutboxMessage(key=row_key, action_key=key, kind=KIND, channel=channel, recipients=recipients,
                                      message=message_to_json(message), created_at=now, not_before=held or now))
    if not rows:
        return []  # no other channel to say it through: the console's board still shows it
    with Session(engine) as session:
        return queue_new(session, rows)
