"""HTTP details shared by the collectors and the notification senders."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, *, since: datetime | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds, or an HTTP date measured from
    ``since`` (the reply's ``Date``, or the caller's clock). None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if since is None or when.tzinfo is None or since.tzinfo is None:
        return None
    return max(0.0, (when - since).total_seconds())
