"""``sentinel demo`` as a newcomer runs it: within a minute an incident opens, is graded II, its
clocks count down, reminders and escalations fire and the 5-hour deadline passes unanswered."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest


@pytest.mark.slow
def test_the_demo_shows_an_incident_its_clocks_and_its_alerts() -> None:
    with tempfile.TemporaryDirectory() as cwd:  # the demo needs no configuration file
        done = subprocess.run([sys.executable, "-m", "sentinel", "demo", "--for", "45s", "--port", "0"],
                              capture_output=True, text=True, timeout=180, cwd=cwd)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "▶ 新舆情事件 incident #1 opened" in out
    assert "graded II" in out
    assert "⏳ incident #1 权威信息发布：剩余" in out  # the countdown
    assert "时限提醒 → 张伟、孙主任: 【时限提醒】权威信息发布还剩" in out  # a reminder to the duty officer
    assert "升级 → 赵科长" in out and "升级 → 钱局长" in out  # nobody acknowledged: up the chain
    assert "超时 → 张伟、孙主任: 【超时】权威信息发布" in out  # and the deadline passed
    assert out.index("graded II") < out.index("【时限提醒】") < out.index("【超时】")
    assert "/metrics" in out and "alerts.txt" in out
