"""The document an outbox row holds when its message is rendered as it is sent: a template's kind
and its context, written by the stages that queue alerts (the escalation engine, the daily digest)
and read by :func:`sentinel.notify.serialisation.stored_message`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sentinel.clock import require_aware

__all__ = ["deferred_message"]


def deferred_message(kind: str, context: Mapping[str, Any], *, zone: ZoneInfo, link_base: str | None,
                     idempotency_key: str) -> dict[str, Any]:
    """An ``outbox.message`` document to be rendered when it is sent: the template's kind and its
    context (times as ISO 8601). The engine writes these so that its tick, which holds the database
    writer, does not spend milliseconds per alert in Jinja;
    :func:`~sentinel.notify.serialisation.stored_message` renders them."""
    return {"template": kind, "context": _jsonable(dict(context)), "zone": zone.key, "link_base": link_base,
            "idempotency_key": idempotency_key}


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
