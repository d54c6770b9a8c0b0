"""Fixtures for the sender tests: a fixed ``now``, hostile feed text, TLS files, and one harness per
channel that pairs a sender with the loopback fake of its service (``tests/notify/servers.py``)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentinel.notify.base import Sender
from sentinel.notify.dingtalk import DingTalkSender
from sentinel.notify.feishu import FeishuSender
from sentinel.notify.smtp import SmtpSender
from sentinel.notify.webhook import WebhookSender
from sentinel.notify.wecom import WeComSender
from tests.notify.servers import NOW, FakeDingTalk, FakeFeishu, FakeSmtp, FakeWebhook, FakeWeCom, free_port
from tests.support.server import LoopbackServer


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


#: HOSTILE's markup, none of which may reach a chat robot's markdown unescaped
MARKDOWN_FORBIDDEN = (
    "<script", '<font color="red">', "<@all>", "<at id=all>", "**粗体**", "[点我](", "`代码`", "_斜体_", "# 标题",
)
HTML_FORBIDDEN = ("<script", '<font color="red">', "<@all>", "<at id=all>", "&lt;b&gt;")


@dataclass
class Harness:
    """One channel's sender and fake, and what the contract expects of them."""

    name: str
    fake: Any
    credential_reason: str  # what a wrong secret, key or login is reported as
    limit: int  # bytes of the limited part (Received.size) the service accepts
    make: Any  # (client, good, timeout) -> Sender
    markup: Any  # Received -> the texts the service renders as markup
    escaped: str  # how <script> must arrive in that markup
    unreachable: Any  # (client) -> the same kind of sender, pointed at a port nobody listens on
    forbidden: tuple[str, ...] = MARKDOWN_FORBIDDEN  # pieces of HOSTILE that must not arrive as they are

    def sender(self, client: httpx.AsyncClient, *, good: bool = True, timeout: float = 5.0) -> Sender:
        sender: Sender = self.make(client, good, timeout)
        return sender


def _webhook(server: LoopbackServer) -> Harness:
    fake = FakeWebhook(server, secret="whsec-contract", now=NOW)
    return Harness(
        "webhook", fake, "bad_signature", 64 * 1024,
        lambda client, good, timeout: WebhookSender(
            "hook", fake.url(), client, secret="whsec-contract" if good else "wrong", timeout=timeout),
        lambda received: [received.document["text_markdown"]], "＜script＞",
        lambda client: WebhookSender("hook", closed_port_url("/hook"), client),
    )


def _dingtalk(server: LoopbackServer) -> Harness:
    fake = FakeDingTalk(server, token="tok123", secret="SECcontract", now=NOW)
    return Harness(
        "dingtalk", fake, "bad_signature", 20_000,
        lambda client, good, timeout: DingTalkSender(
            "ding", fake.url(), client, secret="SECcontract" if good else "SECwrong", timeout=timeout),
        lambda received: received.texts, "＜script＞",
        lambda client: DingTalkSender("ding", closed_port_url("/robot/send?access_token=tok123"), client, secret="SECcontract"),
    )


def _wecom(server: LoopbackServer) -> Harness:
    fake = FakeWeCom(server, key="key-123")
    return Harness(
        "wecom", fake, "bad_token", 4096,
        lambda client, good, timeout: WeComSender("wecom", fake.url(None if good else "wrong-key"), client, timeout=timeout),
        lambda received: received.texts, "＜script＞",
        lambda client: WeComSender("wecom", closed_port_url("/cgi-bin/webhook/send?key=key-123"), client),
    )


def _feishu(server: LoopbackServer) -> Harness:
    fake = FakeFeishu(server, token="hook-abc", secret="feishu-contract", now=NOW)
    return Harness(
        "feishu", fake, "bad_signature", 20_000,
        lambda client, good, timeout: FeishuSender(
            "lark", fake.url(), client, secret="feishu-contract" if good else "wrong", timeout=timeout),
        lambda received: received.texts, "＜script＞",
        lambda client: FeishuSender("lark", closed_port_url("/open-apis/bot/v2/hook/hook-abc"), client),
    )


def _email(tls_files: tuple[str, str]) -> Harness:
    pytest.importorskip("aiosmtpd")
    cert, key = tls_files
    fake = FakeSmtp(cert=cert, key=key, username="duty", password="s3cret").start()
    trust = ssl.create_default_context(cafile=cert)
    return Harness(
        "email", fake, "bad_token", FakeSmtp.size_limit,
        lambda client, good, timeout: SmtpSender(
            "mail", host="127.0.0.1", port=fake.port, sender="sentinel@example.gov.cn",
            recipients=["duty@example.gov.cn"], security="starttls", username="duty",
            password="s3cret" if good else "wrong", timeout=timeout, tls_context=trust),
        lambda received: [received.texts[2]], "&lt;script&gt;",  # the HTML part
        lambda client: SmtpSender(
            "mail", host="127.0.0.1", port=free_port(), sender="sentinel@example.gov.cn",
            recipients=["duty@example.gov.cn"], security="starttls", tls_context=trust),
        HTML_FORBIDDEN,
    )


@pytest.fixture(params=["webhook", "dingtalk", "wecom", "feishu", "email"])
def harness(request: pytest.FixtureRequest, http_server: LoopbackServer) -> Iterator[Harness]:
    if request.param == "email":
        made = _email(request.getfixturevalue("tls_files"))
        try:
            yield made
        finally:
            made.fake.stop()
        return
    yield {"webhook": _webhook, "dingtalk": _dingtalk, "wecom": _wecom, "feishu": _feishu}[request.param](http_server)


def closed_port_url(path: str = "/") -> str:
    return f"http://127.0.0.1:{free_port()}{path}"

