"""DingTalk custom robot: the signing recipe, the message, and DingTalk's error codes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
import pytest

from sentinel.notify.base import Delivery
from sentinel.notify.dingtalk import DingTalkSender, classify, sign, signed_url, timestamp_ms
from sentinel.notify.message import Message
from tests.notify.servers import HOSTILE, NOW, FakeDingTalk, free_port, message
from tests.support.server import LoopbackServer, Route

# Worked example from DingTalk's recipe. The expected value was computed once with
#   printf '1700000000000\nSECtest0123456789' | openssl dgst -sha256 -hmac 'SECtest0123456789' -binary | base64
SECRET, TIMESTAMP = "SECtest0123456789", 1700000000000
EXPECTED = "yBKp5IlG6qCzcQWmgyRK/ziJBdVNJmHfFE2ST/CzT/g="


def test_sign_worked_example() -> None:
    assert sign(SECRET, TIMESTAMP) == EXPECTED
    # the recipe as DingTalk's page writes it, step by step
    string_to_sign = f"{TIMESTAMP}\n{SECRET}".encode()
    by_hand = base64.b64encode(hmac.new(SECRET.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    assert by_hand == EXPECTED


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_sign_matches_openssl() -> None:
    secret, timestamp = "SEC另一个密钥", 1800000000123
    hmac_out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"], input=f"{timestamp}\n{secret}".encode(),
        capture_output=True, check=True,
    ).stdout
    assert sign(secret, timestamp) == base64.b64encode(hmac_out).decode()


def test_signed_url_url_encodes_the_signature() -> None:
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", SECRET, TIMESTAMP)
    assert url.endswith(f"&timestamp={TIMESTAMP}&sign={quote_plus(EXPECTED)}")
    assert "%2F" in url and "%3D" in url and "+" not in url.split("sign=")[1]
    assert parse_qs(urlsplit(url).query)["sign"] == [EXPECTED]
    assert signed_url("https://h/robot/send", SECRET, TIMESTAMP).startswith("https://h/robot/send?timestamp=")


def test_timestamp_is_milliseconds_without_float_error() -> None:
    assert timestamp_ms(datetime(2026, 11, 20, 2, 0, 0, 999_999, tzinfo=UTC)) == 1795140000999


def send(url: str, msg: Message, *, secret: str | None = None, now: datetime = NOW) -> Delivery:
    async def go() -> Delivery:
        async with httpx.AsyncClient() as client:
            return await DingTalkSender("ding", url, client, secret=secret).send(msg, now=now)

    return asyncio.run(go())


def test_markdown_message_with_mentions(http_server: LoopbackServer) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret="SECabc", now=NOW)
    assert send(fake.url(), message(mentions=("13800000000", "13900000000")), secret="SECabc").ok
    (received,) = fake.accepted
    document = received.document
    assert document["msgtype"] == "markdown"
    assert document["at"] == {"atMobiles": ["13800000000", "13900000000"], "isAtAll": False}
    text = document["markdown"]["text"]
    assert text.startswith("#### II级（重大） 郑州市中原区某化工厂发生爆炸")
    assert "责任单位：应急管理局" in text and "[查看详情](https://sentinel.example.gov.cn/incidents/42)" in text
    assert received.highlighted == ("13800000000", "13900000000")  # @phone is in the text, as DingTalk needs
    (request,) = http_server.requests_to("/robot/send")
    assert request.query["timestamp"] == [str(int(NOW.timestamp()) * 1000)]


def test_unsigned_robot_gets_no_timestamp_or_sign(http_server: LoopbackServer) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret=None, now=NOW)
    assert send(fake.url(), message()).ok
    (request,) = http_server.requests_to("/robot/send")
    assert set(request.query) == {"access_token"}


def test_title_preview_is_escaped_and_short(http_server: LoopbackServer) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret=None, now=NOW)
    assert send(fake.url(), message(title=HOSTILE * 5)).ok
    title = fake.accepted[0].document["markdown"]["title"]
    assert len(title) <= 64 and "<" not in title and "\n" not in title


@pytest.mark.parametrize(
    ("case", "reason"),
    [("wrong token", "bad_token"), ("clock an hour off", "bad_signature"), ("keywords", "refused")],
)
def test_security_settings(http_server: LoopbackServer, case: str, reason: str) -> None:
    fake = FakeDingTalk(http_server, token="t1", secret="SECabc", now=NOW)
    url, now = fake.url(), NOW
    if case == "wrong token":
        url = fake.url("t2")
    elif case == "clock an hour off":
        now = NOW - timedelta(hours=1, minutes=1)
    else:
        fake.keywords = ("舆情提醒",)
    delivery = send(url, message(), secret="SECabc", now=now)
    assert delivery.reason == reason and not delivery.retryable


@pytest.mark.parametrize(
    ("errcode", "errmsg", "reason", "retryable", "retry_after"),
    [
        (0, "ok", None, False, None),
        (-1, "系统繁忙", "server_error", True, None),
        (130101, "send too fast, exceed 20 times per minute", "rate_limited", True, 600.0),
        (410100, "发送速度太快而限流", "rate_limited", True, 600.0),
        (300001, "token is not exist", "bad_token", False, None),
        (300005, "token is not exist", "bad_token", False, None),
        (400101, "access_token不存在", "bad_token", False, None),
        (400102, "机器人已停用", "refused", False, None),
        (400105, "不支持的消息类型", "bad_request", False, None),
        (430102, "含有不合适的文本", "refused", False, None),
        (310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]", "bad_signature", False, None),
        (310000, "invalid timestamp", "bad_signature", False, None),
        (310000, "description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中", "bad_signature", False, None),
        (310000, "keywords not in content", "refused", False, None),
        (310000, "ip 1.2.3.4 not in whitelist", "refused", False, None),
        (40035, "description:body 大小不合法;solution:请保持大小在 20000bytes 以内", "too_large", False, None),
        (987654, "something new", "bad_request", False, None),
    ],
)
def test_error_codes(errcode: int, errmsg: str, reason: str | None, retryable: bool, retry_after: float | None) -> None:
    delivery = classify(errcode, errmsg)
    assert (delivery.reason, delivery.retryable, delivery.retry_after) == (reason, retryable, retry_after)
    assert str(errcode) in delivery.detail or delivery.ok


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(b"<html>portal</html>", 200), "bad_request"),
        (Route(json.dumps({"errcode": "x"}).encode(), 200), "bad_request"),
        (Route(b"bad gateway", 502), "server_error"),
        (Route(b"", 429, {"Retry-After": "3"}), "rate_limited"),
    ],
)
def test_odd_answers(http_server: LoopbackServer, route: Route, reason: str) -> None:
    http_server.routes["/robot/send"] = route
    assert send(http_server.url("/robot/send?access_token=t"), message()).reason == reason


def test_errors_never_carry_the_token() -> None:
    url = f"http://127.0.0.1:{free_port()}/robot/send?access_token=SECRET-TOKEN"
    delivery = send(url, message(), secret="SECabc")
    assert delivery.reason == "connection" and "SECRET-TOKEN" not in delivery.detail and "SECabc" not in delivery.detail
