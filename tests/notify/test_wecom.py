"""WeCom group robot: markdown, text with phone mentions, and WeCom's error codes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sentinel.notify.base import Delivery
from sentinel.notify.message import CUT_MARKER, Message
from sentinel.notify.wecom import WeComSender, classify
from tests.notify.servers import HOSTILE, NOW, FakeWeCom, message
from tests.support.server import LoopbackServer


def send(url: str, msg: Message) -> Delivery:
    async def go() -> Delivery:
        async with httpx.AsyncClient() as client:
            return await WeComSender("wecom", url, client).send(msg, now=NOW)

    return asyncio.run(go())


def test_markdown_without_mentions(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    assert send(fake.url(), message()).ok
    (received,) = fake.accepted
    content = received.document["markdown"]["content"]
    assert received.document["msgtype"] == "markdown"
    assert content.startswith('**<font color="warning">II级（重大）</font> 郑州市中原区某化工厂发生爆炸**\n')
    assert "> 现场浓烟滚滚" in content and content.endswith("[查看详情](https://sentinel.example.gov.cn/incidents/42)")


def test_mentions_go_as_one_text_message_that_pings_the_phones(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    assert send(fake.url(), message(mentions=("13800000000",), excerpt=HOSTILE)).ok
    (received,) = fake.accepted
    assert received.document["msgtype"] == "text"
    assert received.highlighted == ("13800000000",)
    content = received.document["text"]["content"]
    assert content.startswith("【II级（重大）】郑州市中原区某化工厂发生爆炸\n")
    assert HOSTILE in content  # a text message renders nothing: the feed text is shown as it is
    assert "详情：https://sentinel.example.gov.cn/incidents/42" in content
    assert len(http_server.requests_to("/cgi-bin/webhook/send")) == 1


def test_text_message_is_cut_to_2048_bytes(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    assert send(fake.url(), message(mentions=("13800000000",), excerpt="长" * 5000)).ok
    content = fake.accepted[0].document["text"]["content"]
    assert len(content.encode()) <= 2048 and CUT_MARKER in content and content.endswith("incidents/42")


@pytest.mark.parametrize(
    ("errcode", "errmsg", "reason", "retryable", "retry_after"),
    [
        (0, "ok", None, False, None),
        (-1, "system busy", "server_error", True, None),
        (45009, "api freq out of limit", "rate_limited", True, 60.0),
        (45033, "api concurrent out of limit", "rate_limited", True, 60.0),
        (93000, "invalid webhook url, hint: [1755605200056773468916791], from ip: 172.212.167.87", "bad_token", False, None),
        (93004, "robot is disabled", "refused", False, None),
        (40058, "markdown.content exceed max length 4096. invalid Request Parameter", "too_large", False, None),
        (40058, "invalid Request Parameter", "bad_request", False, None),
        (45002, "content size out of limit", "too_large", False, None),
        (44004, "empty content", "bad_request", False, None),
        (40008, "invalid message type", "bad_request", False, None),
        (123456, "new", "bad_request", False, None),
    ],
)
def test_error_codes(errcode: int, errmsg: str, reason: str | None, retryable: bool, retry_after: float | None) -> None:
    delivery = classify(errcode, errmsg)
    assert (delivery.reason, delivery.retryable, delivery.retry_after) == (reason, retryable, retry_after)


def test_errors_never_carry_the_key(http_server: LoopbackServer) -> None:
    fake = FakeWeCom(http_server, key="k1")
    delivery = send(fake.url("LEAKED-KEY"), message())
    assert delivery.reason == "bad_token" and "LEAKED-KEY" not in delivery.detail
