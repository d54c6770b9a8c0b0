"""When to poll a source next: plain functions over values.

Each source's next due time is a row in the store (``source_state.next_check_at``); APScheduler only
drives the tick that picks up what is due. After a failure the interval doubles up to a cap; a
``Retry-After`` is never undercut; a blocked source waits at least ``blocked_backoff``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def with_jitter(delay: timedelta, jitter: float, rng: random.Random) -> timedelta:
    """Spread polls so sources sharing an interval do not fire in step."""
    if jitter <= 0:
        return delay
    return delay * (1 + rng.uniform(-jitter, jitter))


def next_after_success(now: datetime, interval: timedelta, *, jitter: float, rng: random.Random) -> datetime:
    return now + with_jitter(interval, jitter, rng)


def backoff_delay(
    interval: timedelta,
    failures: int,
    *,
    cap: timedelta,
    retry_after: float | None = None,
    blocked: bool = False,
    blocked_backoff: timedelta = timedelta(minutes=30),
) -> timedelta:
    """The wait after ``failures`` consecutive failed polls (``failures`` ≥ 1)."""
    exponent = max(0, min(failures - 1, 20))
    delay = min(interval * (2**exponent), max(cap, interval))
    if blocked:
        delay = max(delay, min(blocked_backoff * (2**exponent), max(cap, blocked_backoff)))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def next_after_failure(
    now: datetime,
    interval: timedelta,
    failures: int,
    *,
    cap: timedelta,
    jitter: float,
    rng: random.Random,
    retry_after: float | None = None,
    blocked: bool = False,
    blocked_backoff: timedelta = timedelta(minutes=30),
) -> datetime:
    delay = backoff_delay(
        interval, failures, cap=cap, retry_after=retry_after, blocked=blocked, blocked_backoff=blocked_backoff
    )
    jittered = with_jitter(delay, jitter, rng)
    if retry_after is not None:
        jittered = max(jittered, timedelta(seconds=retry_after))  # jitter may only add to Retry-After
    return now + jittered
