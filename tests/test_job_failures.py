"""A job that keeps failing is counted every time and logged once a minute: first with its
traceback, then a short line with the repeat count; a new cause is logged afresh; a success ends it;
one cause failing several jobs gives one traceback in ten minutes.
Then the real daemon with a table gone from under it (the outage of a real store)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from sentinel.app import Daemon, Timing
from sentinel.clock import FakeClock
from sentinel.job_failures import Job, JobFailures
from sentinel.metrics import Metrics
from tests.test_daemon import settings_for

log = logging.getLogger("tests.job_failures")


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, sqlite3.OperationalError("connection to server refused"))


def failures_of(metrics: Metrics, job: str) -> float:
    return metrics.registry.get_sample_value("sentinel_job_failures_total", {"job": job}) or 0.0


def test_a_job_failing_every_second_logs_a_line_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    clock, metrics = FakeClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC)), Metrics(process=False)
    failures = JobFailures(clock, metrics, log)
    caplog.set_level(logging.INFO, logger=log.name)
    for _ in range(150):  # two and a half minutes of a job failing every second
        failures.failed(Job.ENGINE, outage())
        clock.advance(timedelta(seconds=1))
    failures.failed(Job.DELIVER, outage())  # another job's failure is its own, its traceback is above
    failures.failed(Job.ENGINE, ValueError("something else"))  # a new cause: logged at once, in full
    failures.succeeded(Job.ENGINE)
    failures.failed(Job.ENGINE, outage())  # failing again after a success: logged at once
    failures.succeeded(Job.ENGINE)
    clock.advance(timedelta(minutes=10))
    failures.failed(Job.ENGINE, outage())  # ten minutes after the cause's traceback: in full again

    lines = [(record.getMessage(), record.exc_info is not None) for record in caplog.records]
    assert lines == [
        ("job engine failed: OperationalError: (sqlite3.OperationalError) connection to server refused", True),
        ("job engine still failing: OperationalError: (sqlite3.OperationalError) connection to server refused "
         "(60 more times since the last line; 61 in all)", False),
        ("job engine still failing: OperationalError: (sqlite3.OperationalError) connection to server refused "
         "(60 more times since the last line; 121 in all)", False),
        ("job deliver failed: OperationalError: (sqlite3.OperationalError) connection to server refused "
         "(same cause as a traceback above)", False),
        ("job engine failed: ValueError: something else", True),
        ("job engine works again after failing 1 times", False),
        ("job engine failed: OperationalError: (sqlite3.OperationalError) connection to server refused "
         "(same cause as a traceback above)", False),
        ("job engine works again after failing 1 times", False),
        ("job engine failed: OperationalError: (sqlite3.OperationalError) connection to server refused", True),
    ]
    assert failures_of(metrics, "engine") == 153 and failures_of(metrics, "deliver") == 1


def test_the_daemon_logs_a_lost_table_once_not_every_tick(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(sqlite_url, [{"id": "crawler", "kind": "push"}])
    metrics = Metrics(process=False)
    caplog.set_level(logging.INFO, logger="sentinel.app")

    async def go() -> None:
        daemon = Daemon(settings, metrics=metrics, serve_http=False,
                        timing=Timing(collect_tick=0.05, health_tick=0.2, engine_tick=0.05, deliver_tick=0.05))
        task = asyncio.create_task(daemon.run())
        await daemon.wait_ready()
        assert daemon.database is not None
        engine = daemon.database.engine
        try:
            with engine.begin() as connection:  # the engine's lease table is gone: every tick fails
                connection.execute(text("ALTER TABLE lease RENAME TO lease_away"))
            deadline = time.monotonic() + 20
            while failures_of(metrics, "engine") < 10:
                assert time.monotonic() < deadline, "the engine's ticks did not fail"
                await asyncio.sleep(0.05)
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE lease_away RENAME TO lease"))
            while "job engine works again" not in caplog.text:
                assert time.monotonic() < deadline, "the engine did not recover"
                await asyncio.sleep(0.05)
        finally:
            daemon.request_stop()
            await task

    asyncio.run(go())
    engine_lines = [record for record in caplog.records if record.getMessage().startswith("job engine")]
    assert [record.exc_info is not None for record in engine_lines] == [True, False]
    assert "no such table: lease" in engine_lines[0].getMessage()
    assert engine_lines[1].getMessage().startswith("job engine works again after failing")
