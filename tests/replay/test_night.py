"""Reaching the person at 3 a.m.: the phone step (policy.phone), SMS opt-in, and leaders told again
of what changes. The real pipeline and engine under a virtual clock, on SQLite and PostgreSQL, with
the outbox rows as the evidence (the replay records them; nothing is sent).

The scenario: 汕头's workshop fire (scenario a's report of 13 dead, ``a-2``) reaches sentinel at
02:00 on a Wednesday night from the local news site: grade II at once, corroborated (no 研判), its
clocks running from 02:00. The duty officer 张伟 lists the duty robot, an SMS channel and a voice
channel; the section chief and the leader list nothing (so neither SMS nor voice reaches them for
an ordinary alert, but the phone step calls them on the configured voice channel).
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.analyse.pipeline import Analyzer
from sentinel.escalation.roster import RosterConfig
from sentinel.replay import Replayer, read_scenario
from sentinel.settings import ChannelConfig, Settings, load_settings
from sentinel.store.db import open_database

HERE = Path(__file__).parent
AT = "2026-03-11T02:00:00+08:00"
PUBLIC = "https://yuqing.example.gov.cn"
ACK_SECRET = "night-replay-ack-secret-0123456789"


def night_settings(url: str, *, aliyun: str | None = None, links: bool = False) -> Settings:
    """``aliyun``: the address the SMS and voice channels send to (a loopback fake); ``links``: a
    public address and an ack secret (``$T_ACK_SECRET``), so alerts carry one-tap 认领 links."""
    settings = load_settings(HERE / "sentinel.yaml")
    # real SMS and voice channels, as a user configures them (a replay sends nothing)
    where = {"url": aliyun} if aliyun else {}
    channels = [ChannelConfig(id="console", kind="console"),
                ChannelConfig(id="duty-sms", kind="aliyun_sms", access_key_id_env="AK_ID", access_key_secret_env="AK_SECRET",
                              sign_name="某市应急管理局", template_code="SMS_100000001", **where),
                ChannelConfig(id="voice", kind="aliyun_voice", access_key_id_env="AK_ID", access_key_secret_env="AK_SECRET",
                              tts_code="TTS_100000001", **where)]
    roster = RosterConfig.model_validate({
        "duty": [{"name": "张伟", "phone": "13800000001", "channels": ["console", "duty-sms", "voice"],
                  "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}],
        "section_chiefs": [{"name": "赵科长", "phone": "13800000010"}],
        "leaders": [{"name": "钱局长", "phone": "13800000020"}],
        "departments": {"应急管理局": [{"name": "孙主任", "phone": "13800000030"}]},
        # quiet hours hold III/IV only: they never hold this grade II night
        "quiet_hours": {"start": "22:00", "end": "07:00"},
    })
    http = settings.http.model_copy(update={"public_url": PUBLIC, "ack_secret_env": "T_ACK_SECRET"}) if links \
        else settings.http
    return settings.model_copy(update={"channels": channels, "roster": roster, "http": http,
                                       "database": settings.database.model_copy(update={"url": url})})


def fire_item(at: str) -> dict[str, Any]:
    (line,) = [json.loads(text) for text in (HERE / "grade2_no_response.jsonl").read_text(encoding="utf-8")
               .splitlines() if '"a-2"' in text and '"type": "item"' in text]
    item = {**line["item"], "published_at": at}
    return {"at": at, "type": "item", "source": "news-city", "item": item}


def run(url: str, extra: list[dict[str, Any]], analyzer: Analyzer, *, hours: float = 1, settings: Settings | None = None,
        after_tick: Callable[[datetime], None] | None = None) -> dict[str, Any]:
    settings = settings or night_settings(url)
    lines, errors = read_scenario(json.dumps(line, ensure_ascii=False) for line in [fire_item(AT), *extra])
    assert errors == []
    database = open_database(url)
    try:
        replayer = Replayer(settings, database, analyzer, after_tick=after_tick)
        replayer.run(lines, until=timedelta(hours=hours))
        result = replayer.result()
    finally:
        database.close()
    assert result["errors"] == []
    return result


def rows(result: dict[str, Any], *kinds: str) -> list[tuple[str, str, str, str]]:
    return [(datetime.fromisoformat(n["at"]).strftime("%H:%M"), n["kind"], n["channel"], n["recipient"])
            for n in result["notifications"] if not kinds or n["kind"] in kinds]


def action(at: str, name: str, **body: Any) -> dict[str, Any]:
    return {"at": f"2026-03-11T{at}:00+08:00", "type": "action", "action": name, "item": "a-2", **body}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_settings(HERE / "sentinel.yaml"))


def test_nobody_acknowledges_robot_then_sms_then_calls_along_the_chain(database_url, analyzer) -> None:
    result = run(database_url, [], analyzer)
    (incident,) = result["incidents"]
    assert incident["grade"] == "II" and incident["verification"] is None
    assert rows(result) == [
        ("02:00", "new_incident", "console", "张伟、孙主任"),  # the duty robot
        ("02:00", "new_incident", "duty-sms", "张伟"),  # 张伟 lists an SMS channel; 孙主任 does not
        ("02:10", "phone_call", "voice", "张伟"),  # 10 minutes unacknowledged: the duty officer is called
        ("02:15", "escalation", "console", "赵科长"),  # the chain's section chief step, by robot only
        ("02:20", "phone_call", "voice", "赵科长"),  # +20: the next in the phone chain
        ("02:30", "escalation", "console", "钱局长"),
        ("02:30", "phone_call", "voice", "钱局长"),
    ]
    # the voice channel carries nothing but calls
    assert {n["kind"] for n in result["notifications"] if n["channel"] == "voice"} == {"phone_call"}
    kinds = [e["kind"] for e in incident["timeline"]]
    assert kinds.count("phone_called") == 3 and kinds.count("phone_chain_ended") == 1
    called = [e["data"] for e in incident["timeline"] if e["kind"] == "phone_called"]
    assert [(c["n"], c["person"], c["phone"], c["channel"]) for c in called] == [
        (1, "张伟", "13800000001", "voice"), (2, "赵科长", "13800000010", "voice"), (3, "钱局长", "13800000020", "voice")]


def test_an_acknowledgment_by_pressing_1_stops_every_further_call(database_url, analyzer) -> None:
    result = run(database_url, [action("02:12", "call", person="张伟", answered=True, key="1", call_id="c-1")],
                 analyzer)
    assert rows(result, "phone_call") == [("02:10", "phone_call", "voice", "张伟")]
    (incident,) = result["incidents"]
    acknowledged = next(e for e in incident["timeline"] if e["kind"] == "acknowledged")
    assert acknowledged["actor"] == "张伟" and acknowledged["data"]["via"] == "phone"
    # acknowledged at 02:12: the chain's unacknowledged steps stop too
    assert rows(result, "escalation") == []


def test_an_acknowledgment_on_the_console_stops_the_calls_too(database_url, analyzer) -> None:
    result = run(database_url, [action("02:25", "ack", by="赵科长")], analyzer)
    assert rows(result, "phone_call") == [("02:10", "phone_call", "voice", "张伟"),
                                          ("02:20", "phone_call", "voice", "赵科长")]


def test_an_unanswered_call_rings_the_next_person_at_once(database_url, analyzer) -> None:
    result = run(database_url, [action("02:11", "call", person="张伟", answered=False, call_id="c-1")], analyzer)
    # 赵科长 at 02:11 instead of 02:20, and 钱局长 an interval after that call
    assert rows(result, "phone_call") == [("02:10", "phone_call", "voice", "张伟"),
                                          ("02:11", "phone_call", "voice", "赵科长"),
                                          ("02:21", "phone_call", "voice", "钱局长")]
    (incident,) = result["incidents"]
    (call,) = [e for e in incident["timeline"] if e["kind"] == "call_result"]
    assert call["data"] == {"person": "张伟", "phone": None, "channel": None, "answered": False, "key": None,
                            "call_id": "c-1"}


def test_time_from_creation_to_the_call_handed_to_the_channel(sqlite_url, analyzer, capsys) -> None:
    """The closing figure: under the default policy the call is due 10 minutes after a grade II
    incident is created, and the engine writes it at that tick (the replay ticks at every due
    moment; the outbox row's not_before is the moment it may be handed to the channel)."""
    started = time.perf_counter()
    result = run(sqlite_url, [], analyzer, hours=0.25)
    elapsed = time.perf_counter() - started
    first = next(n for n in result["notifications"] if n["kind"] == "phone_call")
    delay = datetime.fromisoformat(first["at"]) - datetime.fromisoformat(AT)
    assert delay == timedelta(minutes=10)
    with capsys.disabled():
        print(f"\ncreation -> phone_call outbox row: {delay.total_seconds():.0f} s of virtual time "
              f"(replay of 15 min took {elapsed:.2f} s)")


def test_time_from_creation_to_the_fake_phone_service_receiving_the_call(sqlite_url, analyzer, monkeypatch,
                                                                         capsys) -> None:
    """The closing figure, end to end: the replay's virtual clock drives the engine, and after every
    tick the outbox's Dispatcher sends what is due through the configured Aliyun channels to the
    loopback fake of dyvmsapi/dysmsapi, which checks each request's ACS3 signature and date against
    the same virtual clock. The figure is the virtual time from the incident's creation to the fake
    accepting ``SingleCallByTts`` to the duty officer's number, under the default ``policy.phone``."""
    from sentinel.metrics import Metrics
    from sentinel.notify.base import send_client
    from sentinel.notify.console import ConsoleSender
    from sentinel.notify.outbox import Dispatcher
    from sentinel.notify.registry import build_senders
    from tests.notify.phone_fakes import ALIYUN_KEY_ID, ALIYUN_SECRET, FakeAliyun, Sent
    from tests.support.server import LoopbackServer

    monkeypatch.setenv("AK_ID", ALIYUN_KEY_ID)
    monkeypatch.setenv("AK_SECRET", ALIYUN_SECRET)
    created = datetime.fromisoformat(AT)
    server = LoopbackServer().start()
    fake = FakeAliyun(server, now=created)
    settings = night_settings(sqlite_url, aliyun=fake.url())
    loop = asyncio.new_event_loop()
    client = send_client()
    senders = {**build_senders(settings.channels, client), "console": ConsoleSender("console", stream=io.StringIO())}
    database = open_database(sqlite_url)  # the dispatcher's handle, as the daemon's is its own
    dispatcher = Dispatcher(database, senders, settings.delivery, metrics=Metrics(process=False), owner="replay",
                            channel_kinds={channel.id: channel.kind for channel in settings.channels})
    received: list[tuple[datetime, Sent, float]] = []

    def send(now: datetime) -> None:
        fake.now = now  # the service's clock is the replay's: it checks the signed x-acs-date against it
        before = len(fake.accepted)
        started = time.perf_counter()
        loop.run_until_complete(dispatcher.drain(now))
        wall = time.perf_counter() - started
        received.extend((now, sent, wall) for sent in fake.accepted[before:])

    try:
        started = time.perf_counter()
        run(sqlite_url, [], analyzer, hours=0.25, settings=settings, after_tick=send)
        elapsed = time.perf_counter() - started
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
        database.close()
        server.stop()
    assert [(at - created, sent.action, sent.phone) for at, sent, _ in received] == [
        (timedelta(0), "SendSms", "13800000001"),  # the new-incident SMS, at once
        (timedelta(minutes=10), "SingleCallByTts", "13800000001"),  # the duty officer, 10 min unacknowledged
    ]
    assert fake.requests == ["SendSms", "SingleCallByTts"]  # each signature verified at the first try
    at, call, wall = received[1]
    assert call.params["TtsCode"] == "TTS_100000001"
    with capsys.disabled():
        print(f"\ngrade II created -> fake Aliyun voice accepted SingleCallByTts: {(at - created).total_seconds():.0f} s "
              f"of virtual time (default policy.phone.after); the drain that sent it took {wall * 1000:.1f} ms of "
              f"wall time; the replay of 15 min with sending took {elapsed:.2f} s")


def test_a_replay_under_an_ack_secret_carries_links_that_acknowledge(sqlite_url, analyzer, monkeypatch) -> None:
    """With ``http.public_url`` and the secret, a replay's alerts carry the daemon's one-tap links and
    their rows; a link from the replayed SMS acknowledges as 张伟 (through the link's own code path)."""
    from sqlmodel import Session, col, select

    from sentinel.escalation import ack_links
    from sentinel.escalation.clocks import Rules
    from sentinel.notify.serialisation import stored_message
    from sentinel.store.models import OutboxMessage

    monkeypatch.setenv("T_ACK_SECRET", ACK_SECRET)
    settings = night_settings(sqlite_url, links=True)
    result = run(sqlite_url, [], analyzer, hours=0.25, settings=settings)
    assert rows(result, "new_incident", "escalation") == [
        ("02:00", "new_incident", "console", "张伟、孙主任"), ("02:00", "new_incident", "duty-sms", "张伟"),
        ("02:15", "escalation", "console", "赵科长")]
    database = open_database(sqlite_url)
    try:
        with Session(database.engine) as session:
            queued = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind).in_(["new_incident", "escalation"]))
                                  .order_by(col(OutboxMessage.id))).all()
            acks = {(row.kind, row.channel): stored_message(row.message).acks for row in queued}
        assert {key: [ack.person for ack in value] for key, value in acks.items()} == {
            ("new_incident", "console"): ["张伟", "孙主任"], ("new_incident", "duty-sms"): ["张伟"],
            ("escalation", "console"): ["赵科长"]}
        (sms,) = acks[("new_incident", "duty-sms")]
        assert sms.url == f"{PUBLIC}/a/{sms.code}" and sms.phone == "13800000001"
        signer = ack_links.signer(settings)
        assert signer is not None
        found = ack_links.redeem(database.engine, Rules.from_settings(settings), signer, sms.code,
                                 now=datetime.fromisoformat("2026-03-11T02:05:00+08:00"), client=None,
                                 channel_kinds={channel.id: channel.kind for channel in settings.channels})
        assert found.state is ack_links.LinkState.DONE and found.incident is not None
        assert found.incident.acknowledged_by == "张伟"
    finally:
        database.close()


def test_a_leader_told_at_grade_iv_is_told_again_at_the_raise_to_ii_and_at_the_breach(sqlite_url, analyzer) -> None:
    """The leader hears of a grade IV incident through its chain (marked as needing a response at
    00:00: its 48h clock and chain run), then of the raise to II at 01:00 and of the 5h breach at
    05:00, with the section chief, who was told too. Reminders stay with the duty officer."""
    settings = load_settings(HERE / "sentinel.yaml")
    settings = settings.model_copy(update={"database": settings.database.model_copy(update={"url": sqlite_url})})
    first = json.loads((HERE / "grade2_no_response.jsonl").read_text(encoding="utf-8").splitlines()[0])
    at = "2026-03-11T00:00:00+08:00"
    scenario = [
        {**first, "at": at, "item": {**first["item"], "published_at": at}},
        {"at": at, "type": "action", "action": "grade", "item": "a-1", "grade": "IV", "reason": "作坊火灾", "by": "张伟"},
        {"at": at, "type": "action", "action": "mark", "item": "a-1", "reason": "群众关注", "by": "张伟"},
        {"at": "2026-03-11T01:00:00+08:00", "type": "action", "action": "grade", "item": "a-1", "grade": "II",
         "reason": "死亡13人", "by": "张伟"},
    ]
    lines, errors = read_scenario(json.dumps(line, ensure_ascii=False) for line in scenario)
    assert errors == []
    database = open_database(sqlite_url)
    try:
        replayer = Replayer(settings, database, analyzer)
        replayer.run(lines, until=timedelta(hours=4, minutes=30))
        result = replayer.result()
    finally:
        database.close()
    assert result["errors"] == []
    everyone = "张伟、孙主任、赵科长、钱局长"
    assert [row for row in rows(result) if row[1] != "reminder"] == [
        ("00:00", "new_incident", "console", "张伟、孙主任"),
        ("00:00", "escalation", "console", "张伟、孙主任"),  # marked: the 48h clock and the IV chain start
        ("00:15", "escalation", "console", "赵科长"),
        ("00:30", "escalation", "console", "钱局长"),  # 【升级】报送领导, at grade IV
        ("01:00", "grade_raised", "console", everyone),  # IV -> II: told again, with the section chief
        ("05:00", "breach", "console", everyone),  # the 5h clock from 00:00: leaders hear every breach
    ]
    assert {row[3] for row in rows(result, "reminder")} == {"张伟、孙主任"}
    (incident,) = result["incidents"]
    raised = next(e for e in incident["timeline"] if e["kind"] == "grade_raised_alerted")
    assert raised["data"]["roles"] == ["duty_officer", "section_chief", "leader"]
    titles = [n["title"] for n in result["notifications"] if n["kind"] == "grade_raised"]
    assert titles and "重大" in titles[0]


def test_the_report_shows_an_unconfirmed_official_item_beside_the_deadline_it_may_meet(sqlite_url, analyzer) -> None:
    """Scenario e under the default ``official_evidence: confirm``: gov-city's notice of 04:10 waits
    for the duty officer, nobody confirms it, and the 5h clock is breached at 07:10 beside it."""
    from sentinel.replay import load_scenario
    from sentinel.reports.incident import build_incident_report

    settings = load_settings(HERE / "sentinel.yaml")
    settings = settings.model_copy(update={
        "database": settings.database.model_copy(update={"url": sqlite_url}),
        "policy": settings.policy.model_copy(update={"official_evidence": "confirm"})})
    lines, errors = load_scenario(HERE / "official_evidence.jsonl")
    assert errors == []
    database = open_database(sqlite_url)
    try:
        replayer = Replayer(settings, database, analyzer)
        replayer.run(lines, until=timedelta(hours=6))
        (incident,) = replayer.result()["incidents"]
        report = build_incident_report(database.engine, settings, incident["id"],
                                       now=datetime.fromisoformat("2026-12-11T08:10:00+08:00"))
    finally:
        database.close()
    info = next(o for o in report["obligations"] if o["kind"] == "authoritative_info")
    assert (info["state"], info["margin_seconds"]) == ("breached", -3600)  # due 07:10, reported 08:10
    (pending,) = info["pending_evidence"]
    assert pending["source"] == "gov-city" and pending["at"].startswith("2026-12-11T04:10")
    assert pending["text"].startswith("gov-city 04:10 ") and pending["text"].endswith(" — 待确认")
