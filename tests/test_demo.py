"""``sentinel demo`` as a newcomer runs it: within a minute an incident opens, is graded II, its
clocks count down, reminders and escalations fire and the 5-hour deadline passes unanswered; the
web console it prints shows the incident to the duty officer who logs in with the printed token.
Afterwards the command it printed works on its database, and so does the one its own alert
suggests: the story happened in the past."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


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
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with tempfile.TemporaryDirectory() as cwd, tempfile.TemporaryFile("w+") as errors:  # no configuration file
        process = subprocess.Popen([sys.executable, "-m", "sentinel", "demo", "--for", "45s", "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=errors, text=True, cwd=cwd, env=env)
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
        assert not os.listdir(cwd)  # everything it wrote is in its own directory (no var/reports here)
        _the_cli_works_on_the_demos_database(out, cwd, env)
    assert ".notdef" not in stderr and len(stderr.splitlines()) <= 3, stderr[-2000:]  # never a flood
    assert "▶ 新舆情事件 incident #1 opened" in out
    assert "incident #2 opened" not in out  # one story, one incident: its press-conference notice joins it
    assert "召开中原区燃气爆炸事故新闻发布会" in out  # (which the demo did show)
    assert "graded II" in out
    assert "⏳ incident #1 权威信息发布：剩余" in out  # the countdown
    assert "时限提醒 → 张伟、孙主任: 【时限提醒】权威信息发布还剩" in out  # a reminder to the duty officer
    assert "升级 → 赵科长" in out and "升级 → 钱局长" in out  # nobody acknowledged: up the chain
    assert "超时 → 张伟、孙主任、赵科长、钱局长: 【超时】权威信息发布" in out  # the deadline passed: leaders hear it too
    assert out.index("graded II") < out.index("【时限提醒】") < out.index("【超时】")
    assert "/metrics" in out and "alerts.txt" in out and "/api/docs" in out
    # the console showed the demo's incident, graded II, with its countdown
    assert 'href="/incidents/1"' in board and "橙 II" in board and 'class="countdown"' in board


def _the_cli_works_on_the_demos_database(out: str, cwd: str, env: dict[str, str]) -> None:
    """The command the demo printed at its end lists its incidents; the response its alert suggests
    is accepted; the after-action report was made after the events it reports."""
    found = re.search(r"sentinel demo: stopped\. Its database stays in (\S+); to look at it:\n  (.+) incidents list\n", out)
    assert found, out[-2000:]
    workdir, command = Path(found.group(1)), shlex.split(found.group(2))
    assert f"CLI      {found.group(2)} incidents list" in out  # printed at the start too

    def cli(*args: str) -> str:
        done = subprocess.run([*command, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    assert re.search(r"^\s+1\s+II\s.*郑州市应急管理局.*燃气爆炸", cli("incidents", "list"), re.MULTILINE)
    # the response the evidence alert suggests (its --at is the official item's time) is not "in the future"
    alerts = (workdir / "alerts.txt").read_text(encoding="utf-8")
    suggested = re.search(r"记录命令：sentinel (respond 1 --kind authoritative_info .+) --by 姓名", alerts)
    assert suggested, alerts[-2000:]
    assert "recorded at" in cli(*shlex.split(suggested.group(1)), "--by", "张伟")
    report = json.loads(cli("report", "incident", "1", "--json"))
    made = datetime.fromisoformat(report["generated_at"])
    assert all(datetime.fromisoformat(event["at"]) <= made for event in report["timeline"])
    assert datetime.fromisoformat(report["incident"]["emerged_at"]) <= made
    # the daily briefing at noon, three hours into the story, holds the demo's incident
    (briefing,) = (workdir / "reports").glob("*/daily-*.json")
    assert json.loads(briefing.read_text(encoding="utf-8"))["incidents"]["total"] >= 1
