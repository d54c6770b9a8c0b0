"""What the daemon has really done lately, for ``/healthz`` and the console's board.

A ``SELECT 1`` answers while nothing works: a read-only database file, an engine whose every tick
fails, a stuck scheduler. So the daemon records when each part last did its work — a write that
committed, an engine tick, a look at the outbox, a collection tick — and the writes that fail for a
reason of the store itself, each kept until that same kind of write commits again: on a full disk a
write that changes nothing (an outbox look with nothing due) still commits, and must not clear the
failure of the engine's tick, which needs room. A kind that failed and now commits shows the store
writes again, and clears every failure (the server is back: the failed requests need not be sent
again first). A failure not seen again for :data:`FORGET_AFTER` while other writes commit is
forgotten (a request that failed once and was not repeated); the daemon's own jobs repeat theirs
well within it (the engine every few seconds, the other jobs every 30 s). :func:`assess` turns that into a verdict (a pure function of the
record and ``now``); it is unhealthy when the store cannot write, or when the engine has not ticked
for :data:`STALE_TICKS` of its intervals.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sentinel.clock import Clock

FORGET_AFTER = timedelta(minutes=1)  # a kind of write that failed and has not been tried since: forgotten
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
    # kind of write → its store failure and when it last failed, newest last
    _write_errors: dict[str, tuple[str, datetime]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.started = self.clock.now()

    @property
    def write_error(self) -> str | None:
        """The latest store failure of a kind of write that has not committed since; None when none."""
        with self._lock:
            return next((reason for reason, _ in reversed(self._write_errors.values())), None)

    def done(self, part: Part, *, write: str = "") -> None:
        """``part`` worked now; for :attr:`Part.WRITE`, ``write`` names the kind of write that committed."""
        now = self.clock.now()
        with self._lock:
            self.last[part] = now
            if part is Part.WRITE:
                if self._write_errors.pop(write, None) is not None:
                    self._write_errors.clear()  # what failed writes again: the store is back
                for kind, (_, at) in list(self._write_errors.items()):
                    if now - at > FORGET_AFTER:
                        del self._write_errors[kind]

    def write_failed(self, reason: str, *, write: str = "") -> None:
        """A write of kind ``write`` failed for a reason of the store (read-only, full, unreachable)."""
        now = self.clock.now()
        with self._lock:
            self._write_errors.pop(write, None)  # the newest last
            self._write_errors[write] = (reason[:200], now)

    def assess(self) -> Verdict:
        write_error = self.write_error
        with self._lock:
            return assess(dict(self.last), write_error, started=self.started, now=self.clock.now(),
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
