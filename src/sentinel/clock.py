"""The one clock.

Domain code never reads the time itself: a job asks its clock for ``now`` once and passes the value
down. This module is the only place in sentinel that calls ``datetime.now`` or ``time.monotonic``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    @property
    def rate(self) -> float:
        """Seconds of this clock per real second: what a display counting down on its own ticks at."""

    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, for measuring durations."""


class SystemClock:
    """Wall-clock time."""

    rate = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to: tests and replay use it."""

    rate = 1.0  # a page showing its time counts down as if it were real time

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start).astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._now.timestamp()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = require_aware(when).astimezone(UTC)


class AcceleratedClock:
    """Wall-clock time sped up by a factor from a starting point, for ``sentinel demo``."""

    def __init__(self, start: datetime, factor: float) -> None:
        self._start = require_aware(start).astimezone(UTC)
        self._origin = time.monotonic()
        self.rate = factor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.rate)

    def monotonic(self) -> float:
        return time.monotonic()


class CatchUpClock:
    """Time replayed from a moment in the past, ``factor`` times faster than wall-clock time, until it
    reaches the present; wall-clock time from then on. ``sentinel demo`` tells its story on it: what
    the story records lies in the past, where the command line and the reports, which read
    wall-clock time, accept it (a response is never "in the future", a report's time of making
    follows its events)."""

    def __init__(self, start: datetime, factor: float, *, paused: bool = False) -> None:
        self._start = require_aware(start).astimezone(UTC)
        self._origin: float | None = None if paused else time.monotonic()
        self._factor = factor

    def resume(self) -> None:
        """Start the replay of a clock made ``paused`` (it stood at its start until now)."""
        if self._origin is None:
            self._origin = time.monotonic()

    def _times(self) -> tuple[datetime, datetime]:
        elapsed = 0.0 if self._origin is None else time.monotonic() - self._origin
        return self._start + timedelta(seconds=elapsed * self._factor), datetime.now(UTC)

    @property
    def rate(self) -> float:
        replayed, real = self._times()
        return self._factor if replayed < real else 1.0

    @property
    def caught_up(self) -> bool:
        replayed, real = self._times()
        return replayed >= real

    def now(self) -> datetime:
        return min(self._times())

    def monotonic(self) -> float:
        return time.monotonic()


def require_aware(value: datetime) -> datetime:
    """Reject naive datetimes at the boundary (STYLE: every stored time is aware UTC)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"naive datetime {value!r}: sentinel only accepts timezone-aware times")
    return value


def local_iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in ``zone`` (a naive value is UTC, as the store keeps it); None stays None."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).isoformat()
