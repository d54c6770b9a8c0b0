"""Loopback fakes of the services the senders talk to.

Each fake checks a request the way its service documents it — signatures recomputed here, from the
service's published recipe, with no code shared with ``sentinel.notify`` — and answers with the
service's own error codes and wording (sources in each sender's module docstring). Every fake can
also throttle after ``rate_limit`` accepted messages, fail every ``fail_every``-th request with a
gateway error, and answer late (``delay``), so tests see the failures a real service produces.

The HTTP fakes run on :class:`tests.support.server.LoopbackServer`; :class:`FakeSmtp` runs aiosmtpd
on 127.0.0.1 with STARTTLS or implicit TLS and a login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sentinel.notify.message import Message, render_markdown
from tests.support.server import LoopbackServer, Request, Route

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

#: Feed text an attacker (or an unlucky headline) could put in front of a duty officer.
HOSTILE = (
    '<script>alert("x")</script> **粗体** [点我](javascript:alert(1)) `代码` # 标题 _斜体_ '
    '<font color="red">红</font> <@all> <at id=all></at> &lt;b&gt; a|b'
)


def message(*, title: str = "郑州市中原区某化工厂发生爆炸", excerpt: str = "现场浓烟滚滚，已有3人死亡。",
            mentions: tuple[str, ...] = (), key: str = "inc-42:new_incident") -> Message:
    return Message(
        kind="new_incident",
        title=title,
        text_markdown=render_markdown("**来源**：{source}\n> {excerpt}", source="微博 @郑州发布", excerpt=excerpt),
        text_plain=f"来源：微博 @郑州发布\n{excerpt}",
        incident_id="42",
        grade="II",
        department="应急管理局",
        link="https://sentinel.example.gov.cn/incidents/42",
        mentions=mentions,
        idempotency_key=key,
    )


@dataclass
class Received:
    """A message a fake accepted: what its service would show, and the size it checked."""

    texts: list[str]  # every string the service renders, markup included
    size: int  # bytes of the part the service limits
    document: Any = None  # the parsed JSON body, or the parsed email
    highlighted: tuple[str, ...] = ()  # phones the service would highlight as @mentions


def _json(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Route:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Route(body, status, {"Content-Type": "application/json", **(headers or {})})


@dataclass
class _Knobs:
    rate_limit: int | None = None  # accepted messages before the fake throttles (until reset())
    fail_every: int | None = None  # every n-th request answers 502
    delay: float = 0.0  # seconds before every answer
    keywords: tuple[str, ...] = ()  # the robot's keyword security setting
    requests: int = 0
    accepted: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def gate(self) -> Route | None:
        """The transient failure this request gets, if any."""
        with self.lock:
            self.requests += 1
            number = self.requests
        if self.fail_every and number % self.fail_every == 0:
            return Route(b"<html><body>502 Bad Gateway</body></html>", 502, {"Content-Type": "text/html"}, self.delay)
        return None

    def throttled(self) -> bool:
        return self.rate_limit is not None and len(self.accepted) >= self.rate_limit

    def reset(self) -> None:
        self.rate_limit = None
        self.fail_every = None
        self.delay = 0.0


class FakeDingTalk(_Knobs):
    """``POST /robot/send?access_token=...[&timestamp=&sign=]`` like oapi.dingtalk.com."""

    path = "/robot/send"

    def __init__(self, server: LoopbackServer, *, token: str, secret: str | None, now: datetime) -> None:
        super().__init__()
        self.server, self.token, self.secret, self.now = server, token, secret, now
        server.routes[self.path] = self.handle

    def url(self, token: str | None = None) -> str:
        return self.server.url(f"{self.path}?access_token={token or self.token}")

    def handle(self, request: Request) -> Route:
        route = self.gate() or self._answer(request)
        route.delay = self.delay
        return route

    def _answer(self, request: Request) -> Route:
        if request.query.get("access_token") != [self.token]:
            return _json({"errcode": 300001, "errmsg": "token is not exist"})
        if self.secret is not None:
            timestamp = (request.query.get("timestamp") or [""])[0]
            given = (request.query.get("sign") or [""])[0]  # parse_qs has undone the URL-encoding
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - self.now.timestamp()) > 3600:
                return _json({"errcode": 310000, "errmsg": "invalid timestamp"})
            string_to_sign = f"{timestamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(self.secret.encode(), string_to_sign, hashlib.sha256).digest())
            if not hmac.compare_digest(expected.decode(), given):
                return _json({"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
        if len(request.body) > 20_000:
            # the text is DingTalk's (see sentinel.notify.message); the code is a stand-in, the real one is unknown
            return _json({"errcode": 40035, "errmsg": "description:body 大小不合法;solution:请保持大小在 20000bytes 以内"})
        document = json.loads(request.body)
        markdown = document.get("markdown") or {}
        if document.get("msgtype") == "actionCard":  # the card a message with 认领 links goes as
            markdown = document.get("actionCard") or {}
            buttons = markdown.get("btns")
            if not isinstance(buttons, list) or not buttons or not all(
                    isinstance(b, dict) and b.get("title") and b.get("actionURL") for b in buttons):
                return _json({"errcode": 40035, "errmsg": "缺少参数 btns"})
        elif document.get("msgtype") != "markdown":
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        if not markdown.get("title") or not markdown.get("text"):
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        text = markdown["text"]
        if self.keywords and not any(word in text for word in self.keywords):
            return _json({"errcode": 310000, "errmsg": "keywords not in content"})
        if self.throttled():
            return _json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        mobiles = tuple((document.get("at") or {}).get("atMobiles") or ())
        self.accepted.append(Received(
            [markdown["title"], text], len(request.body), document,
            highlighted=tuple(phone for phone in mobiles if f"@{phone}" in text),
        ))
        return _json({"errcode": 0, "errmsg": "ok"})


class FakeWeCom(_Knobs):
    """``POST /cgi-bin/webhook/send?key=...`` like qyapi.weixin.qq.com."""

    path = "/cgi-bin/webhook/send"

    def __init__(self, server: LoopbackServer, *, key: str) -> None:
        super().__init__()
        self.server, self.key = server, key
        server.routes[self.path] = self.handle

    def url(self, key: str | None = None) -> str:
        return self.server.url(f"{self.path}?key={key or self.key}")

    def handle(self, request: Request) -> Route:
        route = self.gate() or self._answer(request)
        route.delay = self.delay
        return route

    def _answer(self, request: Request) -> Route:
        hint = "hint: [1700000000_00_0000000000000000], from ip: 127.0.0.1"
        if request.query.get("key") != [self.key]:
            return _json({"errcode": 93000, "errmsg": f"invalid webhook url, {hint}, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"})
        document = json.loads(request.body)
        kind = document.get("msgtype")
        if kind not in ("markdown", "text"):
            return _json({"errcode": 40008, "errmsg": f"invalid message type, {hint}"})
        content = (document.get(kind) or {}).get("content") or ""
        limit = 4096 if kind == "markdown" else 2048
        size = len(content.encode("utf-8"))
        if not content:
            return _json({"errcode": 44004, "errmsg": f"empty content, {hint}"})
        if size > limit:
            return _json({"errcode": 40058, "errmsg": f"{kind}.content exceed max length {limit}. invalid Request Parameter, {hint}"})
        if self.throttled():
            return _json({"errcode": 45009, "errmsg": f"api freq out of limit, {hint}"})
        mobiles = tuple(document[kind].get("mentioned_mobile_list") or ()) if kind == "text" else ()
        self.accepted.append(Received([content], size, document, highlighted=mobiles))
        return _json({"errcode": 0, "errmsg": "ok"})


class FakeFeishu(_Knobs):
    """``POST /open-apis/bot/v2/hook/<token>`` like open.feishu.cn, signature in the body."""

    prefix = "/open-apis/bot/v2/hook/"

    def __init__(self, server: LoopbackServer, *, token: str, secret: str | None, now: datetime) -> None:
        super().__init__()
        self.server, self.token, self.secret, self.now = server, token, secret, now
        server.routes[self.prefix + token] = self.handle

    def url(self, token: str | None = None) -> str:
        token = token or self.token
        self.server.routes.setdefault(self.prefix + token, self.handle)
        return self.server.url(self.prefix + token)

    def handle(self, request: Request) -> Route:
        route = self.gate() or self._answer(request)
        route.delay = self.delay
        return route

    def _answer(self, request: Request) -> Route:
        if request.path != self.prefix + self.token:
            return _json({"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"})
        if len(request.body) > 20_000:
            return _json({"code": 19036, "data": {}, "msg": "request body too large"})
        document = json.loads(request.body)
        if self.secret is not None:
            timestamp = str(document.get("timestamp", ""))
            key = f"{timestamp}\n{self.secret}".encode()  # Feishu: the string is the key, the message is empty
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(int(timestamp) - self.now.timestamp()) <= 3600
            if not fresh or not hmac.compare_digest(expected, str(document.get("sign", ""))):
                return _json({"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not within one hour from current time"})
        if document.get("msg_type") != "interactive" or not isinstance(document.get("card"), dict):
            return _json({"code": 19002, "data": {}, "msg": "params error, msg_type need"})
        texts = _card_texts(document["card"])
        if self.keywords and not any(word in text for text in texts for word in self.keywords):
            return _json({"code": 19024, "data": {}, "msg": "Key Words Not Found"})
        if self.throttled():
            return _json({"code": 11232, "data": {}, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"})
        self.accepted.append(Received(texts, len(request.body), document))
        return _json({"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"})


def _card_texts(node: Any) -> list[str]:
    """Every ``content`` string in a card, header first."""
    if isinstance(node, dict):
        found = [node["content"]] if isinstance(node.get("content"), str) else []
        return found + [text for key, value in node.items() if key != "content" for text in _card_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _card_texts(value)]
    return []


class FakeWebhook(_Knobs):
    """A receiver of sentinel's generic webhook that verifies X-Sentinel-Signature as documented."""

    path = "/hook"

    def __init__(self, server: LoopbackServer, *, secret: str | None, now: datetime) -> None:
        super().__init__()
        self.server, self.secret, self.now = server, secret, now
        server.routes[self.path] = self.handle

    def url(self) -> str:
        return self.server.url(self.path)

    def handle(self, request: Request) -> Route:
        route = self.gate() or self._answer(request)
        route.delay = self.delay
        return route

    def _answer(self, request: Request) -> Route:
        if self.secret is not None:
            timestamp = request.headers.get("x-sentinel-timestamp", "")
            mac = hmac.new(self.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
            fresh = timestamp.isdigit() and abs(int(timestamp) - self.now.timestamp()) <= 300
            if not fresh or not hmac.compare_digest("sha256=" + mac.hexdigest(), request.headers.get("x-sentinel-signature", "")):
                return Route(b'{"error":"bad signature"}', 401, {"Content-Type": "application/json"})
        document = json.loads(request.body)
        if any(len(document[key].encode("utf-8")) > 64 * 1024 for key in ("text_plain", "text_markdown")):
            return Route(b"payload too large", 413)
        if self.throttled():
            return Route(b"slow down", 429, {"Retry-After": "7"})
        size = max(len(document[key].encode("utf-8")) for key in ("text_plain", "text_markdown"))
        self.accepted.append(Received([document["title"], document["text_markdown"]], size, document))
        return Route(b"", 204)


# ------------------------------------------------------------------------------------------ SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeSmtp(_Knobs):
    """An SMTP submission server on 127.0.0.1 (aiosmtpd) that logs in, checks MIME and answers like Postfix."""

    size_limit = 10_240_000  # Postfix's default message_size_limit

    def __init__(
        self, *, cert: str, key: str, username: str, password: str, implicit_tls: bool = False,
        size_limit: int | None = None, refuse: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.size_limit = size_limit or self.size_limit
        self.refuse = refuse  # recipients answered "550 user unknown"
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.username, self.password = username, password
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = getattr(data, "login", None) == self.username.encode() and data.password == self.password.encode()
            return AuthResult(success=ok, handled=False)

        # with implicit TLS the connection is encrypted before aiosmtpd sees it, so it must not demand STARTTLS
        tls: dict[str, Any] = (
            {"ssl_context": context, "auth_require_tls": False} if implicit_tls
            else {"tls_context": context, "require_starttls": True}
        )
        self.port = free_port()
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, authenticator=authenticate, auth_required=True,
            data_size_limit=self.size_limit, server_hostname="127.0.0.1", **tls,
        )

    def start(self) -> FakeSmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.requests += 1
            number = self.requests
        if self.fail_every and number % self.fail_every == 0:
            return "451 4.3.0 Error: queue file write error"
        if self.throttled():
            return "450 4.7.1 Error: too many messages, slow down"
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        problem = _mime_problem(mail)
        if problem:
            return f"554 5.6.0 {problem}"
        plain = mail.get_body(("plain",))
        html = mail.get_body(("html",))
        assert plain is not None and html is not None
        texts = [str(mail["Subject"]), plain.get_content(), html.get_content()]
        self.accepted.append(Received(texts, len(envelope.content), mail))
        return "250 2.0.0 Ok: queued"


def _mime_problem(mail: EmailMessage) -> str | None:
    if mail.get_content_type() != "multipart/alternative":
        return f"expected multipart/alternative, got {mail.get_content_type()}"
    kinds = [part.get_content_type() for part in mail.iter_parts()]
    if kinds != ["text/plain", "text/html"]:
        return f"expected text/plain then text/html, got {kinds}"
    for part in mail.iter_parts():
        if part.get_content_charset() != "utf-8":
            return f"{part.get_content_type()} is not utf-8"
    for header in ("Subject", "From", "To", "Date", "Message-ID"):
        if not mail[header]:
            return f"missing {header}"
    return None


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
