"""Alerts within a second: a committed change wakes the escalation engine and the dispatcher at once.

The real daemon on 127.0.0.1 with its engine tick and its look at the outbox both set to a minute,
so that only a wake-up can bring the new-incident message to the loopback webhook in time; and
:class:`~sentinel.wake.WakeableJob`'s one-run-at-a-time contract on its own.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx

from sentinel.app import Daemon, Timing
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.wake import WakeableJob
from tests.notify.servers import FakeWebhook

STORY = {"id": "w-1", "title": "汕头潮阳一家庭作坊发生火灾 13人死亡3人重伤",
         "text": "汕头市潮阳区谷饶镇一家庭作坊发生火灾，现场共抢救出28名被困人员，其中13人死亡，3人重伤。"}


def wake_settings(database_url: str, hook: FakeWebhook) -> Settings:
    return Settings.model_validate({
        "database": {"url": database_url},
        "http": {"listen": "127.0.0.1:0", "tokens": [{"name": "crawler", "role": "ingest", "token_env": "T_INGEST",
                                                       "sources": ["news"]}]},
        "sources": [{"id": "news", "kind": "push", "authority": "provincial"}],
        "watch": [{"id": "safety", "department": "应急管理局",
                   "groups": {"region": ["汕头", "潮阳"], "event": ["火灾", "死亡"]}}],
        "channels": [{"id": "hook", "kind": "webhook", "url": hook.url(), "secret_env": "HOOK_SECRET"}],
        "roster": {"duty": [{"name": "张伟", "phone": "13800000001", "channels": ["hook"],
                             "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                             "start": "00:00", "end": "24:00"}]},
    })


def test_a_pushed_story_reaches_the_webhook_well_inside_the_engine_tick(http_server, sqlite_url,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("T_INGEST", "ingest-secret")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    hook = FakeWebhook(http_server, secret="hook-secret", now=datetime.now(UTC))
    settings = wake_settings(sqlite_url, hook)
    waited: list[float] = []

    async def scenario() -> None:
        # a minute between engine ticks and between looks at the outbox: only a wake is in time
        daemon = Daemon(settings, metrics=Metrics(process=False),
                        timing=Timing(collect_tick=0.2, health_tick=60, engine_tick=60, deliver_tick=60))
        task = asyncio.create_task(daemon.run())
        await daemon.wait_ready()
        try:
            await asyncio.sleep(0.3)  # the start's own engine tick is over
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{daemon.http_port}") as client:
                pushed = time.monotonic()
                answer = await client.post("/api/items", headers={"Authorization": "Bearer ingest-secret"}, json={
                    "source": "news", "items": [{**STORY, "published_at": datetime.now(UTC).isoformat()}]})
                assert answer.status_code == 200 and answer.json()["new"] == 1
            while not hook.accepted and time.monotonic() - pushed < 10:
                await asyncio.sleep(0.01)
            waited.append(time.monotonic() - pushed)
        finally:
            daemon.request_stop()
            await task

    asyncio.run(scenario())
    assert hook.accepted, "the new-incident message never reached the webhook"
    assert hook.accepted[0].texts[0].startswith("【新舆情】")
    # Without a wake-up the message waits for the 60 s tick; 5 s leaves room for a loaded machine (a
    # second test process beside this one made it 2.2 s). The 1 s target is bench/latency.py's.
    assert waited[0] < 5.0, f"the message took {waited[0]:.2f} s (the engine tick is 60 s: no wake-up)"


def test_a_wakeable_job_runs_one_at_a_time_and_coalesces_wakes() -> None:
    running, overlaps = 0, 0

    async def job() -> None:
        nonlocal running, overlaps
        running += 1
        overlaps += running > 1
        await asyncio.sleep(0.05)
        running -= 1

    async def scenario() -> WakeableJob:
        runs = WakeableJob(job)
        serving = asyncio.create_task(runs.serve())
        runs.wake()
        await asyncio.sleep(0.01)  # the woken run is under way
        for _ in range(5):
            runs.wake()  # during it: one more run after it, not five
        await asyncio.gather(runs.run(), runs.run())  # the schedule's runs wait their turn
        await asyncio.sleep(0.2)
        runs.close()
        await asyncio.wait_for(serving, 1)
        return runs

    runs = asyncio.run(scenario())
    assert overlaps == 0
    assert 3 <= runs.runs <= 4  # the woken one, the two scheduled, and at most one for the five wakes
