"""The daemon's periodic jobs failing: counted every time, logged once a minute while it lasts.

During a database outage every job fails on every run — the engine each tick, the outbox each
second, collection each tick. A traceback for each would bury the one line that says what is wrong,
and fill the disk besides. So the first failure of a run of failures is logged with its traceback;
while the same cause persists, one short line a minute says how often it repeated; a different
cause is logged afresh, traceback and all; and the first success says the job works again. One
cause failing many jobs (the database away) gives one traceback: the other jobs' first failures
within :data:`TRACEBACK_EVERY` of it are one line each. Every failure counts in
``sentinel_job_failures_total{job}``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

from sentinel.clock import Clock
from sentinel.metrics import Metrics

REPEAT_EVERY = 60.0  # seconds between the lines of a failure that persists
TRACEBACK_EVERY = 600.0  # seconds between two tracebacks of one cause, whichever jobs it fails


class Job(StrEnum):
    """The daemon's periodic jobs (the metric's label: a closed set)."""

    ENGINE = "engine"
    DELIVER = "deliver"
    COLLECT = "collect"
    HEALTH = "health"
    GAUGES = "gauges"
    SOURCE_ALERTS = "source-alerts"
    CHANNEL_ALERTS = "channel-alerts"
    DAILY_DIGEST = "daily-digest"
    CALENDAR_ALERT = "calendar-alert"
    PROVISIONAL_DEADLINES = "provisional-deadlines"
    LAPSED_CORRECTIONS = "lapsed-corrections"
    CORRECTION_REMINDERS = "correction-reminders"
    ANNUAL_REMINDER = "annual-reminder"
    ANALYSIS_CATCH_UP = "analysis-catch-up"
    ANALYSIS_ADOPT = "analysis-adopt"  # its own label: sharing one, its success ended the catch-up's failing run
    PRUNE = "prune"  # store.retention


@dataclass
class _Run:
    cause: str
    failures: int  # in this run of failures
    unlogged: int  # since the last line
    logged_at: float  # the clock's monotonic seconds


def cause_of(exc: BaseException) -> str:
    """What makes two failures "the same cause": the exception's type, and its driver's (a
    SQLAlchemy error wraps the driver's), not the message, which carries ids and addresses."""
    original = getattr(exc, "orig", None)
    return type(exc).__name__ + (f"/{type(original).__name__}" if isinstance(original, BaseException) else "")


class JobFailures:
    def __init__(self, clock: Clock, metrics: Metrics, logger: logging.Logger) -> None:
        self.clock = clock
        self.metrics = metrics
        self.log = logger
        self._runs: dict[Job, _Run] = {}
        self._traced: dict[str, float] = {}  # cause → when its traceback was last logged
        self._lock = threading.Lock()

    def failed(self, job: Job, exc: BaseException) -> None:
        self.metrics.job_failures.labels(job=job.value).inc()
        now, cause = self.clock.monotonic(), cause_of(exc)
        with self._lock:
            run = self._runs.get(job)
            if run is None or run.cause != cause:
                self._runs[job] = _Run(cause, 1, 0, now)
                traced = self._traced.get(cause)
                with_traceback = traced is None or now - traced >= TRACEBACK_EVERY
                if with_traceback:
                    self._traced[cause] = now
                repeated = None
            else:
                run.failures += 1
                run.unlogged += 1
                if now - run.logged_at < REPEAT_EVERY:
                    return
                repeated, run.unlogged, run.logged_at, total = run.unlogged, 0, now, run.failures
        if repeated is not None:
            self.log.error("job %s still failing: %s (%d more times since the last line; %d in all)",
                           job.value, _first_line(exc), repeated, total)
        elif with_traceback:
            self.log.error("job %s failed: %s", job.value, _first_line(exc), exc_info=exc)
        else:
            self.log.error("job %s failed: %s (same cause as a traceback above)", job.value, _first_line(exc))

    def succeeded(self, job: Job) -> None:
        with self._lock:
            run = self._runs.pop(job, None)
        if run is not None:
            self.log.warning("job %s works again after failing %d times", job.value, run.failures)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"
