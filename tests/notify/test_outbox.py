"""The outbox: claim, send, retry, fail over, rate-limit and record, against SQLite and a real
PostgreSQL, through the loopback fakes of the services (``tests/notify/servers.py``).

Time is only ever the ``now`` handed to ``drain``; nothing here sleeps to make time pass.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from sentinel.errors import ConfigError
from sentinel.metrics import Metrics
from sentinel.notify.base import Delivery, Sender
from sentinel.notify.claiming import claim_due
from sentinel.notify.config import DeliveryConfig
from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.inflight import InFlight
from sentinel.notify.message import Message
from sentinel.notify.outbox import Dispatcher
from sentinel.notify.recording import Outcome, Policy, Result, record
from sentinel.notify.serialisation import message_to_json
from sentinel.notify.webhook import WebhookSender
from sentinel.store.db import Database, open_database
from sentinel.store.models import Incident, OutboxMessage, TimelineEvent
from tests.notify.samples import sample
from tests.notify.servers import NOW, FakeDingTalk, FakeWebhook
from tests.support.server import LoopbackServer

S = timedelta(seconds=1)
M = timedelta(minutes=1)

# -------------------------------------------------------------------------------------- world


class OpsHook(FakeWebhook):
    path = "/ops"


class BackupHook(FakeWebhook):
    path = "/backup"


@dataclass
class World:
    """A database with one incident, and loopback services behind the channels hook, ding, ops, backup."""

    db: Database
    server: LoopbackServer
    hook: FakeWebhook
    ding: FakeDingTalk
    ops: FakeWebhook
    backup: FakeWebhook
    metrics: Metrics
    incident_id: int

    def senders(self, client: httpx.AsyncClient, *, ding_secret: str = "SECding", ding_token: str | None = None,
                ) -> dict[str, Sender]:
        return {
            "hook": WebhookSender("hook", self.hook.url(), client),
            "ding": DingTalkSender("ding", self.ding.url(ding_token), client, secret=ding_secret),
            "ops": WebhookSender("ops", self.ops.url(), client),
            "backup": WebhookSender("backup", self.backup.url(), client),
        }

    def dispatcher(self, senders: dict[str, Sender], *, owner: str = "one", database: Database | None = None,
                   in_flight: InFlight | None = None, **config: Any) -> Dispatcher:
        settings = DeliveryConfig.model_validate({"fallback": "backup", "operators": ["ops"], **config})
        kinds = {channel: sender.kind for channel, sender in senders.items()}
        return Dispatcher(database or self.db, senders, settings, metrics=self.metrics, owner=owner,
                          channel_kinds=kinds, in_flight=in_flight)

    def queue(self, key: str, *, channel: str = "hook", kind: str = "new_incident", grade: str | None = "II",
              at: datetime = NOW, not_before: datetime | None = None, title: str | None = None,
              incident: bool = True) -> None:
        message = sample(kind=kind, grade=grade, title=title or key, idempotency_key=key)
        with Session(self.db.engine) as session:
            session.add(OutboxMessage(
                key=f"{key}:{channel}", action_key=key, incident_id=self.incident_id if incident else None,
                kind=kind, channel=channel, recipients=[{"name": "张三", "phone": "13800000000", "role": "duty"}],
                grade=grade, message=message_to_json(message), created_at=at, not_before=not_before or at,
            ))
            session.commit()

    def rows(self) -> dict[str, OutboxMessage]:
        with Session(self.db.engine) as session:
            return {row.key: row for row in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))}

    def timeline(self) -> list[TimelineEvent]:
        with Session(self.db.engine) as session:
            return list(session.exec(select(TimelineEvent).order_by(TimelineEvent.id)))

    def run(self, scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
        async def go() -> Any:
            async with httpx.AsyncClient(timeout=5) as client:
                return await scenario(client)

        return asyncio.run(go())


@pytest.fixture
def world(database_url: str, http_server: LoopbackServer) -> Iterator[World]:
    db = open_database(database_url)
    with Session(db.engine) as session:
        incident = Incident(title="化工厂爆炸", emerged_at=NOW, detected_at=NOW, last_item_at=NOW, updated_at=NOW,
                            grade="II")
        session.add(incident)
        session.commit()
        assert incident.id is not None
        incident_id = incident.id
    yield World(
        db, http_server,
        FakeWebhook(http_server, secret=None, now=NOW),
        FakeDingTalk(http_server, token="tok-ding", secret="SECding", now=NOW),
        OpsHook(http_server, secret=None, now=NOW),
        BackupHook(http_server, secret=None, now=NOW),
        Metrics(), incident_id,
    )
    db.close()


def titles(fake: Any) -> list[str]:
    return [received.document["title"] if "title" in received.document else received.document["markdown"]["title"]
            for received in fake.accepted]


def counter(world: World, name: str, **labels: str) -> float:
    return world.metrics.registry.get_sample_value(name, labels) or 0.0


# -------------------------------------------------------------------------------------- drains


def test_due_rows_are_delivered_in_order_with_their_timeline_entries(world: World) -> None:
    world.queue("inc:1:new_incident", at=NOW - 5 * S)
    world.queue("obligation:1:reminder:30m", kind="reminder", at=NOW - 2 * S)
    world.queue("quiet", at=NOW - 9 * S, not_before=NOW + 10 * M)  # held for quiet hours
    world.queue("daily", kind="daily_digest", grade=None, incident=False)

    async def scenario(client: httpx.AsyncClient) -> Any:
        dispatcher = world.dispatcher(world.senders(client))
        first = await dispatcher.drain(NOW)
        again = await dispatcher.drain(NOW + S)
        later = await dispatcher.drain(NOW + 10 * M)
        return first, again, later

    first, again, later = world.run(scenario)
    assert (first.claimed, first.delivered, again.claimed, later.delivered) == (3, 3, 0, 1)
    assert titles(world.hook) == ["inc:1:new_incident", "obligation:1:reminder:30m", "daily", "quiet"]
    sent = world.server.requests_to("/hook")
    assert [r.headers["idempotency-key"] for r in sent][:2] == ["inc:1:new_incident", "obligation:1:reminder:30m"]
    rows = world.rows()
    row = rows["inc:1:new_incident:hook"]
    assert (row.state, row.attempts, row.delivered_at, row.lease_owner, row.lease_until) == ("delivered", 1, NOW,
                                                                                              None, None)
    assert rows["quiet:hook"].delivered_at == NOW + 10 * M
    delivered = [event for event in world.timeline() if event.kind == "notification_delivered"]
    assert len(delivered) == 3  # the daily digest belongs to no incident
    assert delivered[0].incident_id == world.incident_id and delivered[0].at == NOW
    assert delivered[0].data == {"outbox_id": row.id, "channel": "hook", "kind": "new_incident", "attempts": 1,
                                 "recipients": [{"name": "张三", "phone": "13800000000", "role": "duty"}],
                                 "latency_seconds": 5.0}
    assert counter(world, "sentinel_notifications_total", channel="hook", kind="new_incident",
                   outcome="delivered") == 2
    assert counter(world, "sentinel_notification_latency_seconds_count", channel="hook") == 4


def test_a_failing_service_is_retried_with_doubling_backoff_until_it_answers(world: World) -> None:
    world.queue("a")
    world.hook.fail_every = 1  # every request: 502

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client))
        reports = [await dispatcher.drain(NOW)]
        assert world.rows()["a:hook"].not_before == NOW + 30 * S
        reports.append(await dispatcher.drain(NOW + 29 * S))  # not yet
        reports.append(await dispatcher.drain(NOW + 30 * S))
        assert world.rows()["a:hook"].not_before == NOW + 90 * S  # 30s later doubled to 60s
        world.hook.reset()
        reports.append(await dispatcher.drain(NOW + 90 * S))
        return reports

    reports = world.run(scenario)
    assert [(r.claimed, r.retried, r.delivered) for r in reports] == [(1, 1, 0), (0, 0, 0), (1, 1, 0), (1, 0, 1)]
    row = world.rows()["a:hook"]
    assert (row.state, row.attempts, row.last_reason) == ("delivered", 3, "server_error")
    assert "502" in (row.last_error or "")
    assert len(world.hook.accepted) == 1 and len(world.server.requests_to("/hook")) == 3
    assert counter(world, "sentinel_notifications_total", channel="hook", kind="new_incident", outcome="retry") == 2


def test_an_intermittent_service_gets_every_message_exactly_once(world: World) -> None:
    for n in range(6):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    world.hook.fail_every = 3

    async def scenario(client: httpx.AsyncClient) -> None:
        dispatcher = world.dispatcher(world.senders(client), backoff="5s")
        for second in range(120):
            await dispatcher.drain(NOW + second * S)

    world.run(scenario)
    assert sorted(titles(world.hook)) == [f"m{n}" for n in range(6)]
    assert all(row.state == "delivered" for row in world.rows().values())
    assert {row.attempts for row in world.rows().values()} >= {1, 2}


def test_retry_after_is_honoured_and_pauses_the_channel(world: World) -> None:
    world.queue("a", at=NOW - S)
    world.queue("b")
    world.hook.rate_limit = 0  # 429 with Retry-After: 7

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client), backoff="2s")
        first = await dispatcher.drain(NOW)
        rows = world.rows()
        assert (rows["a:hook"].not_before, rows["a:hook"].last_reason) == (NOW + 7 * S, "rate_limited")
        assert (rows["b:hook"].attempts, rows["b:hook"].lease_owner) == (0, None)  # held, not tried
        paused = await dispatcher.drain(NOW + 6 * S)
        world.hook.reset()
        return [first, paused, await dispatcher.drain(NOW + 7 * S)]

    first, paused, resumed = world.run(scenario)
    assert (first.sent, first.retried, first.held) == (1, 1, 1)
    assert paused.claimed == 0  # b was due, but the service asked us to wait
    assert resumed.delivered == 2 and titles(world.hook) == ["a", "b"]
    assert counter(world, "sentinel_notifications_rate_limited_total", channel="hook") == 1


@pytest.mark.parametrize(("secret", "token", "reason", "said"), [
    ("SECwrong", None, "bad_signature", "sign not match"),
    ("SECding", "revoked", "bad_token", "token is not exist"),
])
def test_a_permanent_failure_tells_the_operators_and_uses_the_fallback_for_grades_i_and_ii(
    world: World, secret: str, token: str | None, reason: str, said: str
) -> None:
    world.queue("major", channel="ding", grade="II")
    world.queue("minor", channel="ding", grade="IV")

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client, ding_secret=secret, ding_token=token))
        return [await dispatcher.drain(NOW), await dispatcher.drain(NOW + S), await dispatcher.drain(NOW + 2 * S)]

    first, follow_up, quiet = world.run(scenario)
    assert (first.failed, follow_up.delivered, quiet.claimed) == (2, 3, 0)
    rows = world.rows()
    for key in ("major:ding", "minor:ding"):
        assert (rows[key].state, rows[key].last_reason, rows[key].attempts) == ("failed", reason, 1)
        assert said in (rows[key].last_error or "")
    assert set(rows) == {"major:ding", "minor:ding", "major:ding:failed:ops", "minor:ding:failed:ops",
                         "major:ding:fallback"}
    notice = rows["major:ding:failed:ops"]
    assert (notice.kind, notice.channel, notice.state, notice.incident_id) == ("delivery_failed", "ops", "delivered",
                                                                               world.incident_id)
    copy = rows["major:ding:fallback"]
    assert (copy.kind, copy.channel, copy.grade, copy.state) == ("new_incident", "backup", "II", "delivered")
    (received,) = world.backup.accepted
    assert received.document["idempotency_key"] == "major:ding:fallback" and "备用通道" in received.document["text_plain"]
    assert sorted(r.document["title"] for r in world.ops.accepted) == ["通知投递失败：ding"] * 2
    assert any(reason in r.document["text_plain"] and said in r.document["text_plain"] for r in world.ops.accepted)
    failed = [event for event in world.timeline() if event.kind == "notification_failed"]
    assert len(failed) == 2 and all(said in (event.reason or "") for event in failed)
    assert failed[0].data["reason"] == reason and failed[0].data["channel"] == "ding"


def test_operators_default_to_every_other_channel_and_a_failed_notice_makes_no_other(world: World) -> None:
    world.queue("a", channel="ding", grade="III")

    async def scenario(client: httpx.AsyncClient) -> None:
        senders = world.senders(client, ding_secret="SECwrong")
        settings = DeliveryConfig()
        dispatcher = Dispatcher(world.db, senders, settings, metrics=world.metrics, owner="x",
                                channel_kinds={"hook": "webhook", "ding": "dingtalk"})
        await dispatcher.drain(NOW)
        world.hook.fail_every = world.ops.fail_every = world.backup.fail_every = 1
        for n in range(1, 9):
            await dispatcher.drain(NOW + n * 30 * M)  # every notice fails past the retry budget

    world.run(scenario)
    rows = world.rows()
    assert set(rows) == {"a:ding", "a:ding:failed:hook", "a:ding:failed:ops", "a:ding:failed:backup"}
    for channel in ("hook", "ops", "backup"):
        notice = rows[f"a:ding:failed:{channel}"]  # kept until its channel answers again, never dropped
        assert (notice.state, notice.attempts) == ("pending", 8)
        assert "still retrying after 8 attempts" in (notice.last_error or "")


def test_fallback_after_consecutive_failures_while_still_retrying(world: World) -> None:
    world.queue("red", grade="I")
    world.hook.fail_every = 1

    async def scenario(client: httpx.AsyncClient) -> None:
        dispatcher = world.dispatcher(world.senders(client), backoff="1s")
        for n, at in enumerate((NOW, NOW + S, NOW + 3 * S)):
            await dispatcher.drain(at)
            assert ("red:hook:fallback" in world.rows()) is (n == 2)
        await dispatcher.drain(NOW + 4 * S)

    world.run(scenario)
    rows = world.rows()
    assert (rows["red:hook"].state, rows["red:hook"].attempts) == ("pending", 3)
    assert rows["red:hook:fallback"].state == "delivered" and len(world.backup.accepted) == 1


def test_reminders_beyond_a_robots_rate_are_digested(world: World) -> None:
    for n in range(25):
        world.queue(f"obligation:{n}:reminder:30m", channel="ding", kind="reminder",
                    at=NOW - M + n * timedelta(milliseconds=1))
    sent_at: list[datetime] = []

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client))
        reports = []
        for second in range(0, 130, 1):
            if second == 1:
                for n in range(25, 50):
                    world.queue(f"obligation:{n}:reminder:30m", channel="ding", kind="reminder", at=NOW + S)
            before = len(world.ding.accepted)
            reports.append(await dispatcher.drain(NOW + second * S))
            sent_at.extend([NOW + second * S] * (len(world.ding.accepted) - before))
        return reports

    reports = world.run(scenario)
    assert (reports[0].sent, reports[0].delivered, reports[0].digests) == (20, 25, 1)
    for start in sent_at:
        assert sum(start <= at < start + M for at in sent_at) <= 20
    assert len(sent_at) == 40 and all(row.state == "delivered" for row in world.rows().values())
    received = world.ding.accepted
    assert [r.document["markdown"]["title"] for r in received[:19]] == [f"obligation:{n}:reminder:30m"
                                                                         for n in range(19)]
    assert received[19].document["markdown"]["title"] == "6条提醒"
    assert all(f"obligation:{n}:reminder:30m" in received[19].document["markdown"]["text"] for n in range(19, 25))
    members = [e for e in world.timeline() if e.kind == "notification_delivered" and "digest" in e.data]
    assert len(members) == 6 + 25 - 19 and len({e.data["digest"] for e in members}) == 2
    assert counter(world, "sentinel_notifications_rate_limited_total", channel="ding") == 12


def test_other_messages_beyond_the_rate_wait_for_room(world: World) -> None:
    for n in range(22):
        world.queue(f"new:{n}", channel="ding", at=NOW - S + n * timedelta(milliseconds=1))

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client))
        return [await dispatcher.drain(NOW + second * S) for second in (0, 1, 59, 60)]

    reports = world.run(scenario)
    assert [(r.claimed, r.sent, r.held) for r in reports] == [(22, 20, 2), (0, 0, 0), (0, 0, 0), (2, 2, 0)]
    assert len(world.ding.accepted) == 22


def test_overlapping_drains_of_one_dispatcher_share_its_rate(world: World) -> None:
    for n in range(30):
        world.queue(f"new:{n}", channel="ding", at=NOW - S + n * timedelta(milliseconds=1))

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        dispatcher = world.dispatcher(world.senders(client), batch=10)
        return list(await asyncio.gather(*(dispatcher.drain(NOW) for _ in range(3))))  # a tick and the timer

    reports = world.run(scenario)
    assert sum(r.sent for r in reports) == 20 and len(world.ding.accepted) == 20


def test_two_dispatchers_never_send_the_same_row(world: World, database_url: str) -> None:
    for n in range(40):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    world.hook.delay = 0.005
    other = open_database(database_url, migrate_schema=False)

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        senders = world.senders(client)
        first = world.dispatcher(senders, owner="process-1", batch=7)
        second = world.dispatcher(senders, owner="process-2", batch=7, database=other)
        reports = []
        for tick in range(6):
            reports.extend(await asyncio.gather(first.drain(NOW + tick * S), second.drain(NOW + tick * S)))
        return reports

    try:
        reports = world.run(scenario)
    finally:
        other.close()
    assert sum(r.claimed for r in reports) == 40 and sum(r.delivered for r in reports) == 40
    assert sorted(titles(world.hook)) == sorted(f"m{n}" for n in range(40))
    assert all(r.claimed for r in reports[:2]), [(r.claimed, r.delivered) for r in reports]  # both took part


class Hanging:
    """A sender that never answers: the process dies while it waits."""

    kind = "webhook"

    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        self.called = asyncio.Event()

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def test_after_a_crash_the_claimed_rows_are_sent_once_when_the_lease_ends(world: World) -> None:
    for n in range(3):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        hanging = Hanging("hook")
        doomed = world.dispatcher({**world.senders(client), "hook": hanging}, owner="doomed")
        task = asyncio.create_task(doomed.drain(NOW))
        await hanging.called.wait()
        task.cancel()  # the process is gone; its rows keep their lease
        del doomed
        assert {row.lease_owner for row in world.rows().values()} == {"doomed"}
        heir = world.dispatcher(world.senders(client), owner="heir")
        reports = [await heir.drain(NOW + M), await heir.drain(NOW + 2 * M + S), await heir.drain(NOW + 3 * M)]
        restarted = world.dispatcher(world.senders(client), owner="restarted")
        reports.append(await restarted.drain(NOW + 1 * timedelta(hours=1)))
        return reports

    reports = world.run(scenario)
    assert [r.claimed for r in reports] == [0, 3, 0, 0]
    # m0 may have arrived before the crash (m1 and m2 were its next): each copy says so, same key
    assert titles(world.hook) == ["【重发】m0", "【重发】m1", "【重发】m2"]
    assert all("重发：上次发送结果不明" in r.document["text_plain"] for r in world.hook.accepted)
    assert [r.headers["idempotency-key"] for r in world.server.requests_to("/hook")] == ["m0", "m1", "m2"]
    assert all(row.state == "delivered" and row.attempts == 1 for row in world.rows().values())


def test_a_process_started_again_under_its_identity_takes_its_rows_back_at_once(world: World) -> None:
    for n in range(2):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    world.queue("calm", channel="ops")

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        hanging = Hanging("hook")
        doomed = world.dispatcher({**world.senders(client), "hook": hanging}, owner="host:db:1")
        task = asyncio.create_task(doomed.drain(NOW))
        await hanging.called.wait()
        while world.rows()["calm:ops"].state != "delivered":  # the other channel's outcome is written at once
            await asyncio.sleep(0.01)
        task.cancel()  # killed mid-send
        del doomed
        stranger = world.dispatcher(world.senders(client), owner="host:db:2")
        again = world.dispatcher(world.senders(client), owner="host:db:1")  # the same process, restarted
        return [await stranger.drain(NOW + S), await again.drain(NOW + 2 * S)]

    stranger, again = world.run(scenario)
    assert (stranger.claimed, again.claimed, again.delivered) == (0, 2, 2)  # not two minutes later
    assert titles(world.hook) == ["【重发】m0", "【重发】m1"]
    assert titles(world.ops) == ["calm"]  # recorded before the crash: not sent again, not marked
    assert {row.lease_owner for row in world.rows().values()} == {None}


def test_a_restarted_process_marks_only_the_row_it_had_in_flight(world: World, tmp_path) -> None:
    """Killed while sending m0, with m1 and m2 claimed and waiting their turn: started again under
    its identity, it resends m0 marked 重发 and sends m1 and m2 plainly (they never left)."""
    for n in range(3):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    journal = tmp_path / "sentinel-store-1.sending"

    async def scenario(client: httpx.AsyncClient) -> list[Any]:
        hanging = Hanging("hook")
        doomed = world.dispatcher({**world.senders(client), "hook": hanging}, owner="host:db:1",
                                  in_flight=InFlight(journal))
        task = asyncio.create_task(doomed.drain(NOW))
        await hanging.called.wait()
        task.cancel()  # killed mid-send
        del doomed
        assert {row.lease_owner for row in world.rows().values()} == {"host:db:1"}
        again = world.dispatcher(world.senders(client), owner="host:db:1", in_flight=InFlight(journal))
        return [await again.drain(NOW + S), await again.drain(NOW + 2 * S)]

    first, second = world.run(scenario)
    assert (first.claimed, first.delivered, second.claimed) == (3, 3, 0)
    assert titles(world.hook) == ["【重发】m0", "m1", "m2"]
    assert all(row.state == "delivered" and row.lease_owner is None for row in world.rows().values())
    assert InFlight(journal).previous() == set()  # every outcome written: nothing in doubt


def test_a_journal_that_cannot_say_marks_every_row_the_dead_process_held(world: World, tmp_path) -> None:
    for n in range(2):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    journal = tmp_path / "sentinel-store-1.sending"

    async def scenario(client: httpx.AsyncClient) -> Any:
        hanging = Hanging("hook")
        doomed = world.dispatcher({**world.senders(client), "hook": hanging}, owner="host:db:1",
                                  in_flight=InFlight(journal))
        task = asyncio.create_task(doomed.drain(NOW))
        await hanging.called.wait()
        task.cancel()
        del doomed
        journal.write_text(journal.read_text().replace("\n", "\nanother boot ", 1))  # written before a reboot
        again = world.dispatcher(world.senders(client), owner="host:db:1", in_flight=InFlight(journal))
        return await again.drain(NOW + S)

    assert world.run(scenario).delivered == 2
    assert titles(world.hook) == ["【重发】m0", "【重发】m1"]


def test_claims_are_exclusive_until_the_lease_ends(world: World) -> None:
    world.queue("a")
    engine = world.db.engine
    assert [r.key for r in claim_due(engine, owner="p1", now=NOW, lease_for=2 * M, limit=10)] == ["a:hook"]
    assert claim_due(engine, owner="p2", now=NOW + M, lease_for=2 * M, limit=10) == []
    assert claim_due(engine, owner="p2", now=NOW + 2 * M, lease_for=2 * M, limit=10) == []  # lease_until == now
    (row,) = claim_due(engine, owner="p2", now=NOW + 2 * M + S, lease_for=2 * M, limit=10)
    assert world.rows()["a:hook"].lease_owner == "p2" and row.attempts == 0


def test_a_batch_records_each_row_once_with_its_own_attempts(world: World) -> None:
    """Delivered rows are marked together; a row recorded meanwhile by another process is left alone."""
    for key in ("a", "b", "c", "d"):
        world.queue(key)
    engine = world.db.engine
    rows = {r.key: r for r in claim_due(engine, owner="p1", now=NOW, lease_for=M, limit=10)}
    policy = Policy(max_attempts=3, backoff=10 * S, backoff_max=M, fallback=None, fallback_after=9, operators=())
    record(engine, [Result((rows["d:hook"],), Outcome(True))], now=NOW, policy=policy)  # "another process"
    busy = Outcome(False, retryable=True, reason="server_error", detail="HTTP 502")
    verdicts = record(engine, [Result((rows["a:hook"], rows["d:hook"]), Outcome(True), digest_of="dg"),
                               Result((rows["b:hook"],), busy), Result((rows["c:hook"],), Outcome(True))],
                      now=NOW + S, policy=policy)
    assert verdicts == [["delivered", None], ["retry"], ["delivered"]]
    stored = world.rows()
    assert (stored["a:hook"].state, stored["a:hook"].attempts, stored["a:hook"].delivered_at) == ("delivered", 1, NOW + S)
    assert (stored["d:hook"].state, stored["d:hook"].delivered_at) == ("delivered", NOW)  # as first recorded
    assert (stored["b:hook"].state, stored["b:hook"].attempts, stored["b:hook"].last_reason) == ("pending", 1, "server_error")
    assert stored["b:hook"].not_before > NOW + S and stored["b:hook"].lease_owner is None
    delivered = [e.data["outbox_id"] for e in world.timeline() if e.kind == "notification_delivered"]
    assert sorted(delivered) == sorted([rows["d:hook"].id, rows["a:hook"].id, rows["c:hook"].id])
    assert next(e for e in world.timeline() if e.data.get("outbox_id") == rows["a:hook"].id).data["digest"] == "dg"


def test_concurrent_claims_from_many_connections_never_overlap(world: World, database_url: str) -> None:
    for n in range(60):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))
    databases = [open_database(database_url, migrate_schema=False) for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in databases]
    sizes: list[int] = []

    def claimer(number: int) -> None:
        while rows := claim_due(databases[number].engine, owner=f"p{number}", now=NOW, lease_for=M, limit=4):
            sizes.append(len(rows))
            claimed[number].extend(row.key for row in rows)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(len(databases))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for database in databases:
            database.close()
    keys = [key for part in claimed for key in part]
    assert max(sizes) <= 4  # a claim never takes more than its limit
    assert sorted(keys) == sorted(f"m{n}:hook" for n in range(60))  # each row once, none left
    owners = {row.key: row.lease_owner for row in world.rows().values()}
    assert all(owners[key] == f"p{number}" for number, part in enumerate(claimed) for key in part)


class Slow:
    """A clock on which every reading is 40 s after the last (a receiver that takes its time)."""

    rate = 1.0

    def __init__(self) -> None:
        self.readings = 0

    def now(self) -> datetime:
        return NOW

    def monotonic(self) -> float:
        self.readings += 1
        return self.readings * 40.0


def test_a_slow_drain_stops_sending_before_its_lease_could_run_out(world: World) -> None:
    for n in range(4):
        world.queue(f"m{n}", at=NOW - S + n * timedelta(milliseconds=1))

    async def scenario(client: httpx.AsyncClient) -> Any:
        senders = world.senders(client)
        dispatcher = Dispatcher(world.db, senders, DeliveryConfig(lease="2m"), metrics=world.metrics, owner="x",
                                channel_kinds={}, clock=Slow())
        return await dispatcher.drain(NOW)

    report = world.run(scenario)
    assert (report.claimed, report.sent, report.held) == (4, 1, 3)  # 40 s in: one sent; 80 s > 60 s: stop
    assert [row.lease_owner for row in world.rows().values()] == [None] * 4


class Broken:
    kind = "webhook"

    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        raise RuntimeError("a bug")


def test_an_unknown_channel_or_a_sender_bug_fails_that_row_and_not_the_others(world: World) -> None:
    world.queue("gone", channel="retired-robot", at=NOW - 2 * S)
    world.queue("bug", channel="buggy", at=NOW - S)
    world.queue("fine")
    with Session(world.db.engine) as session:  # written by a broken or older writer
        session.add(OutboxMessage(key="garbled:hook", action_key="garbled", kind="test", channel="hook",
                                  message={"title": 1}, created_at=NOW, not_before=NOW))
        session.commit()

    async def scenario(client: httpx.AsyncClient) -> Any:
        dispatcher = world.dispatcher({**world.senders(client), "buggy": Broken("buggy")})
        return await dispatcher.drain(NOW)

    report = world.run(scenario)
    assert (report.delivered, report.failed) == (1, 3) and titles(world.hook) == ["fine"]
    rows = world.rows()
    gone = rows["gone:retired-robot"]
    assert (gone.state, gone.last_reason) == ("failed", "unknown_channel")
    assert "'retired-robot' is not configured" in (gone.last_error or "")
    assert (rows["bug:buggy"].state, rows["bug:buggy"].last_reason) == ("failed", "internal")
    assert "RuntimeError: a bug" in (rows["bug:buggy"].last_error or "")
    assert (rows["garbled:hook"].state, rows["garbled:hook"].last_reason) == ("failed", "internal")
    assert {"gone:retired-robot:failed:ops", "gone:retired-robot:fallback", "bug:buggy:fallback"} <= set(rows)


def test_a_configuration_naming_unknown_channels_is_refused(world: World) -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        for bad, key in (({"fallback": "nope"}, "delivery.fallback"), ({"operators": ["nope"]}, "delivery.operators"),
                         ({"rate_limits": {"nope": "1/s"}}, "delivery.rate_limits")):
            with pytest.raises(ConfigError, match=key):
                world.dispatcher(world.senders(client), **bad)

    world.run(scenario)


def test_gauges_count_pending_and_the_longest_wait(world: World) -> None:
    world.queue("old", at=NOW - 10 * M, not_before=NOW - 4 * M)  # never tried: waiting since not_before
    world.queue("quiet", at=NOW - 60 * M, not_before=NOW + 60 * M)  # held for quiet hours: not waiting

    async def scenario(client: httpx.AsyncClient) -> None:
        dispatcher = world.dispatcher(world.senders(client))
        await dispatcher.refresh_gauges(NOW)
        assert counter(world, "sentinel_outbox_pending") == 2
        assert counter(world, "sentinel_outbox_oldest_pending_seconds") == 240
        await dispatcher.drain(NOW)
        await dispatcher.refresh_gauges(NOW)

    world.run(scenario)
    assert counter(world, "sentinel_outbox_pending") == 1
    assert counter(world, "sentinel_outbox_oldest_pending_seconds") == 0


# -------------------------------------------------------------------------------------- faults (issue 16)


def test_an_office_with_one_channel_keeps_its_alert_until_the_channel_recovers_and_it_goes_out_marked_late(
    world: World,
) -> None:
    world.queue("red", grade="I")
    world.hook.fail_every = 1  # 502 for two hours: far past the retry budget (8 attempts, ~1 h)

    async def scenario(client: httpx.AsyncClient) -> Any:
        hook = {"hook": WebhookSender("hook", world.hook.url(), client)}
        dispatcher = Dispatcher(world.db, hook, DeliveryConfig(), metrics=world.metrics, owner="one",
                                channel_kinds={"hook": "webhook"})
        for minute in range(0, 120, 5):
            await dispatcher.drain(NOW + minute * M)
        waiting = world.rows()["red:hook"]
        assert (waiting.state, waiting.last_reason) == ("pending", "server_error") and waiting.attempts >= 8
        assert f"still retrying after {waiting.attempts} attempts" in (waiting.last_error or "")
        world.hook.reset()
        return await dispatcher.drain(NOW + 150 * M)  # its next retry: backoff_max (30 min) apart

    report = world.run(scenario)
    assert report.delivered == 1
    assert world.rows()["red:hook"].state == "delivered"
    (received,) = world.hook.accepted
    assert received.document["title"].startswith("【迟发2小时30分】")
    assert "迟发" in received.document["text_plain"] and "晚2小时30分" in received.document["text_plain"]
    assert received.document["idempotency_key"] == "red"  # the receiver can still drop a repeat


def test_a_first_try_that_arrives_is_not_marked(world: World) -> None:
    world.queue("quiet", at=NOW - 10 * M, not_before=NOW)  # held for quiet hours, never failed

    async def scenario(client: httpx.AsyncClient) -> None:
        await world.dispatcher(world.senders(client)).drain(NOW)

    world.run(scenario)
    assert titles(world.hook) == ["quiet"]


def test_a_channel_failing_longer_than_channel_down_after_is_one_alert_per_episode_through_the_others(
    world: World, database_url: str,
) -> None:
    from sentinel.notify.channel_alerts import channels_down, queue_channel_alerts
    from sentinel.settings import Settings

    settings = Settings.model_validate({
        "database": {"url": database_url},
        "channels": [{"id": "hook", "kind": "webhook", "url": world.hook.url()},
                     {"id": "ops", "kind": "webhook", "url": world.ops.url()}],
        "delivery": {"channel_down_after": "15m"},
    })
    world.queue("a")
    world.queue("b", at=NOW + S)
    world.hook.fail_every = 1

    async def scenario(client: httpx.AsyncClient) -> list[list[str]]:
        senders = world.senders(client)
        dispatcher = Dispatcher(world.db, {"hook": senders["hook"], "ops": senders["ops"]}, settings.delivery,
                                metrics=world.metrics, owner="one", channel_kinds={"hook": "webhook", "ops": "webhook"})
        queued = []
        for minute in (0, 10, 14, 16, 30, 60):
            await dispatcher.drain(NOW + minute * M)
            queued.append(queue_channel_alerts(world.db.engine, settings, ["hook", "ops"], NOW + minute * M))
            await dispatcher.drain(NOW + minute * M + S)
        assert [down.channel for down in channels_down(world.db.engine, settings, NOW + 60 * M)] == ["hook"]
        world.hook.reset()
        await dispatcher.drain(NOW + 90 * M)
        assert channels_down(world.db.engine, settings, NOW + 90 * M) == []
        world.hook.fail_every = 1  # down again: a new episode
        world.queue("c", at=NOW + 91 * M)
        for minute in (91, 100, 110):
            await dispatcher.drain(NOW + minute * M)
        queued.append(queue_channel_alerts(world.db.engine, settings, ["hook", "ops"], NOW + 110 * M))
        return queued

    queued = world.run(scenario)
    first = f"channel:hook:down:{NOW.isoformat()}:ops"
    assert queued[:6] == [[], [], [], [first], [], []]
    assert queued[6] == [f"channel:hook:down:{(NOW + 91 * M).isoformat()}:ops"]
    alerts = [r.document for r in world.ops.accepted if r.document["kind"] == "channel_down"]
    assert len(alerts) == 1
    assert "hook" in alerts[0]["title"] and "server_error" in alerts[0]["text_plain"]
    assert "2条通知待发" in alerts[0]["text_plain"]
