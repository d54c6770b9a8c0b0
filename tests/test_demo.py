"""``sentinel demo`` as a newcomer runs it: within a minute an incident opens, is graded II, its
clocks count down, reminders and escalations fire and the 5-hour deadline passes unanswered; the
web console it prints shows the incident to the duty officer who logs in with the printed token."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import pytest


def _console_board(out: list[str]) -> str:
    """Log in to the console the demo printed, with the duty officer's token, and read the board."""
    printed = "".join(out)
    found = re.search(r"console\s+(http://127\.0\.0\.1:\d+)/\s+\(令牌 tokens: 值班员 duty (\S+),", printed)
    assert found, printed[-2000:]
    base, token = found.groups()
    with httpx.Client(base_url=base, timeout=10) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf is not None
        client.post("/login", data={"csrf": csrf.group(1), "token": token, "next": "/"})
        return client.get("/").text


@pytest.mark.slow
def test_the_demo_shows_an_incident_its_clocks_and_its_alerts() -> None:
    with tempfile.TemporaryDirectory() as cwd, tempfile.TemporaryFile("w+") as errors:  # no configuration file
        process = subprocess.Popen([sys.executable, "-m", "sentinel", "demo", "--for", "45s", "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=errors, text=True, cwd=cwd)
        lines: list[str] = []
        assert process.stdout is not None
        stdout = process.stdout
        reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True)
        reader.start()
        board = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if any("graded II:" in line for line in list(lines)):
                board = _console_board(list(lines))  # while the demo runs
                break
            time.sleep(0.2)
        process.wait(timeout=180)
        reader.join(10)  # the reader has every line of standard output
        errors.seek(0)
        stderr = errors.read()
    out = "".join(lines)
    assert process.returncode == 0, stderr[-2000:]
    assert "▶ 新舆情事件 incident #1 opened" in out
    assert "graded II" in out
    assert "⏳ incident #1 权威信息发布：剩余" in out  # the countdown
    assert "时限提醒 → 张伟、孙主任: 【时限提醒】权威信息发布还剩" in out  # a reminder to the duty officer
    assert "升级 → 赵科长" in out and "升级 → 钱局长" in out  # nobody acknowledged: up the chain
    assert "超时 → 张伟、孙主任: 【超时】权威信息发布" in out  # and the deadline passed
    assert out.index("graded II") < out.index("【时限提醒】") < out.index("【超时】")
    assert "/metrics" in out and "alerts.txt" in out and "/api/docs" in out
    # the console showed the demo's incident, graded II, with its countdown
    assert 'href="/incidents/1"' in board and "橙 II" in board and 'class="countdown"' in board
