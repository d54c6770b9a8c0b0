"""The per-number limits of the SMS and voice channels, remembered across restarts: the numbers each
delivered outbox row of the last day went to, read once at start (the outbox is the send record)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from sentinel.notify.base import Sender
from sentinel.notify.phone import PhoneSender
from sentinel.store.models import OutboxMessage, OutboxState

__all__ = ["recent_sends", "seed_limits"]

#: the longest per-number window (20 calls a day)
HORIZON = timedelta(days=1)


def recent_sends(engine: Engine, channel: str, *, since: datetime) -> list[tuple[str, datetime]]:
    """``(number, delivered_at)`` for every number of the channel's rows delivered since ``since``."""
    query = (select(col(OutboxMessage.message), col(OutboxMessage.delivered_at))
             .where(col(OutboxMessage.channel) == channel, col(OutboxMessage.state) == OutboxState.DELIVERED.value,
                    col(OutboxMessage.delivered_at) >= since)
             .order_by(col(OutboxMessage.delivered_at)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(str(phone), at) for message, at in rows if at is not None
            for phone in (message.get("mentions") or [] if isinstance(message, dict) else [])]


def seed_limits(engine: Engine, senders: Mapping[str, Sender], *, now: datetime) -> int:
    """Count the last day's deliveries against each SMS/voice channel's per-number limits; returns how many."""
    counted = 0
    for channel, sender in senders.items():
        if isinstance(sender, PhoneSender):
            for phone, at in recent_sends(engine, channel, since=now - HORIZON):
                sender.limits.seed(phone, at)
                counted += 1
    return counted
