"""Wake-ups: a committed change reaches the job that acts on it at once, not at that job's next tick.

A new incident, a grade that changed or a response recorded wakes the escalation engine; rows
queued in the outbox wake the dispatcher. The scheduled ticks stay as the safety net (a wake lost
to a crash, another process's change, a deadline simply falling due). :class:`Wakes` is what the
other parts hold (on :class:`~sentinel.store.db.Database`): plain calls that do nothing until the
daemon connects them. :class:`WakeableJob` runs a job one run at a time, on its schedule and when
woken; wakes that arrive during a run coalesce into one more run after it, which sees every
change committed before it began.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


def _nothing() -> None:
    return None


@dataclass(slots=True)
class Wakes:
    """Whom to wake after a committed change (called on the event loop; no-ops until connected)."""

    engine: Callable[[], None] = _nothing  # incidents, grades, responses: the engine's business
    outbox: Callable[[], None] = _nothing  # messages queued: the dispatcher's


class WakeableJob:
    """``job``, never two runs at once, run by :meth:`run` (the schedule) and by :meth:`serve`
    whenever :meth:`wake` was called since the last run began."""

    def __init__(self, job: Callable[[], Awaitable[None]]) -> None:
        self._job = job
        self._lock = asyncio.Lock()
        self._woken = asyncio.Event()
        self._closed = False
        self.runs = 0

    def wake(self) -> None:
        self._woken.set()

    async def run(self) -> None:
        """One run, after the one under way if any (this is the one-at-a-time guarantee)."""
        async with self._lock:
            self._woken.clear()  # a wake from now on asks for a run after this one
            self.runs += 1
            await self._job()

    async def serve(self) -> None:
        """Run whenever woken, until :meth:`close` (a run under way then finishes first)."""
        while True:
            await self._woken.wait()
            if self._closed:
                return
            await self.run()

    def close(self) -> None:
        self._closed = True
        self._woken.set()
