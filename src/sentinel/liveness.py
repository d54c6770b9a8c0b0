"""What the daemon has really done lately, for ``/healthz`` and the console's board.

A ``SELECT 1`` answers while nothing works: a read-only database file, an engine whose every tick
fails, a stuck scheduler. So the daemon records when each part last did its work — a write that
committed, an engine tick, a look at the outbox, a collection tick — and the last write that failed
for a reason of the store itself. :func:`assess` turns that into a verdict (a pure function of the
record and ``now``); it is unhealthy when the store cannot write, or when the engine has not ticked
for :data:`STALE_TICKS` of its intervals.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sentinel.clock import Clock

STALE_TICKS = 5  # engine ticks missed in a row before /healthz says so (one slow or failed tick is no outage)


class Part(StrEnum):
    WRITE = "write"  # a database write committed
    ENGINE = "engine"  # an escalation engine tick completed
    DELIVERY = "delivery"  # a look at the outbox completed
    COLLECTION = "collection"  # a collection tick completed


@dataclass(frozen=True, slots=True)
class Verdict:
    healthy: bool
    reasons: list[str]  # why not, in words for an operator; empty when healthy
    ages: dict[str, float | None]  # seconds since each part last worked (None: not yet)


@dataclass
class Liveness:
    """The record, written by the daemon's jobs (several threads) and read by ``/healthz``."""

    clock: Clock
    engine_tick: timedelta | None = None  # None: no engine runs in this process, nothing to expect
    started: datetime = field(init=False)
    last: dict[Part, datetime] = field(default_factory=dict)
    write_error: str | None = None  # the last write's store failure, until a write succeeds again
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.started = self.clock.now()

    def done(self, part: Part) -> None:
        now = self.clock.now()
        with self._lock:
            self.last[part] = now
            if part is Part.WRITE:
                self.write_error = None

    def write_failed(self, reason: str) -> None:
        with self._lock:
            self.write_error = reason[:200]

    def assess(self) -> Verdict:
        with self._lock:
            return assess(dict(self.last), self.write_error, started=self.started, now=self.clock.now(),
                          engine_tick=self.engine_tick)


def assess(last: dict[Part, datetime], write_error: str | None, *, started: datetime, now: datetime,
           engine_tick: timedelta | None) -> Verdict:
    reasons = []
    if write_error is not None:
        reasons.append(f"the store cannot write: {write_error}")
    if engine_tick is not None:
        since = last.get(Part.ENGINE, started)
        if now - since > engine_tick * STALE_TICKS:
            reasons.append(f"the escalation engine has not ticked for {int((now - since).total_seconds())} s "
                           f"(it ticks every {engine_tick.total_seconds():g} s)")
    ages = {part.value: (max(0.0, (now - last[part]).total_seconds()) if part in last else None) for part in Part}
    return Verdict(not reasons, reasons, ages)
