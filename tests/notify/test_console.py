"""The console channel."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from sentinel.notify.console import ConsoleSender
from tests.notify.servers import NOW, message


def test_prints_a_block_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="sentinel.notify.console"):
        delivery = asyncio.run(ConsoleSender("console", stream=stream).send(message(mentions=("13800000000",)), now=NOW))
    assert delivery.ok
    out = stream.getvalue()
    assert out.startswith("[2026-11-20 02:00:00Z] new_incident: II级（重大） 郑州市中原区某化工厂发生爆炸\n")
    assert "责任单位: 应急管理局" in out and "详情: https://sentinel.example.gov.cn/incidents/42" in out
    assert "提醒: 13800000000" in out
    assert "new_incident" in caplog.text


def test_terminal_escape_sequences_in_feed_text_are_dropped() -> None:
    stream = io.StringIO()
    msg = message(title="标题\x1b]0;owned\x07\x1b[2J", excerpt="正文\x1b[31m红\x1b[0m")
    assert asyncio.run(ConsoleSender("console", stream=stream).send(msg, now=NOW)).ok
    assert "\x1b" not in stream.getvalue() and "\x07" not in stream.getvalue()


def test_a_naive_now_is_a_bug_reported_not_raised() -> None:
    naive = NOW.replace(tzinfo=None)
    delivery = asyncio.run(ConsoleSender("console", stream=io.StringIO()).send(message(), now=naive))
    assert delivery.reason == "internal" and not delivery.retryable
