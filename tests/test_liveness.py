"""/healthz says what really works: the verdict as a table, then the real daemon's answer as its
engine stalls (its scheduler's interval longer than the test, the clock moved past it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sentinel.app import Daemon, Timing
from sentinel.clock import FakeClock
from sentinel.liveness import FORGET_AFTER, STALE_TICKS, Liveness, Part, assess
from sentinel.metrics import Metrics
from tests.test_daemon import settings_for

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TICK = timedelta(seconds=5)


@pytest.mark.parametrize(("last", "write_error", "now", "reasons"), [
    ({}, None, START, []),  # just started: nothing done yet, nothing overdue
    ({Part.ENGINE: START}, None, START + TICK * STALE_TICKS, []),  # late, but not yet by STALE_TICKS
    ({Part.ENGINE: START}, None, START + TICK * STALE_TICKS + timedelta(seconds=1),
     ["the escalation engine has not ticked for 26 s (it ticks every 5 s)"]),
    ({}, None, START + timedelta(minutes=1), ["the escalation engine has not ticked for 60 s (it ticks every 5 s)"]),
    ({Part.ENGINE: START}, "attempt to write a readonly database", START,
     ["the store cannot write: attempt to write a readonly database"]),
])
def test_the_verdict(last: dict[Part, datetime], write_error: str | None, now: datetime, reasons: list[str]) -> None:
    verdict = assess(last, write_error, started=START, now=now, engine_tick=TICK)
    assert verdict.reasons == reasons and verdict.healthy == (not reasons)
    assert verdict.ages["engine"] == ((now - last[Part.ENGINE]).total_seconds() if last else None)


def test_no_engine_in_the_process_is_nothing_to_wait_for() -> None:
    assert assess({}, None, started=START, now=START + timedelta(days=1), engine_tick=None).healthy


def test_healthz_of_the_running_daemon_reports_each_part_and_a_stalled_engine(sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("T_INGEST", "ingest-secret")
    monkeypatch.setenv("T_READ", "read-secret")
    settings = settings_for(sqlite_url, [{"id": "crawler", "kind": "push"}])
    clock = FakeClock(START)
    answers: list[tuple[int, dict[str, Any]]] = []

    async def go() -> None:
        # the engine ticks once at start, then not for ten minutes of real time: it is stalled once
        # the clock has moved more than STALE_TICKS of those intervals
        daemon = Daemon(settings, clock=clock, metrics=Metrics(process=False),
                        timing=Timing(collect_tick=0.05, health_tick=0.2, engine_tick=600, deliver_tick=0.05))
        task = asyncio.create_task(daemon.run())
        await daemon.wait_ready()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{daemon.http_port}") as client:
                await asyncio.sleep(0.3)  # a look at the outbox and a collection tick after the start
                clock.advance(timedelta(seconds=30))
                answers.append(_answer(await client.get("/healthz")))
                clock.advance(timedelta(seconds=600 * STALE_TICKS))
                answers.append(_answer(await client.get("/healthz")))
        finally:
            daemon.request_stop()
            await task

    asyncio.run(go())
    (healthy, fine), (stalled, body) = answers
    assert healthy == 200 and fine["status"] == "ok", fine
    ages = fine["age_seconds"]
    assert set(ages) == {"write", "engine", "delivery", "collection"}
    assert ages["engine"] == 30.0 and all(age is not None and 0 <= age <= 30 for age in ages.values()), ages
    assert stalled == 503 and body["status"] == "error"
    assert body["reasons"] == ["the escalation engine has not ticked for 3030 s (it ticks every 600 s)"]


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def test_a_failed_kind_of_write_stays_until_that_kind_commits() -> None:
    """On a full disk the outbox's look with nothing due still commits every second; it must not
    hide the engine's tick, which needs room, failing (the disk-full trial of bench/fault_trials.py)."""
    clock = FakeClock(START)
    liveness = Liveness(clock, engine_tick=None)
    for _ in range(30):  # the engine fails each tick while the outbox's empty looks commit
        liveness.write_failed("database or disk is full", write="EscalationEngine.tick")
        clock.advance(TICK)
        liveness.done(Part.WRITE, write="claim_due")
        assert liveness.assess().reasons == ["the store cannot write: database or disk is full"]
    liveness.done(Part.WRITE, write="EscalationEngine.tick")
    assert liveness.assess().healthy


def test_a_failed_write_not_tried_again_is_forgotten_while_others_commit() -> None:
    """A request that failed once in an outage and was never sent again does not keep /healthz at 503."""
    clock = FakeClock(START)
    liveness = Liveness(clock, engine_tick=None)
    liveness.write_failed("connection refused", write="store_pushed")
    clock.advance(FORGET_AFTER)
    liveness.done(Part.WRITE, write="claim_due")
    assert liveness.write_error == "connection refused"  # not yet longer than FORGET_AFTER ago
    clock.advance(timedelta(seconds=1))
    liveness.done(Part.WRITE, write="claim_due")
    assert liveness.write_error is None and liveness.assess().healthy


def test_a_failed_kind_that_commits_again_clears_every_failure() -> None:
    """PostgreSQL back: the outbox's look, which failed like everything else, commits; the pushes
    refused meanwhile have not come again yet, and /healthz need not wait for them."""
    clock = FakeClock(START)
    liveness = Liveness(clock, engine_tick=None)
    liveness.write_failed("connection refused", write="store_pushed")
    liveness.write_failed("connection refused", write="claim_due")
    liveness.done(Part.WRITE, write="claim_due")
    assert liveness.write_error is None and liveness.assess().healthy
