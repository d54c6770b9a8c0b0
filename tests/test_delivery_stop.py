"""The real daemon stopping and restarting while the outbox is sending (issue 16, "slow recovery"):
SIGTERM finishes the send in flight, gives back every outbox row it claimed and logs no error; a
daemon SIGKILLed mid-send and started again on the same configuration takes its own outbox rows and
the engine lease back at once, instead of waiting for the leases (2 min, 60 s here) to run out, and
the message whose send the kill cut off goes out again marked 重发.

Each daemon is ``sentinel run`` in a subprocess; the webhook receiver on 127.0.0.1 answers slowly
(1 s a request) so that sends are in flight when the signal comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlmodel import Session

from sentinel.notify.compose import compose
from sentinel.notify.serialisation import message_to_json
from sentinel.store.db import open_database
from sentinel.store.models import Lease, OutboxMessage
from tests.support.server import LoopbackServer, Request, Route

MESSAGES = 6


def _config(tmp_path: Path, hook: str) -> Path:
    config = tmp_path / "sentinel.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{tmp_path / 'sentinel.db'}"},
        "http": {"listen": "127.0.0.1:0"},
        "collect": {"parse_workers": 0},
        "sources": [],
        "channels": [{"id": "hook", "kind": "webhook", "url": hook}],
        "engine": {"tick": "1s", "lease": "60s"},
        "delivery": {"lease": "2m", "rate_limits": {"hook": []}},
    }), encoding="utf-8")
    return config


def _queue(database_url: str, count: int) -> None:
    now = datetime.now(UTC) - timedelta(seconds=1)
    database = open_database(database_url)
    try:
        with Session(database.engine) as session:
            for n in range(count):
                key = f"test:{n}:hook"
                message = compose("test", {"now": now, "channel": "hook", "idempotency_key": key},
                                  zone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
                session.add(OutboxMessage(key=key, action_key=f"test:{n}", kind="test", channel="hook",
                                          recipients=[], message=message_to_json(message),
                                          created_at=now + n * timedelta(milliseconds=1), not_before=now))
            session.commit()
    finally:
        database.close()


def _rows(database_url: str) -> list[OutboxMessage]:
    database = open_database(database_url, migrate_schema=False)
    try:
        with Session(database.engine) as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())
    finally:
        database.close()


def _engine_lease(database_url: str) -> Lease | None:
    database = open_database(database_url, migrate_schema=False)
    try:
        with Session(database.engine) as session:
            return session.get(Lease, "engine")
    finally:
        database.close()


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def _slow_hook(http_server: LoopbackServer) -> str:
    def handle(request: Request) -> Route:
        return Route(b"", 204, delay=1.0)

    http_server.routes["/hook"] = handle
    return http_server.url("/hook")


def test_sigterm_finishes_the_send_in_flight_and_gives_back_the_rest_without_an_error(
    http_server: LoopbackServer, tmp_path: Path,
) -> None:
    config = _config(tmp_path, _slow_hook(http_server))
    database_url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    _queue(database_url, MESSAGES)
    daemon = _start(config, tmp_path / "daemon.log")
    try:
        _wait(lambda: len(http_server.requests_to("/hook")) >= 2, 30, "the daemon began sending")
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
    logs = (tmp_path / "daemon.log").read_text(errors="replace")
    assert code == 0, logs[-4000:]
    assert "Traceback" not in logs and " ERROR " not in logs, logs[-4000:]
    rows = _rows(database_url)
    sent = len(http_server.requests_to("/hook"))
    assert sent < MESSAGES  # the stop came mid-way
    assert [row.state for row in rows] == ["delivered"] * sent + ["pending"] * (MESSAGES - sent)
    # nothing left leased: another process (or this one, started again) sends the rest at once
    assert [(row.lease_owner, row.lease_until, row.uncertain) for row in rows] == [(None, None, False)] * MESSAGES
    lease = _engine_lease(database_url)
    assert lease is None or lease.until <= datetime.now(UTC)


def test_a_daemon_killed_mid_send_takes_its_own_leases_back_at_once_when_started_again(
    http_server: LoopbackServer, tmp_path: Path,
) -> None:
    config = _config(tmp_path, _slow_hook(http_server))
    database_url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    _queue(database_url, MESSAGES)
    first = _start(config, tmp_path / "first.log")
    try:
        _wait(lambda: len(http_server.requests_to("/hook")) >= 2, 30, "the first daemon began sending")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed_at = datetime.now(UTC)
    owners = {row.lease_owner for row in _rows(database_url) if row.state == "pending"}
    held = _engine_lease(database_url)
    assert held is not None and held.until > killed_at + timedelta(seconds=30)  # the dead one's lease
    assert len(owners) == 1 and None not in owners  # the rows it was sending are still leased to it

    second = _start(config, tmp_path / "second.log")
    try:
        # well before either lease (2 min for the rows, 60 s for the engine) could run out
        _wait(lambda: all(row.state == "delivered" for row in _rows(database_url)), 30, "every message delivered")
        _wait(lambda: (lease := _engine_lease(database_url)) is not None and lease.until > held.until, 10,
              "the engine lease renewed by the new process")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=30)
    assert code == 0
    rows = _rows(database_url)
    assert datetime.now(UTC) - killed_at < timedelta(seconds=40)
    assert {row.lease_owner for row in rows} == {None}
    # the send the kill cut off may have arrived: its second copy, same key, says 重发, and nothing is
    # sent twice without the mark (the rows the dead process had claimed and not yet tried say it too:
    # nobody can tell them from the one in flight)
    requests = http_server.requests_to("/hook")
    copies: dict[str, list[str]] = {}
    for request in requests:
        copies.setdefault(request.headers["idempotency-key"], []).append(request.body.decode())
    cut_off = requests[1].headers["idempotency-key"]
    assert len(copies[cut_off]) == 2 and "重发" not in copies[cut_off][0] and "重发" in copies[cut_off][1]
    assert all("重发" in body for bodies in copies.values() for body in bodies[1:])
