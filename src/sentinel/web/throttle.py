"""Failed logins, counted per client address and per token name in a sliding window.

The console's login form and the API's bearer check share one :class:`LoginThrottle`. After
``limit`` failures within ``window`` seconds from one key, every attempt from that key — right or
wrong — is refused with 429 and ``Retry-After`` until the oldest failure leaves the window; a
successful guess must not be the way out. Kept in process: several daemons behind one address each
count their own, which loosens the limit by that factor and no more.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable

from sentinel.clock import Clock
from sentinel.metrics import Metrics

log = logging.getLogger(__name__)

LIMIT = 10  # failures per window per key
WINDOW = 60.0  # seconds
MAX_KEYS = 10_000  # beyond this the quietest keys are forgotten: memory stays bounded under a spray


class LoginThrottle:
    """A sliding window of failure times per key, on the caller's monotonic seconds."""

    def __init__(self, *, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, keys: Iterable[str], now: float) -> int | None:
        """Seconds until any of ``keys`` may try again, or None when none of them is held back."""
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if times is not None and len(times) >= self.limit:
                wait = max(wait, times[0] + self.window - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, keys: Iterable[str], now: float) -> None:
        """Count one failure against each key."""
        for key in keys:
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= MAX_KEYS:
                    self._forget(now)
                times = self._failures[key] = deque()
            times.append(now)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def _forget(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= MAX_KEYS:  # still full: forget the key that began failing first
            del self._failures[next(iter(self._failures))]


class LoginGuard:
    """What both login surfaces do about failures: hold back, log, count."""

    def __init__(self, metrics: Metrics, clock: Clock, throttle: LoginThrottle | None = None) -> None:
        self.metrics = metrics
        self.clock = clock
        self.throttle = throttle or LoginThrottle()

    def retry_after(self, client: str | None, name: str | None = None) -> int | None:
        """Seconds this client (or this token name) must wait before trying again, or None."""
        return self.throttle.retry_after(_keys(client, name), self.clock.monotonic())

    def failed(self, surface: str, client: str | None, name: str | None = None) -> None:
        """A wrong token from ``client`` (never logged: only where it came from and, when the token
        was known but may not log in here, whose it was)."""
        self.throttle.failed(_keys(client, name), self.clock.monotonic())
        self.metrics.login_failures.labels(surface=surface).inc()
        log.warning("failed %s login from %s%s", surface, client or "an unknown address",
                    f" with the token of {name}" if name else "")


def _keys(client: str | None, name: str | None) -> list[str]:
    keys = [f"client:{client or 'unknown'}"]
    if name:
        keys.append(f"token:{name}")
    return keys
