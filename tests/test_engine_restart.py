"""SIGKILL the real daemon while reminders, breaches and escalations fall due: after every restart each
alert is decided once, queued once per channel and delivered, and a webhook receiver sees a second
copy only of a send that a kill cut off before its delivery was recorded.

The scenario (about 90 s of real time): ``sentinel run`` with a push source, one webhook channel to
a receiver on 127.0.0.1 that fails one request in ten with a 500, and a policy in seconds
(authoritative information within 40 s with reminders at T-30s/20s/10s, press conference within
70 s with T-50s/30s/10s, escalation to the section chief after 15 s and the leader after 25 s).
Eight grade II stories (two items each) are pushed through ``POST /api/items`` a second and a half
apart, and the daemon is SIGKILLed at seeded random moments and restarted on the same database,
until every obligation has breached. The last instance drains the outbox and stops on SIGTERM.

What each check would catch:

- every reminder key whose moment came after the obligation opened, every breach key and every
  escalation key is in ``engine_action``: an action lost when a kill came between deciding and
  committing, or never caught up after a restart;
- each key is the ``key`` of exactly one timeline entry or folded (``collapsed``) into exactly one:
  an action handled twice (a tick that repeats after a restart, a lost idempotency key);
- one outbox row per handled action and channel, each delivered, each with one
  ``notification_delivered`` entry: a message queued twice, lost, stuck pending under a dead
  process's lease, or recorded twice;
- the receiver accepted every outbox key, and a key it accepted twice had a kill between the two
  copies, shortly after the first: a delivered message sent again (the outbox forgetting what it
  recorded, two drains holding one row), as opposed to the at-least-once repeat the outbox
  documents; and there are no more such repeats than kills;
- every obligation breached once, at its deadline, and every incident announced once;
- no traceback and no error in any instance's log.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from sentinel.configtypes import format_duration, parse_duration
from sentinel.store.models import EngineAction, Incident, Obligation, OutboxMessage, TimelineEvent
from tests.support.server import LoopbackServer, Request, Route

pytestmark = pytest.mark.slow

SEED = 20261124
TOKEN = "ingest-secret"
CHANNEL = "hook"
STORY_GAP = 1.5  # seconds between the first items of two stories
SECOND_ITEM_AFTER = 4.0  # seconds between a story's first and second item
KILLS_UNTIL = 80.0  # seconds after the first push: the last kill comes before this
KILL_GAP = (8.0, 16.0)  # seconds between kills
DOWNTIME = (0.0, 6.0)  # seconds before the restart, on top of its start-up: long enough to fold reminders
IN_FLIGHT = 6.0  # a send cut off by a kill was answered at most this long before it (a loaded machine: 3 s was short)
CAUGHT_UP = timedelta(seconds=2.5)  # an alert handled this long after its moment waited for a restart
FAIL_SHARE = 0.1  # requests the receiver answers with 500
REPLAY = Path(__file__).parent / "replay"

# Seconds, so that a minute of real time holds all of a grade II incident's alerts.
POLICY = {
    "clock_start": "emergence",
    "authoritative_info": {"within": "40s", "reminders": ["30s", "20s", "10s"]},
    "press_conference": {"within": "70s", "reminders": ["50s", "30s", "10s"]},
    "sustained_release": {"every": "60s", "reminders": ["30s"]},
    "escalation": {
        grade: {"steps": [{"role": "duty_officer", "after": "0s"},
                          {"role": "section_chief", "after": "15s"},
                          {"role": "leader", "after": "25s", "on_breach": True}],
                "reescalate_after": "20s", "reescalate_to": ["section_chief", "leader"]}
        for grade in ("I", "II", "III", "IV")
    },
}
OFFSETS = {"authoritative_info": ["30s", "20s", "10s"], "press_conference": ["50s", "30s", "10s"]}

# Four accidents of the replay scenarios (real CEC articles, see replay/README.md), each also told of
# another city: a story's place names keep its items out of the other stories' incidents.
STORIES: dict[str, tuple[str, list[str]]] = {
    "shantou": ("grade2_no_response.jsonl", ["a-2", "a-4"]),  # fire, 13 dead
    "shaoguan": ("downtime.jsonl", ["d-2", "d-4"]),  # coach crash, 17 dead
    "ningxia": ("grade2_answered_3h.jsonl", ["b-2", "b-3"]),  # coaches collide, 11 dead
    "shenzhen": ("official_evidence.jsonl", ["e-2", "e-4"]),  # market fire, 16 dead
}
ELSEWHERE: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "foshan": ("shantou", [("汕头", "佛山"), ("潮阳", "顺德"), ("谷饶", "容桂"), ("上堡", "华口")]),
    "qingyuan": ("shaoguan", [("京珠北高速", "广乐高速"), ("京珠高速", "广乐高速"), ("韶关", "清远"),
                              ("乳源", "英德"), ("东田", "大站")]),
    "gansu": ("ningxia", [("211国道", "309国道"), ("宁夏自治区副主席", "甘肃省副省长"), ("宁夏", "甘肃"),
                          ("盐池县", "环县"), ("惠安堡", "曲子镇")]),
    "dongguan": ("shenzhen", [("深圳", "东莞"), ("光明新区", "长安镇"), ("荣健", "锦厦")]),
}
STORY_COUNT = len(STORIES) + len(ELSEWHERE)
REGIONS = ["汕头", "潮阳", "佛山", "顺德", "韶关", "乳源", "清远", "英德", "宁夏", "盐池", "甘肃", "环县", "深圳", "东莞"]
EVENTS = ["爆炸", "坍塌", "火灾", "大火", "起火", "着火", "事故", "相撞", "追尾", "死亡", "遇难"]


def test_sigkill_while_alerts_fall_due_sends_each_once(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    stories = _stories()
    schedule = sorted([*_pushes(stories), *_kills(rng)], key=lambda event: event[0])
    database = f"sqlite:///{tmp_path / 'sentinel.db'}"
    receiver = _Receiver(random.Random(SEED))
    receiver.server.start()
    port = _free_port()
    daemon = _Daemons(_write_config(tmp_path, port, receiver.server.url("/hook")), tmp_path)
    try:
        daemon.start()
        _wait_until(lambda: _healthy(port), 30, "the daemon to serve /healthz")
        began = time.monotonic()
        for moment, story, index in schedule:
            time.sleep(max(0.0, began + moment - time.monotonic()))
            if story is None:
                daemon.kill()
                time.sleep(rng.uniform(*DOWNTIME))
                daemon.start()
            else:
                _push(port, story, index, stories[story][index])
        _wait_until(lambda: _settled(database), 60, "every obligation to breach and the outbox to drain")
        time.sleep(1.5)  # a last tick and drain: nothing more may come
        assert _settled(database)
        daemon.stop()
    finally:
        daemon.kill()
        receiver.server.stop()

    logs = daemon.logs()
    assert "Traceback" not in logs, logs[-6000:]
    assert [line for line in logs.splitlines() if " ERROR " in line or " CRITICAL " in line] == []
    assert daemon.kills >= 4
    _check_store(database, receiver, daemon)


def _pushes(stories: dict[str, list[dict[str, Any]]]) -> list[tuple[float, str | None, int]]:
    """(seconds from the start, story, item index): each story's items, the stories staggered."""
    return [(n * STORY_GAP + index * SECOND_ITEM_AFTER, story, index)
            for n, story in enumerate(stories) for index in range(len(stories[story]))]


def _kills(rng: random.Random) -> list[tuple[float, str | None, int]]:
    """(seconds from the start, None, 0) for each SIGKILL."""
    kills: list[tuple[float, str | None, int]] = []
    at = rng.uniform(*KILL_GAP)
    while at < KILLS_UNTIL:
        kills.append((at, None, 0))
        at += rng.uniform(*KILL_GAP)
    return kills


# ---------------------------------------------------------------------------------------- checks


def _check_store(database_url: str, receiver: _Receiver, daemon: _Daemons) -> None:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            incidents = list(session.scalars(select(Incident)).all())
            obligations = list(session.scalars(select(Obligation)).all())
            actions = list(session.scalars(select(EngineAction)).all())
            outbox = list(session.scalars(select(OutboxMessage)).all())
            timeline = list(session.scalars(select(TimelineEvent).order_by(TimelineEvent.id)).all())
    finally:
        engine.dispose()

    assert len(incidents) == STORY_COUNT, [(i.id, i.title) for i in incidents]  # one per story
    assert {i.grade for i in incidents} == {"II"}
    assert sorted(Counter(o.incident_id for o in obligations).values()) == [2] * len(incidents)
    handled = {a.key for a in actions}

    # 1. every action expected from the policy was handled
    expected: set[str] = set()
    for incident in incidents:
        expected |= {f"incident:{incident.id}:new"} | {
            f"incident:{incident.id}:escalate:{role}" for role in ("duty_officer", "section_chief", "leader")}
    for row in obligations:
        expected.add(f"obligation:{row.id}:breach")
        for text in OFFSETS[row.kind]:
            offset = parse_duration(text)
            if row.due_at - offset > row.opened_at:
                expected.add(f"obligation:{row.id}:reminder:{format_duration(offset)}")
    assert expected - handled == set(), "alerts never handled"
    assert handled - expected == set(), "alerts the policy does not call for"

    # ... and each exactly once: the key of one timeline entry, or folded into one
    alerts = [e for e in timeline if e.kind in ("announced", "reminder", "escalated", "obligation_breached")]
    accounted = Counter(e.data["key"] for e in alerts) + Counter(k for e in alerts for k in e.data.get("collapsed", []))
    assert {k: n for k, n in accounted.items() if n != 1} == {}, "alerts handled more than once"
    assert set(accounted) == handled
    sent = {e.data["key"] for e in alerts}

    # 2. one outbox row per handled alert and channel, each delivered and recorded once
    assert sorted(m.key for m in outbox) == sorted(f"{key}:{CHANNEL}" for key in sent)
    assert all(m.action_key + ":" + CHANNEL == m.key for m in outbox)
    stuck = [(m.key, m.state, m.attempts, m.last_reason) for m in outbox if m.state != "delivered"]
    assert stuck == [], "messages not delivered"
    recorded = Counter(e.data["outbox_id"] for e in timeline if e.kind == "notification_delivered")
    assert recorded == Counter({m.id: 1 for m in outbox})

    # 3. the receiver accepted every message; a second copy only of a send cut off by a kill
    accepted: dict[str, list[float]] = defaultdict(list)
    kinds = {m.key: m.kind for m in outbox}
    for hit in receiver.hits:
        assert (hit.body_key, hit.kind) == (hit.key, kinds.get(hit.key)), hit
        if hit.status == 200:
            accepted[hit.key].append(hit.at)
    assert {m.key for m in outbox} - set(accepted) == set(), "messages the receiver never accepted"
    assert set(accepted) - {m.key for m in outbox} == set(), "messages the outbox does not hold"
    repeats = {key: times for key, times in accepted.items() if len(times) > 1}
    for key, times in repeats.items():
        for first, second in zip(times, times[1:], strict=False):
            assert any(first <= kill <= second and kill - first <= IN_FLIGHT for kill in daemon.kill_times), (
                f"{key} delivered again at +{second - first:.2f}s with no kill just after the first copy")
    duplicates = sum(len(times) - 1 for times in repeats.values())
    failures = sum(hit.status != 200 for hit in receiver.hits)
    caught_up = sum(a.handled_at - a.at > CAUGHT_UP for a in actions)  # fell due while no engine ran
    folded = sum(len(e.data.get("collapsed", [])) for e in alerts if e.kind != "announced")
    print(f"\n{daemon.kills} kills; {len(outbox)} messages, {len(receiver.hits)} requests ({failures} answered 500), "
          f"{duplicates} duplicates {sorted(repeats)}; {caught_up} alerts caught up after a restart, "
          f"{folded} reminders folded into a later alert")
    assert duplicates <= daemon.kills
    assert caught_up > 0, "no alert fell due while the daemon was down: the kills tested nothing"

    # 4. every obligation breached once, at its deadline; every incident announced once
    assert {o.state for o in obligations} == {"breached"}
    assert [(o.id, o.breached_at) for o in obligations] == [(o.id, o.due_at) for o in obligations]
    breaches = Counter(e.data["obligation"] for e in timeline if e.kind == "obligation_breached")
    assert breaches == Counter({o.id: 1 for o in obligations})
    announced = Counter(e.incident_id for e in timeline if e.kind == "announced")
    assert announced == Counter({i.id: 1 for i in incidents})


def _settled(database_url: str) -> bool:
    """Every story's obligations breached and nothing left to send."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            states = Counter(session.scalars(select(Obligation.state)).all())
            pending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.state == "pending"))
    except OperationalError:  # the first instance has not created the tables yet
        return False
    finally:
        engine.dispose()
    return states == Counter({"breached": 2 * STORY_COUNT}) and pending == 0


# ------------------------------------------------------------------------------ the daemon's world


@dataclass(frozen=True)
class _Hit:
    key: str
    body_key: str | None
    kind: str | None
    status: int
    at: float  # time.monotonic() when the request arrived


class _Receiver:
    """A webhook receiver that records every request and fails a seeded share of them with 500."""

    def __init__(self, rng: random.Random) -> None:
        self.hits: list[_Hit] = []
        self._rng = rng
        self._lock = threading.Lock()
        self.server = LoopbackServer()
        self.server.routes["/hook"] = self._handle

    def _handle(self, request: Request) -> Route:
        body = json.loads(request.body)
        with self._lock:
            status = 500 if self._rng.random() < FAIL_SHARE else 200
            self.hits.append(_Hit(request.headers.get("idempotency-key", ""), body.get("idempotency_key"),
                                  body.get("kind"), status, time.monotonic()))
        return Route(b"{}", status, headers={"Content-Type": "application/json"})


class _Daemons:
    """``sentinel run`` processes on one configuration, one at a time, each logging to its own file."""

    def __init__(self, config: Path, directory: Path) -> None:
        self.config = config
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0
        self.kills = 0
        self.kill_times: list[float] = []

    def start(self) -> None:
        self.started += 1
        with (self.directory / f"daemon-{self.started}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sentinel", "--config", str(self.config), "run"],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "T_INGEST": TOKEN},
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.kill_times.append(time.monotonic())
            self.process.wait()
            self.kills += 1
        self.process = None

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process = None
        assert code == 0, self.logs()[-4000:]

    def logs(self) -> str:
        return "\n".join(f"--- instance {n}\n" + (self.directory / f"daemon-{n}.log").read_text(errors="replace")
                         for n in range(1, self.started + 1))


def _write_config(directory: Path, port: int, hook: str) -> Path:
    config = directory / "sentinel.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{directory / 'sentinel.db'}"},
        "http": {"listen": f"127.0.0.1:{port}", "tokens": [{"name": "crawler", "role": "ingest", "token_env": "T_INGEST",
                                                                          "sources": ["crawler"]}]},
        "collect": {"parse_workers": 0},  # no worker processes left behind by a SIGKILL
        "sources": [{"id": "crawler", "kind": "push", "authority": "local"}],
        "watch": [{"id": "safety", "department": "应急管理局", "groups": {"region": REGIONS, "event": EVENTS},
                   "exclude": ["演练", "演习"]}],
        "channels": [{"id": CHANNEL, "kind": "webhook", "url": hook}],
        "roster": {
            "duty": [{"name": "张伟", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                      "start": "00:00", "end": "24:00"}],
            "section_chiefs": [{"name": "赵科长"}],
            "leaders": [{"name": "钱局长"}],
        },
        "policy": POLICY,
        "engine": {"tick": "1s", "lease": "5s"},
        "delivery": {"backoff": "1s", "backoff_max": "4s", "lease": "5s"},
    }, allow_unicode=True), encoding="utf-8")
    return config


def _stories() -> dict[str, list[dict[str, Any]]]:
    """Two items (title and text) for each of eight stories, by story name."""
    stories: dict[str, list[dict[str, Any]]] = {}
    for name, (scenario, ids) in STORIES.items():
        lines = [json.loads(line) for line in (REPLAY / scenario).read_text(encoding="utf-8").splitlines() if line]
        found = {line["item"]["id"]: line["item"] for line in lines if line["type"] == "item"}
        stories[name] = [{"title": found[i].get("title"), "text": found[i]["text"]} for i in ids]
    for name, (base, places) in ELSEWHERE.items():
        told = []
        for item in stories[base]:
            title, text = item["title"], item["text"]
            for here, there in places:
                title = title.replace(here, there) if title else title
                text = text.replace(here, there)
            told.append({"title": title, "text": text})
        stories[name] = told
    return stories


def _push(port: int, story: str, index: int, item: dict[str, Any]) -> None:
    """POST one item, published now; while the daemon restarts, try again (a repeat is a duplicate)."""
    body = {"source": "crawler", "items": [{
        "id": f"{story}-{index}", "title": item["title"], "text": item["text"],
        "url": f"https://news.example/{story}/{index}.html",
        "published_at": datetime.now(UTC).isoformat(), "reposts": 10, "comments": 5, "likes": 20}]}
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/api/items", json=body, timeout=5,
                                  headers={"Authorization": f"Bearer {TOKEN}"})
            response.raise_for_status()
            assert response.json()["rejected"] == []
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
