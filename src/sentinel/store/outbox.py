"""Writing outbox rows: :func:`queue_new` adds the rows whose keys are not queued yet, and
:func:`deferred_message` is the document a row holds when its message is rendered as it is sent (a
template's kind and its context, written by the stages that queue alerts and read by
:func:`sentinel.notify.serialisation.stored_message`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sentinel.clock import require_aware
from sentinel.store.models import OutboxMessage

__all__ = ["deferred_message", "queue_new"]


def queue_new(session: Session, rows: list[OutboxMessage]) -> list[str]:
    """Add and commit the rows whose keys are not in the outbox yet; their keys. An alert is queued
    once by its key: when another process queued one of them a moment ago, this adds none."""
    if not rows:
        return []
    known = set(session.scalars(select(col(OutboxMessage.key)).where(
        col(OutboxMessage.key).in_([row.key for row in rows]))).all())
    fresh = [row for row in rows if row.key not in known]
    session.add_all(fresh)
    try:
        session.commit()
    except IntegrityError:  # another process queued the same a moment ago
        session.rollback()
        return []
    return [row.key for row in fresh]


def deferred_message(kind: str, context: Mapping[str, Any], *, zone: ZoneInfo, link_base: str | None,
                     idempotency_key: str, acks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ``outbox.message`` document to be rendered when it is sent: the template's kind and its
    context (times as ISO 8601). The engine writes these so that its tick, which holds the database
    writer, does not spend milliseconds per alert in Jinja;
    :func:`~sentinel.notify.serialisation.stored_message` renders them. ``acks`` are the message's
    one-tap 认领 links ({person, url, code, phone}), issued with the alert."""
    document = {"template": kind, "context": _jsonable(dict(context)), "zone": zone.key, "link_base": link_base,
                "idempotency_key": idempotency_key}
    if acks:
        document["acks"] = acks
    return document


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
