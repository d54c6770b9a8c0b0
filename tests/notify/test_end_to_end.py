"""A grade II incident's alerts reach a loopback DingTalk robot (signed, with @mentions) and a
signed webhook at the right moments: the real analysis, incidents stage, engine, outbox and senders,
under a clock the test moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.app import Daemon
from sentinel.clock import FakeClock
from sentinel.collect.push import parse_pushed_item
from sentinel.metrics import Metrics
from sentinel.normalise.item import normalise
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from tests.notify.servers import FakeDingTalk, FakeWebhook

ZONE = ZoneInfo("Asia/Shanghai")
EMERGED = datetime(2026, 3, 10, 7, 40, tzinfo=ZONE).astimezone(UTC)


def test_new_incident_reminders_and_breach_arrive_when_due(http_server, sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("DING_SECRET", "SECe2e")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    ding = FakeDingTalk(http_server, token="tok-e2e", secret="SECe2e", now=EMERGED)
    hook = FakeWebhook(http_server, secret="hook-secret", now=EMERGED)
    settings = Settings.model_validate({
        "database": {"url": sqlite_url},
        "sources": [{"id": "news", "kind": "push", "authority": "provincial"}],
        "watch": [{"id": "safety", "department": "应急管理局",
                   "groups": {"region": ["汕头", "潮阳"], "event": ["火灾", "死亡"]}}],
        "channels": [{"id": "ding", "kind": "dingtalk", "url": ding.url(), "secret_env": "DING_SECRET"},
                     {"id": "hook", "kind": "webhook", "url": hook.url(), "secret_env": "HOOK_SECRET"}],
        "roster": {"duty": [{"name": "张伟", "phone": "13800000001", "channels": ["ding"],
                             "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                             "start": "00:00", "end": "24:00"}],
                   "leaders": [{"name": "钱局长", "phone": "13800000020", "channels": ["hook"]}],
                   "section_chiefs": [{"name": "赵科长", "channels": ["hook"]}]},
    })
    clock = FakeClock(EMERGED)
    seen: list[tuple[datetime, str, str]] = []  # (virtual time, channel, title)

    async def scenario() -> None:
        daemon = Daemon(settings, clock=clock, metrics=Metrics(process=False), serve_http=False)
        database = daemon.open()
        source_store.ensure_sources(database.engine, settings.sources, now=EMERGED)
        analysis = await daemon.start_analysis()
        daemon.build_escalation()
        try:
            raw = parse_pushed_item({
                "id": "a-2", "title": "汕头潮阳一家庭作坊发生火灾 13人死亡3人重伤",
                "text": "汕头市潮阳区谷饶镇一家庭作坊发生火灾，现场共抢救出28名被困人员，其中13人死亡，3人重伤。",
                "published_at": EMERGED.isoformat()})
            now = EMERGED + timedelta(minutes=5)
            clock.set(now)
            ids = item_store.save_pushed(database.engine, "news", [normalise(raw, zone=ZONE, fetched_at=now)],
                                         now=now).new_ids
            await analysis.process(ids)
            # step the clock a minute at a time through the 5h deadline, ticking as the daemon does
            counts = {"ding": 0, "hook": 0}
            while now < EMERGED + timedelta(hours=5, minutes=2):
                ding.now = hook.now = now  # the fakes check signature timestamps against "their" now
                await daemon.engine_tick()
                await daemon.deliver()
                for fake, channel in ((ding, "ding"), (hook, "hook")):
                    seen.extend((now, channel, r.texts[0]) for r in fake.accepted[counts[channel]:])
                    counts[channel] = len(fake.accepted)
                now += timedelta(minutes=1)
                clock.set(now)
        finally:
            await daemon._close()

    asyncio.run(scenario())
    by_title = {(channel, title): at for at, channel, title in seen}
    ding_titles = [title for _, channel, title in seen if channel == "ding"]
    # the duty officer's robot: the announcement at once, each reminder at its offset, the breach at 5h
    assert ding_titles[0].startswith("【新舆情】II级")
    reminders = [t for t in ding_titles if t.startswith("【时限提醒】权威信息发布")]
    assert [by_title[("ding", t)] - EMERGED for t in reminders] == [
        timedelta(hours=3), timedelta(hours=4), timedelta(hours=4, minutes=30), timedelta(hours=4, minutes=50)]
    (breach,) = [t for t in ding_titles if t.startswith("【超时】权威信息发布")]
    assert by_title[("ding", breach)] == EMERGED + timedelta(hours=5)
    # DingTalk highlighted the duty officer's phone: the @mention works
    assert all("13800000001" in r.highlighted for r in ding.accepted)
    # the webhook (section chief, leader): escalations 15 and 30 minutes after the clocks started
    hook_titles = [(at - EMERGED, title) for at, channel, title in seen if channel == "hook"]
    assert [delta for delta, title in hook_titles if title.startswith("【升级】")] == [
        timedelta(minutes=20), timedelta(minutes=35)]
    assert not any(title.startswith("【时限提醒】") for _, title in hook_titles)  # reminders go to the duty officer


def test_the_outbox_gauges_follow_a_drain_without_waiting_for_the_health_tick(http_server, sqlite_url,
                                                                              monkeypatch) -> None:
    from sqlmodel import Session

    from sentinel.notify.message import Message
    from sentinel.notify.serialisation import message_to_json
    from sentinel.store.models import OutboxMessage

    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    hook = FakeWebhook(http_server, secret="hook-secret", now=EMERGED)
    settings = Settings.model_validate({
        "database": {"url": sqlite_url},
        "channels": [{"id": "hook", "kind": "webhook", "url": hook.url(), "secret_env": "HOOK_SECRET"}],
    })
    metrics = Metrics(process=False)

    def pending() -> float | None:
        return metrics.registry.get_sample_value("sentinel_outbox_pending")

    async def scenario() -> None:
        daemon = Daemon(settings, clock=FakeClock(EMERGED), metrics=metrics, serve_http=False)
        database = daemon.open()
        daemon.build_escalation()
        try:
            message = Message(kind="test", title="通道测试", text_markdown="通道测试", text_plain="通道测试",
                              idempotency_key="gauge-test")
            with Session(database.engine) as session:
                session.add(OutboxMessage(key="gauge-test:hook", action_key="gauge-test", kind="test", channel="hook",
                                          message=message_to_json(message), created_at=EMERGED - timedelta(minutes=7),
                                          not_before=EMERGED - timedelta(minutes=7)))
                session.commit()
            assert daemon.dispatcher is not None
            await daemon.dispatcher.refresh_gauges(EMERGED)  # the health tick saw one waiting 7 minutes
            assert pending() == 1
            await daemon.deliver()  # no health tick after this: the drain itself refreshes the gauges
            assert len(hook.accepted) == 1
            assert pending() == 0
            assert metrics.registry.get_sample_value("sentinel_outbox_oldest_pending_seconds") == 0
        finally:
            await daemon._close()

    asyncio.run(scenario())
