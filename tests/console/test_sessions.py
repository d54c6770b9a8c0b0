"""Console sessions are rows the server can end: logout, a changed token and an admin's end-all each
end them, a copy of the cookie taken before included; the cookie holds only a random id; failed
logins are held back per client, logged with the client's address and counted."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from sentinel.cli import main
from sentinel.clock import FakeClock
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store.db import Database, open_database
from sentinel.web.app import create_app
from sentinel.web.console.session import COOKIE
from sentinel.web.throttle import LoginThrottle
from tests.console.conftest import PEOPLE, Console, console_settings, serve, set_tokens


def keyed_settings(url: str) -> Settings:
    """The console's settings with a fixed signing key, so that a second app reads the first's cookies."""
    data = console_settings(url).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["http"]["session_secret_env"] = "T_CONSOLE_SIGNING_KEY"
    return Settings.model_validate(data)


@pytest.fixture
def keyed(replayed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    set_tokens(monkeypatch)
    monkeypatch.setenv("T_CONSOLE_SIGNING_KEY", "k" * 8 + "signing-key-for-the-tests")
    settings = keyed_settings(f"sqlite:///{tmp_path / 'console.db'}")
    with serve(settings, open_database(settings.database.url), replayed.now) as console:
        yield console


def another_app(console: Console) -> tuple[TestClient, Database]:
    """A second daemon over the same store and signing key, reading the configuration afresh."""
    database = open_database(console.settings.database.url)
    app = create_app(console.settings, database, Metrics(process=False), FakeClock(console.clock.now()))
    return TestClient(app, base_url="http://127.0.0.1"), database


def logged_in(console: Console, role: str) -> str:
    """Log ``role`` in and return the session cookie's value."""
    console.client.cookies.clear()
    console.login(role)
    return console.client.cookies[COOKIE]


def board(client: TestClient, cookie: str) -> int:
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return client.get("/", follow_redirects=False).status_code


def test_a_copy_of_the_cookie_taken_before_logout_is_refused(console) -> None:
    copy = logged_in(console, "duty")
    assert board(console.client, copy) == 200
    out = console.client.post("/logout", data={"csrf": console.csrf("/")}, follow_redirects=False)
    assert out.status_code == 303
    assert board(console.client, copy) == 303  # to the login form: the session is over on the server


def test_a_new_secret_for_a_token_ends_its_sessions_and_no_other(keyed, monkeypatch) -> None:
    duty, leader = logged_in(keyed, "duty"), logged_in(keyed, "leader")
    client, database = another_app(keyed)
    try:
        with client:
            assert board(client, duty) == 200 and board(client, leader) == 200  # the same key reads them
        monkeypatch.setenv("T_CONSOLE_DUTY", "a-new-secret-for-zhang-wei-0123456789")
        rotated, again = another_app(keyed)
        try:
            with rotated:
                assert board(rotated, duty) == 303
                assert board(rotated, leader) == 200
        finally:
            again.close()
    finally:
        database.close()


def test_end_all_ends_every_session(console, tmp_path) -> None:
    duty, leader = logged_in(console, "duty"), logged_in(console, "leader")
    config = tmp_path / "sentinel.yaml"
    config.write_text(yaml.safe_dump({"database": {"url": console.settings.database.url}}), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "sessions", "end-all"], catch_exceptions=False)
    assert result.exit_code == 0 and result.output.strip() == "ended 2 console sessions"
    assert board(console.client, duty) == 303 and board(console.client, leader) == 303
    console.login("duty")  # a new login works
    assert console.client.get("/", follow_redirects=False).status_code == 200


def test_the_cookie_holds_a_random_id_and_nothing_of_the_token(console) -> None:
    token = PEOPLE["duty"][1]
    first, second = logged_in(console, "duty"), logged_in(console, "duty")
    assert first != second
    digest = hashlib.sha256(token.encode()).hexdigest()
    for cookie in (first, second):
        payload = cookie.split(".")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        assert token not in cookie and digest not in cookie and digest not in decoded
        assert len(decoded.strip('"')) >= 40  # secrets.token_urlsafe(32)


def failures(console: Console, surface: str) -> float:
    text = console.client.get("/metrics").text
    line = next(line for line in text.splitlines()
                if line.startswith(f'sentinel_login_failures_total{{surface="{surface}"}}'))
    return float(line.split()[-1])


def test_the_eleventh_failed_login_in_a_minute_is_429_logged_and_counted(console, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="sentinel.web.throttle")
    for _ in range(10):
        wrong = console.client.post("/login", data={"csrf": console.csrf(), "token": "guess-" * 5, "next": "/"})
        assert wrong.status_code == 401
    held = console.client.post("/login", data={"csrf": console.csrf(), "token": PEOPLE["duty"][1], "next": "/"},
                               follow_redirects=False)
    assert held.status_code == 429 and 1 <= int(held.headers["Retry-After"]) <= 60  # even the right token
    assert failures(console, "console") == 10 and failures(console, "api") == 0
    logged = [r.getMessage() for r in caplog.records if r.name == "sentinel.web.throttle"]
    assert len(logged) == 10 and all("testclient" in m for m in logged)  # TestClient's client address
    assert not any("guess" in m for m in caplog.text.splitlines())
    console.clock.advance(timedelta(seconds=61))
    console.login("duty")


def test_the_throttle_holds_back_per_key_and_forgets_what_left_the_window() -> None:
    throttle = LoginThrottle(limit=3, window=60)
    for at in (0.0, 10.0, 20.0):
        assert throttle.retry_after(["client:a"], at) is None
        throttle.failed(["client:a", "token:张伟"], at)
    assert throttle.retry_after(["client:a"], 30.0) == 30  # the first failure leaves the window at 60
    assert throttle.retry_after(["client:b", "token:张伟"], 30.0) == 30  # the name is held back from anywhere
    assert throttle.retry_after(["client:b"], 30.0) is None
    assert throttle.retry_after(["client:a"], 60.0) is None
