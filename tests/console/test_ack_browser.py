"""A one-tap 认领 link in a real headless Chromium, with JavaScript switched off, against the real
daemon: uvicorn on 127.0.0.1, a SQLite store, posts pushed through the API and turned into a grade
II incident by the real pipeline, whose new-incident alert the outbox delivers to a loopback
DingTalk robot as an ``actionCard``. The links the test opens are the robot message's buttons.

The duty officer is logged in to the console in the same browser throughout: opening and tapping
links, a second tap, an expired link and a link with one changed character must leave that login as
it was (the console's cookie is never written by the link's page)."""

from __future__ import annotations

import io
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session, col

from sentinel.app import Daemon, Timing
from sentinel.clock import SystemClock
from sentinel.notify.console import ConsoleSender
from sentinel.settings import Settings
from sentinel.store.ack_links import AckLinkRow
from sentinel.store.models import Incident, TimelineEvent
from sentinel.web.console.session import COOKIE
from tests.console.conftest import PEOPLE, console_settings, set_tokens
from tests.console.test_browser import _push_and_wait, _wait, chromium
from tests.notify.servers import FakeDingTalk, free_port
from tests.support.daemon import daemon_in_thread
from tests.support.server import LoopbackServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "r7Vq2Lx9_Tn4Wm8Kp3Zs6Hb1Jd5Fg0Yc-browser"
TTL = timedelta(minutes=5)  # the shortest a link may live: the test moves the daemon's clock past it


class SteppedClock:
    """Wall-clock time plus an offset the test moves forward: the daemon runs in real time, and a
    link's expiry comes when the test says, not after five minutes of waiting."""

    rate = 1.0

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return SystemClock().now() + self._offset

    def monotonic(self) -> float:
        return time.monotonic()

    def step(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """Chromium with JavaScript blocked: the link's page must work without it."""
    with chromium(javascript=False) as browser:
        yield browser


@dataclass
class Live:
    base: str
    clock: SteppedClock
    database_url: str
    robot: FakeDingTalk
    incident_id: int


def _settings(database_url: str, port: int, robot_url: str) -> Settings:
    data = console_settings(database_url).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["http"].update(listen=f"127.0.0.1:{port}", public_url=f"http://127.0.0.1:{port}",
                        ack_secret_env="T_ACK_SECRET", ack_link_ttl="5m")
    data["channels"] = [*data["channels"], {"id": "duty-ding", "kind": "dingtalk", "url": robot_url}]
    return Settings.model_validate(data)


@pytest.fixture(scope="module")
def live(driver: Any) -> Iterator[Live]:
    """The daemon in a thread of its own, a DingTalk robot on loopback, and the incident."""
    robot_server = LoopbackServer().start()
    robot = FakeDingTalk(robot_server, token="ding-ack-token", secret=None, now=SystemClock().now())
    with pytest.MonkeyPatch.context() as monkeypatch, tempfile.TemporaryDirectory() as tmp:
        set_tokens(monkeypatch)
        monkeypatch.setenv("T_ACK_SECRET", SECRET)
        port = free_port()
        database_url = f"sqlite:///{Path(tmp) / 'live.db'}"
        settings = _settings(database_url, port, robot.url())
        clock = SteppedClock()
        daemon = Daemon(settings, clock=clock, timing=Timing(collect_tick=0.5, health_tick=2, engine_tick=0.5),
                        senders={"console": ConsoleSender("console", stream=io.StringIO())})
        try:
            with daemon_in_thread(daemon, name="sentinel-daemon-ack") as base:
                assert daemon.http_port == port
                yield Live(base, clock, database_url, robot, _push_and_wait(base, clock))
        finally:
            robot_server.stop()


def _buttons(robot: FakeDingTalk) -> dict[str, str]:
    """The robot message's 认领 buttons, by title: what a phone shows under the alert."""
    cards = [received.document["actionCard"] for received in robot.accepted
             if received.document.get("msgtype") == "actionCard"]
    return {button["title"]: button["actionURL"] for card in cards for button in card["btns"]}


def _state(live: Live) -> tuple[list[tuple[str, str]], list[tuple[str, bool]], str | None]:
    """What a tap may change: the acknowledgments on the timeline, which links were used, and who
    the incident is acknowledged by."""
    engine = create_engine(live.database_url)
    try:
        with Session(engine) as session:
            acknowledged = [(event.actor or "", str(event.data.get("via")))
                            for event in session.scalars(select(TimelineEvent).where(
                                col(TimelineEvent.incident_id) == live.incident_id,
                                col(TimelineEvent.kind) == "acknowledged")).all()]
            links = sorted((link.person, link.used_at is not None) for link in session.scalars(
                select(AckLinkRow).where(col(AckLinkRow.incident_id) == live.incident_id)).all())
            incident = session.get(Incident, live.incident_id)
            return acknowledged, links, incident.acknowledged_by if incident else None
    finally:
        engine.dispose()


def _login(driver: Any, base: str, role: str) -> str:
    """Log in through the form; the console cookie's value."""
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base}/")
    assert "/login" in driver.current_url
    driver.find_element(By.ID, "token").send_keys(PEOPLE[role][1])
    driver.find_element(By.ID, "login").click()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "header .me"), "the login did not go through")
    cookie = driver.get_cookie(COOKIE)
    assert cookie is not None
    return str(cookie["value"])


def _outcome(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, "outcome").text)


def test_a_link_from_a_real_alert_acknowledges_once_and_never_ends_the_console_login(driver, live) -> None:
    from selenium.webdriver.common.by import By

    driver.get("data:text/html,<title>off</title><script>document.title='on'</script>")
    assert driver.title == "off", "JavaScript runs in this browser: the test would not show the page works without"
    buttons = _wait(lambda: _buttons(live.robot), "the robot received no alert with 认领 buttons", timeout=30)
    assert set(buttons) >= {"认领（张伟）", "认领（孙主任）"}, buttons
    mine, theirs = buttons["认领（张伟）"], buttons["认领（孙主任）"]
    assert mine.startswith(f"{live.base}/a/") and theirs.startswith(f"{live.base}/a/")
    session = _login(driver, live.base, "duty")
    before = _state(live)
    assert before[0] == [] and before[2] is None and len(before[1]) >= 2

    def still_logged_in() -> None:
        cookie = driver.get_cookie(COOKIE)
        assert cookie is not None and cookie["value"] == session, "the link's page replaced the console login"

    # one changed character: a clear page, nothing changed
    code = mine.rsplit("/", 1)[1]
    middle = len(code) // 2
    changed = code[:middle] + ("x" if code[middle] != "x" else "y") + code[middle + 1:]
    driver.get(f"{live.base}/a/{changed}")
    assert "链接无效" in _outcome(driver) and "未做任何更改" in _outcome(driver)
    assert driver.find_elements(By.ID, "ack-button") == []
    assert _state(live) == before
    still_logged_in()

    # the link as the phone opens it: summary, deadlines, whose link it is, one button; no script
    driver.get(mine)
    assert driver.find_elements(By.TAG_NAME, "script") == []
    main = driver.find_element(By.TAG_NAME, "main")
    assert main.get_attribute("data-state") == "ready"
    assert "应急管理局" in main.text and "未签收" in main.text
    deadlines = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul.deadlines li")]
    assert any("截止" in line and "剩余" in line for line in deadlines), deadlines
    assert "钉钉" in main.text and "张伟" in main.text
    assert _state(live) == before  # opening the link (a chat preview does the same) acknowledges nothing

    # the same page open in a second tab: the second tap
    first_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(mine)
    second_tab = driver.current_window_handle
    driver.switch_to.window(first_tab)
    driver.find_element(By.ID, "ack-button").click()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.done"), "no confirmation after the tap")
    assert _outcome(driver).startswith("已认领（张伟")
    next_step = driver.find_element(By.TAG_NAME, "main").text
    assert "下一步" in next_step and "登记发布" in next_step
    after = _state(live)
    assert after[0] == [("张伟", "link")] and after[2] == "张伟"
    still_logged_in()

    driver.switch_to.window(second_tab)
    driver.find_element(By.ID, "ack-button").click()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.error"), "no page after the second tap")
    assert "已使用过" in _outcome(driver) and "未做任何更改" in _outcome(driver)
    assert _state(live) == after
    driver.close()
    driver.switch_to.window(first_tab)
    still_logged_in()

    # the other person's link, open on the screen while its five minutes pass, then tapped
    driver.get(theirs)
    assert driver.find_element(By.TAG_NAME, "main").get_attribute("data-state") == "ready"
    live.clock.step(TTL + timedelta(minutes=1))
    driver.find_element(By.ID, "ack-button").click()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.error"), "no page after tapping an expired link")
    assert "过期" in _outcome(driver) and "未做任何更改" in _outcome(driver)
    assert driver.find_element(By.LINK_TEXT, "打开控制台查看此事件").get_attribute("href").endswith(
        f"/incidents/{live.incident_id}")
    driver.get(theirs)  # and opened afresh
    assert "过期" in _outcome(driver) and driver.find_elements(By.ID, "ack-button") == []
    assert _state(live) == after
    still_logged_in()

    # the console, in the same browser, still knows the duty officer; the timeline names the link
    driver.get(f"{live.base}/incidents/{live.incident_id}")
    assert "/login" not in driver.current_url
    assert driver.find_elements(By.CSS_SELECTOR, "header .me")
    (entry,) = driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-acknowledged")
    assert "张伟" in entry.text and "认领 via 钉钉 link" in entry.text, entry.text
    still_logged_in()
