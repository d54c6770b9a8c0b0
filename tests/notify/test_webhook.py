"""The generic webhook: the documented payload and signature, and how answers are read."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sentinel.notify.base import Delivery, send_client
from sentinel.notify.message import Message
from sentinel.notify.webhook import WebhookSender, signature, verify
from tests.notify.servers import NOW, FakeWebhook, message
from tests.support.server import LoopbackServer, Request, Route

# Worked example. The expected value was computed once with
#   printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec-0123'
SECRET, TIMESTAMP, BODY = "whsec-0123", "1700000000", b'{"a":1}'
EXPECTED = "sha256=a2af6dec9f9e073a7637193b03edbcfe80fda89b71963227e678873f481c5797"


def test_signature_worked_example() -> None:
    assert signature(SECRET, TIMESTAMP, BODY) == EXPECTED
    by_hand = hmac.new(SECRET.encode(), TIMESTAMP.encode() + b"." + BODY, hashlib.sha256).hexdigest()
    assert EXPECTED == "sha256=" + by_hand


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_signature_matches_openssl() -> None:
    other = "whsec-另一个"
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", other], input=b"1800000000." + "正文".encode(), capture_output=True,
        check=True,
    ).stdout.decode()
    assert signature(other, "1800000000", "正文".encode()) == "sha256=" + out.split()[-1]


def test_verify_for_receivers() -> None:
    at = datetime.fromtimestamp(1700000000, UTC)
    assert verify(SECRET, TIMESTAMP, BODY, EXPECTED, now=at)
    assert not verify(SECRET, TIMESTAMP, BODY + b" ", EXPECTED, now=at)
    assert not verify("other", TIMESTAMP, BODY, EXPECTED, now=at)
    assert not verify(SECRET, TIMESTAMP, BODY, EXPECTED, now=at + timedelta(minutes=6))  # a replay
    assert not verify(SECRET, "17e8", BODY, EXPECTED, now=at)


def send(url: str, msg: Message, *, secret: str | None = None) -> Delivery:
    async def go() -> Delivery:
        async with httpx.AsyncClient() as client:
            return await WebhookSender("hook", url, client, secret=secret).send(msg, now=NOW)

    return asyncio.run(go())


def test_payload_and_headers(http_server: LoopbackServer) -> None:
    fake = FakeWebhook(http_server, secret="s3", now=NOW)
    assert send(fake.url(), message(mentions=("13800000000",)), secret="s3").ok
    (request,) = http_server.requests_to("/hook")
    document = json.loads(request.body)
    assert document == {
        "version": 1,
        "idempotency_key": "inc-42:new_incident",
        "kind": "new_incident",
        "title": "郑州市中原区某化工厂发生爆炸",
        "text_plain": "来源：微博 @郑州发布\n现场浓烟滚滚，已有3人死亡。",
        "text_markdown": "**来源**：微博 @郑州发布\n> 现场浓烟滚滚，已有3人死亡。",
        "incident_id": "42",
        "grade": "II",
        "department": "应急管理局",
        "link": "https://sentinel.example.gov.cn/incidents/42",
        "mentions": ["13800000000"],
        "sent_at": "2026-11-20T02:00:00Z",
    }
    assert request.headers["idempotency-key"] == "inc-42:new_incident"
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["x-sentinel-timestamp"] == str(int(NOW.timestamp()))
    expected = hmac.new(b"s3", request.headers["x-sentinel-timestamp"].encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["x-sentinel-signature"] == "sha256=" + expected.hexdigest()


def test_unsigned_channel_sends_no_signature(http_server: LoopbackServer) -> None:
    fake = FakeWebhook(http_server, secret=None, now=NOW)
    assert send(fake.url(), message()).ok
    (request,) = http_server.requests_to("/hook")
    assert "x-sentinel-signature" not in request.headers and "x-sentinel-timestamp" not in request.headers


def test_a_javascript_link_is_dropped(http_server: LoopbackServer) -> None:
    fake = FakeWebhook(http_server, secret=None, now=NOW)
    msg = Message(kind="test", title="t", text_markdown="m", text_plain="p", link="javascript:alert(1)")
    assert send(fake.url(), msg).ok
    assert json.loads(http_server.requests_to("/hook")[0].body)["link"] is None


@pytest.mark.parametrize(
    ("route", "reason", "retryable", "retry_after"),
    [
        (Route(b"slow down", 429, {"Retry-After": "7"}), "rate_limited", True, 7.0),
        (Route(b"oops", 500), "server_error", True, None),
        (Route(b"", 413), "too_large", False, None),
        (Route(b"", 404), "bad_request", False, None),
        (Route(b"", 401), "bad_signature", False, None),
        (Route(b"", 302, {"Location": "/elsewhere"}), "bad_request", False, None),
        (Route(reset=True), "connection", True, None),
    ],
)
def test_answers(http_server: LoopbackServer, route: Route, reason: str, retryable: bool, retry_after: float | None) -> None:
    http_server.routes["/hook"] = route
    delivery = send(http_server.url("/hook"), message(), secret="s3")
    assert (delivery.reason, delivery.retryable, delivery.retry_after) == (reason, retryable, retry_after)


def test_repr_hides_url_and_secret() -> None:
    client = httpx.AsyncClient()
    sender = WebhookSender("hook", "https://user:pw@example/hook?token=t", client, secret="s3")
    assert "pw" not in repr(sender) and "s3" not in repr(sender) and "token" not in repr(sender)
    asyncio.run(client.aclose())


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(http_server: LoopbackServer, caplog) -> None:
    expected = "Basic " + base64.b64encode(b"ops:p@ss:w/rd").decode()

    def receiver(request: Request) -> Route:
        if request.headers.get("authorization") != expected:
            return Route(b"who are you", 401, {"WWW-Authenticate": 'Basic realm="hooks"'})
        return Route(b'{"ok": true}', headers={"Content-Type": "application/json"})

    http_server.routes["/hook"] = receiver
    url = http_server.url("/hook").replace("://", "://ops:p%40ss%3Aw%2Frd@")

    async def go(url: str) -> Delivery:
        client = send_client()  # the daemon's own client (aiohttp's connections)
        try:
            return await WebhookSender("hook", url, client).send(message(), now=NOW)
        finally:
            await client.aclose()

    caplog.set_level("DEBUG")
    delivered = asyncio.run(go(url))
    assert delivered.ok, delivered
    (request,) = http_server.requests_to("/hook")
    assert request.headers["authorization"] == expected
    wrong = asyncio.run(go(url.replace("p%40ss", "guess")))
    assert wrong.reason == "bad_token" and not wrong.ok
    assert "p@ss" not in caplog.text and "p%40ss" not in caplog.text
    assert all("p@ss" not in d.detail and "p%40ss" not in d.detail for d in (delivered, wrong))
