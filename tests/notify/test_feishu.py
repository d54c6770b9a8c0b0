"""Feishu custom bot: the signing recipe (the reverse of DingTalk's), the card, and Feishu's codes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import shutil
import subprocess
from datetime import datetime

import httpx
import pytest

from sentinel.notify.base import Delivery
from sentinel.notify.dingtalk import sign as dingtalk_sign
from sentinel.notify.feishu import FeishuSender, classify, sign
from sentinel.notify.message import Message
from tests.notify.servers import NOW, FakeFeishu, message
from tests.support.server import LoopbackServer, Route

# Worked example from Feishu's recipe. The expected value was computed once with
#   printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nfeishu-secret-0123')" -binary | base64
SECRET, TIMESTAMP = "feishu-secret-0123", 1700000000
EXPECTED = "+1U0CMYEwDTNNFL+y2fnyQM4HJAMb/Bh4gSg7jklS/s="


def test_sign_worked_example() -> None:
    assert sign(SECRET, TIMESTAMP) == EXPECTED
    string_to_sign = f"{TIMESTAMP}\n{SECRET}".encode()  # the key; the message is empty
    assert base64.b64encode(hmac.new(string_to_sign, b"", hashlib.sha256).digest()).decode() == EXPECTED
    assert dingtalk_sign(SECRET, TIMESTAMP) != EXPECTED  # the mistake every second integration makes


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_sign_matches_openssl() -> None:
    secret, timestamp = "飞书密钥", 1800000000
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", f"{timestamp}\n{secret}", "-binary"], input=b"",
        capture_output=True, check=True,
    ).stdout
    assert sign(secret, timestamp) == base64.b64encode(out).decode()


def send(url: str, msg: Message, *, secret: str | None = None, now: datetime = NOW) -> Delivery:
    async def go() -> Delivery:
        async with httpx.AsyncClient() as client:
            return await FeishuSender("lark", url, client, secret=secret).send(msg, now=now)

    return asyncio.run(go())


def test_signed_card(http_server: LoopbackServer) -> None:
    fake = FakeFeishu(http_server, token="h1", secret="s1", now=NOW)
    assert send(fake.url(), message(mentions=("13800000000",)), secret="s1").ok
    document = fake.accepted[0].document
    assert document["timestamp"] == str(int(NOW.timestamp())) and document["sign"] == sign("s1", int(NOW.timestamp()))
    card = document["card"]
    assert card["header"] == {"title": {"tag": "plain_text", "content": "II级（重大） 郑州市中原区某化工厂发生爆炸"}, "template": "orange"}
    assert card["elements"][0] == {"tag": "div", "text": {"tag": "lark_md", "content": message().text_markdown}}
    assert {"tag": "button", "text": {"tag": "plain_text", "content": "查看详情"}, "type": "primary",
            "url": "https://sentinel.example.gov.cn/incidents/42"} in card["elements"][2]["actions"]
    assert card["elements"][3]["elements"][0]["content"] == "提醒：13800000000"  # phones cannot be @-ed


@pytest.mark.parametrize(("grade", "template"), [("I", "red"), ("II", "orange"), ("III", "yellow"), ("IV", "blue"), (None, "grey")])
def test_header_colour_is_the_grade_colour(http_server: LoopbackServer, grade: str | None, template: str) -> None:
    fake = FakeFeishu(http_server, token="h1", secret=None, now=NOW)
    msg = Message(kind="test", title="t", text_markdown="m", text_plain="p", grade=grade)
    assert send(fake.url(), msg).ok
    assert fake.accepted[0].document["card"]["header"]["template"] == template
    assert "sign" not in fake.accepted[0].document


@pytest.mark.parametrize(("case", "reason"), [("wrong token", "bad_token"), ("stale", "bad_signature"), ("keywords", "refused")])
def test_security_settings(http_server: LoopbackServer, case: str, reason: str) -> None:
    fake = FakeFeishu(http_server, token="h1", secret="s1", now=NOW)
    url, now = fake.url(), NOW
    if case == "wrong token":
        url = fake.url("h2")
    elif case == "stale":
        now = NOW.replace(hour=0)
    else:
        fake.keywords = ("舆情提醒",)
    delivery = send(url, message(), secret="s1", now=now)
    assert delivery.reason == reason and not delivery.retryable


@pytest.mark.parametrize(
    ("code", "msg", "reset", "reason", "retry_after"),
    [
        (0, "success", None, None, None),
        (19021, "sign match fail or timestamp is not within one hour from current time", None, "bad_signature", None),
        (19001, "param invalid: incoming webhook access token invalid", None, "bad_token", None),
        (19022, "Ip Not Allowed", None, "refused", None),
        (19024, "Key Words Not Found", None, "refused", None),
        (19002, "params error, msg_type need", None, "bad_request", None),
        (11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]", None, "rate_limited", 60.0),
        (9499, "too many request", "12", "rate_limited", 12.0),
        (9499, "Bad Request", None, "bad_request", None),
        (99991400, "request trigger frequency limit", "52", "rate_limited", 52.0),
        (19036, "request body too large", None, "too_large", None),
        (424242, "new", None, "bad_request", None),
    ],
)
def test_error_codes(code: int, msg: str, reset: str | None, reason: str | None, retry_after: float | None) -> None:
    delivery = classify(code, msg, reset=reset)
    assert (delivery.reason, delivery.retry_after) == (reason, retry_after)
    assert delivery.retryable == (reason == "rate_limited")


@pytest.mark.parametrize(
    ("route", "reason", "retry_after"),
    [
        (Route(b'{"code":99991400,"msg":"request trigger frequency limit"}', 429, {"x-ogw-ratelimit-reset": "52"}), "rate_limited", 52.0),
        (Route(b'{"code":99991400,"msg":"request trigger frequency limit"}', 400, {"x-ogw-ratelimit-reset": "9"}), "rate_limited", 9.0),
        (Route(b'{"StatusCode":0,"StatusMessage":"success"}', 200), None, None),
        (Route(b"upstream", 503), "server_error", None),
    ],
)
def test_http_answers(http_server: LoopbackServer, route: Route, reason: str | None, retry_after: float | None) -> None:
    http_server.routes["/open-apis/bot/v2/hook/h1"] = route
    delivery = send(http_server.url("/open-apis/bot/v2/hook/h1"), message())
    assert (delivery.reason, delivery.retry_after) == (reason, retry_after)
