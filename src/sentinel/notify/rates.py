"""Rate windows: "at most N messages in any second/minute", per channel, over the times of its
recent sends.

Why windows rather than token buckets: DingTalk and WeCom robots allow 20 messages in a minute and
then throttle the robot for ten minutes. A bucket of 20 refilling at 20/m lets nearly 40 through in
the first minute; a window of the last N send times never exceeds N in any period. The windows live
in memory, per process: several processes on one PostgreSQL share a robot's limit only as far as
each keeps to it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["DEFAULT_RATE_LIMITS", "Rate", "RateWindows", "parse_rate"]

#: Rate limits by channel kind when ``delivery.rate_limits`` does not name the channel. DingTalk and
#: WeCom robots: 20 messages a minute each (their robot docs); Feishu custom bots: 5/s and 100/min.
DEFAULT_RATE_LIMITS: Mapping[str, tuple[str, ...]] = {
    "dingtalk": ("20/m",), "wecom": ("20/m",), "feishu": ("5/s", "100/m"),
}

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|m|h|d)\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` messages in any ``period``."""

    count: int
    period: timedelta


def parse_rate(text: str) -> Rate:
    """``"5/s"``, ``"100/m"``, ``"5/h"`` or ``"20/d"``."""
    match = _RATE.match(text) if isinstance(text, str) else None
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"expected a rate such as 5/s, 20/m, 5/h or 20/d, got {text!r}")
    return Rate(int(match.group(1)), timedelta(seconds=_PERIODS[match.group(2)]))


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
