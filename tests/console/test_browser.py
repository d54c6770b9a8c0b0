"""The console in a real headless Chromium (Debian's chromium driven through its chromedriver),
against the real daemon: uvicorn on 127.0.0.1, a SQLite store, items pushed through the API and
turned into a graded incident by the real pipeline. The daemon's clock runs 60× fast, as the demo's
does (600×), so the countdowns must follow the daemon's clock, not the browser's."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentinel.app import Daemon, Timing
from sentinel.clock import AcceleratedClock, Clock, SystemClock
from sentinel.notify.console import ConsoleSender
from tests.console.conftest import HERE, PEOPLE, console_settings, set_tokens
from tests.support.daemon import daemon_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SPEED = 60.0
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,900"]


def _browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@contextlib.contextmanager
def chromium(*, javascript: bool = True) -> Iterator[Any]:
    """A headless Chromium in a profile of its own (JavaScript blocked when ``javascript`` is false);
    skipped where none is installed, failed when the browser tests are required."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("SENTINEL_REQUIRE_BROWSER"):
            pytest.fail(f"the browser tests are required here: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="sentinel-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@dataclass
class Live:
    base: str
    clock: AcceleratedClock
    incident_id: int


def _scenario_items(now: datetime) -> list[dict[str, Any]]:
    """The scenario's first two posts (the first carries ``<script>``), moved so that the second was
    published ten minutes ago."""
    lines = [json.loads(line) for line in (HERE / "scenario.jsonl").read_text(encoding="utf-8").splitlines()]
    items = [line for line in lines if line["type"] == "item"][:2]
    shift = now - timedelta(minutes=10) - datetime.fromisoformat(items[-1]["item"]["published_at"])
    return [{**line["item"], "source": line["source"],
             "published_at": (datetime.fromisoformat(line["item"]["published_at"]) + shift).isoformat()}
            for line in items]


@pytest.fixture(scope="module")
def live(driver: Any) -> Iterator[Live]:
    """The daemon running in a thread of its own, with the incident made from the pushed posts."""
    with pytest.MonkeyPatch.context() as monkeypatch, tempfile.TemporaryDirectory() as tmp:
        set_tokens(monkeypatch)
        settings = console_settings(f"sqlite:///{Path(tmp) / 'live.db'}")
        clock = AcceleratedClock(SystemClock().now(), SPEED)
        daemon = Daemon(settings, clock=clock, timing=Timing(collect_tick=0.5, health_tick=2, engine_tick=0.5),
                        senders={"console": ConsoleSender("console", stream=io.StringIO())})
        with daemon_in_thread(daemon, name="sentinel-daemon") as base:
            incident_id = _push_and_wait(base, clock)
            yield Live(base, clock, incident_id)


def _push_and_wait(base: str, clock: Clock) -> int:
    """Push the scenario's posts, published around ``clock``'s now; the id of the grade II incident."""
    items = _scenario_items(clock.now())
    with httpx.Client(base_url=base, timeout=10) as client:
        for item in items:
            source = item.pop("source")
            pushed = client.post("/api/items", json={"source": source, "items": [item]},
                                 headers={"Authorization": f"Bearer {PEOPLE['ingest'][1]}"})
            assert pushed.status_code == 200 and pushed.json()["new"] == 1, pushed.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = client.get("/api/incidents", headers={"Authorization": f"Bearer {PEOPLE['readonly'][1]}"}).json()
            if listed and listed[0]["grade"] == "II":
                return int(listed[0]["id"])
            time.sleep(0.2)
    raise AssertionError("the pushed posts did not become a grade II incident")


def _login(driver: Any, base: str, role: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base}/")  # the board sends a visitor without a session to the login form
    assert "/login" in driver.current_url
    driver.find_element(By.ID, "token").send_keys(PEOPLE[role][1])
    driver.find_element(By.ID, "login").click()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "header .me"), "the login did not go through")


def _wait(condition: Any, message: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


def _minutes(text: str) -> int:
    """``剩余3小时27分`` → 207."""
    found = re.fullmatch(r"剩余(?:(\d+)小时)?(?:(\d+)分)?", text)
    assert found, f"not a countdown: {text!r}"
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def test_the_board_renders_with_a_countdown_on_the_daemons_clock(driver, live) -> None:
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "duty")
    driver.get(f"{live.base}/")
    card = driver.find_element(By.CSS_SELECTOR, f'.board li[data-incident="{live.incident_id}"]')
    assert "橙 II" in card.find_element(By.CSS_SELECTOR, ".grade").text
    assert "应急管理局" in card.text and "未签收" in card.text
    first = card.find_element(By.CSS_SELECTOR, ".deadline .countdown")
    assert card.find_element(By.CSS_SELECTOR, ".deadline .what").text == "权威信息发布"
    # 5 hours from the first post, published 1h30m ago in the daemon's time
    before = _minutes(first.text)
    assert 200 - 5 <= before <= 210, first.text
    time.sleep(3.2)  # 3.2 s of wall time are 3.2 minutes of the daemon's clock
    after = _minutes(first.text)
    assert 2 <= before - after <= 5, (before, after)


def test_a_feed_item_containing_script_shows_as_text(driver, live) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "leader")
    driver.get(f"{live.base}/incidents/{live.incident_id}")
    texts = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".items .item-text")]
    assert any('<script>alert("xss")</script>' in text for text in texts), texts
    assert driver.find_elements(By.CSS_SELECTOR, "main script") == []
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 (the property raises when no alert opened)


def test_an_acknowledgment_submitted_in_the_page_appears_on_the_timeline(driver, live) -> None:
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "duty")
    driver.get(f"{live.base}/incidents/{live.incident_id}")
    assert driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-acknowledged") == []
    driver.find_element(By.ID, "ack").click()
    done = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.done"), "no confirmation after the acknowledgment")
    assert done[0].text == "已签收"
    (entry,) = driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-acknowledged")
    assert "签收" in entry.text and "张伟" in entry.text
    driver.get(f"{live.base}/")
    assert "已签收（张伟）" in driver.find_element(By.CSS_SELECTOR, f'li[data-incident="{live.incident_id}"]').text


# Each date, countdown and state is one line, and each chart's marks are on the screen, their labels apart.
_PHONE_CHECKS = """
const out = {width: document.documentElement.clientWidth, inner: window.innerWidth,
             wide: document.documentElement.scrollWidth, broken: [], offscreen: [], overlaps: []};
for (const el of document.querySelectorAll('time, .countdown, .obligations td.state')) {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
  const box = el.getBoundingClientRect();
  if (box.width === 0) continue;  // not shown
  if (style.whiteSpace !== 'nowrap' || el.getClientRects().length > 1 || box.height > line * 1.5)
    out.broken.push(el.textContent.trim() + ' ' + style.whiteSpace + ' ' + box.height + '/' + line);
}
for (const svg of document.querySelectorAll('.chart svg')) {
  const frame = svg.getBoundingClientRect();
  if (frame.right > out.width + 0.5) out.offscreen.push('chart ' + frame.right);
  const labels = [];
  for (const mark of svg.querySelectorAll('.mark')) {
    const line = mark.querySelector('line').getBoundingClientRect();
    if (line.left < frame.left - 0.5 || line.right > Math.min(frame.right, out.width) + 0.5)
      out.offscreen.push(mark.getAttribute('class') + ' ' + line.left);
    labels.push([mark.getAttribute('class'), mark.querySelector('text').getBoundingClientRect()]);
  }
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    const [a, b] = [labels[i][1], labels[j][1]];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
      out.overlaps.push(labels[i][0] + ' / ' + labels[j][0]);
  }
}
return out;
"""


def test_pages_fit_a_phone_screen(driver, live) -> None:
    """At 375 px: no sideways scroll, no date broken over lines ("12-/05/23:0/7"), no state one
    character a line, every chart whole on the screen (the press conference's deadline marker was
    scrolled out of sight) and its marker labels apart."""
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "duty")
    driver.set_window_size(375, 812)
    try:
        for path in ("/", f"/incidents/{live.incident_id}", "/requests", "/sources", "/hotlists"):
            driver.get(f"{live.base}{path}")
            found = driver.execute_script(_PHONE_CHECKS)
            assert found["width"] <= 375 and found["inner"] <= 375, found
            assert found["wide"] <= found["width"], f"{path} is {found['wide']}px wide on a {found['width']}px screen"
            assert found["broken"] == [], (path, found["broken"])
            assert found["offscreen"] == [], (path, found["offscreen"])
            assert found["overlaps"] == [], (path, found["overlaps"])
            if path.startswith("/incidents/"):
                assert driver.find_elements(By.CSS_SELECTOR, ".obligations tr.state-open"), "no deadline shown"
                assert driver.find_elements(By.CSS_SELECTOR, ".chart .mark.deadline-open"), "no deadline marker"
    finally:
        driver.set_window_size(1200, 900)


def test_the_timeline_names_every_entry_and_folds_the_deliveries(driver, live) -> None:
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "leader")
    driver.get(f"{live.base}/incidents/{live.incident_id}")
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-deliveries"), "no delivery shown", 20)
    labels = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".timeline .label")]
    assert labels and all(not re.search(r"[A-Za-z_]", label) for label in labels), labels
    assert driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-notification_delivered") == []
    folded = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-deliveries .label")]
    assert len(folded) == len(set(folded)), folded  # one line per alert (one new-incident alert here)
    assert "新舆情通知已送达" in folded


def test_reasons_read_in_the_readers_language(driver, live) -> None:
    """Chinese by default; ?lang=en gives the English half, and the cookie keeps it on the next page."""
    from selenium.webdriver.common.by import By

    _login(driver, live.base, "leader")
    page = f"{live.base}/incidents/{live.incident_id}"
    driver.get(page)
    reasons = driver.find_element(By.ID, "grade-reasons").text
    assert "死亡" in reasons and " / " not in reasons and "deaths" not in reasons, reasons
    assert "死亡" in driver.find_element(By.ID, "facts").text and "=" not in driver.find_element(By.ID, "facts").text
    driver.get(page + "?lang=en")
    reasons = driver.find_element(By.ID, "grade-reasons").text
    assert "deaths" in reasons and "死亡" not in reasons, reasons
    driver.get(page)  # no parameter: the cookie remembers
    assert "deaths" in driver.find_element(By.ID, "grade-reasons").text
    driver.get(page + "?lang=zh")
    assert "死亡" in driver.find_element(By.ID, "grade-reasons").text


def test_an_incident_awaiting_verification_is_confirmed_in_the_page(driver, live) -> None:
    """A grade II on one self-media post (the 晋城 tunnel of the replay scenarios, published now) is
    待研判 on the board; the duty officer confirms it on its page."""
    from selenium.webdriver.common.by import By

    post = json.loads((HERE.parent / "replay" / "verify_expired.jsonl").read_text(encoding="utf-8").splitlines()[0])
    item = {**post["item"], "id": "browser-v-1", "published_at": live.clock.now().isoformat()}
    with httpx.Client(base_url=live.base, timeout=10) as client:
        pushed = client.post("/api/items", json={"source": "wb-hot", "items": [item]},
                             headers={"Authorization": f"Bearer {PEOPLE['ingest'][1]}"})
        assert pushed.status_code == 200 and pushed.json()["new"] == 1, pushed.text
        found: dict[str, Any] = {}

        def pending() -> bool:
            for row in client.get("/api/incidents", headers={"Authorization": f"Bearer {PEOPLE['readonly'][1]}"}).json():
                if (row["verification"] or {}).get("state") == "pending":
                    found.update(row)
            return bool(found)

        _wait(pending, "the self-media post did not become an incident awaiting verification", timeout=60)
    _login(driver, live.base, "duty")
    driver.get(f"{live.base}/")
    card = driver.find_element(By.CSS_SELECTOR, f'.board li[data-incident="{found["id"]}"]')
    assert "待研判" in card.find_element(By.CSS_SELECTOR, ".flag.verify").text
    driver.get(f"{live.base}/incidents/{found['id']}")
    assert "仅有自媒体来源" in driver.find_element(By.ID, "verification").text
    driver.find_element(By.CSS_SELECTOR, "#verification input[name=reason]").send_keys("电话核实属实")
    driver.find_element(By.ID, "verify").click()
    done = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.done"), "no confirmation after verifying")
    assert done[0].text == "已研判属实，按规定升级"
    assert driver.find_elements(By.ID, "verification") == []
    (entry,) = driver.find_elements(By.CSS_SELECTOR, ".timeline .kind-verification_confirmed")
    assert "张伟" in entry.text and "电话核实属实" in entry.text
