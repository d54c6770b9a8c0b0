"""Email over SMTP against aiosmtpd on 127.0.0.1: TLS, login, MIME parts and reply codes."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Any

import pytest

from sentinel.notify.base import Delivery
from sentinel.notify.message import Message
from sentinel.notify.smtp import Security, SmtpSender, build_email, classify_reply
from tests.notify.servers import NOW, FakeSmtp, free_port, message

pytest.importorskip("aiosmtpd")

RECIPIENTS = ["duty@example.gov.cn", "chief@example.gov.cn"]


@pytest.fixture
def smtp(tls_files: tuple[str, str], request: pytest.FixtureRequest) -> Iterator[FakeSmtp]:
    options: dict[str, Any] = getattr(request, "param", {})
    cert, key = tls_files
    fake = FakeSmtp(cert=cert, key=key, username="duty", password="s3cret", **options).start()
    try:
        yield fake
    finally:
        fake.stop()


def send(fake_port: int, msg: Message, tls_files: tuple[str, str], *, security: Security = "starttls",
         password: str | None = "s3cret", trust: bool = True, recipients: list[str] | None = None) -> Delivery:
    context = ssl.create_default_context(cafile=tls_files[0]) if trust else ssl.create_default_context()
    sender = SmtpSender(
        "mail", host="127.0.0.1", port=fake_port, sender="sentinel@example.gov.cn",
        recipients=recipients or RECIPIENTS, security=security, username="duty" if password else None,
        password=password, timeout=5, tls_context=context,
    )
    return asyncio.run(sender.send(msg, now=NOW))


def test_multipart_alternative_over_starttls(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    assert send(smtp.port, message(), tls_files).ok
    (received,) = smtp.accepted
    mail = received.document
    assert mail["Subject"] == "[II级（重大）] 郑州市中原区某化工厂发生爆炸"
    assert mail["From"] == "sentinel@example.gov.cn" and mail["To"] == ", ".join(RECIPIENTS)
    assert mail["Date"] == format_datetime(NOW)
    assert mail["X-Sentinel-Incident"] == "42"
    plain, html = received.texts[1], received.texts[2]
    assert "现场浓烟滚滚，已有3人死亡。" in plain and "详情：https://sentinel.example.gov.cn/incidents/42" in plain
    assert '<h2 style="color:#e86a10">II级（重大） 郑州市中原区某化工厂发生爆炸</h2>' in html
    assert '<a href="https://sentinel.example.gov.cn/incidents/42">查看详情</a>' in html


def test_message_id_is_stable_across_retries() -> None:
    first = build_email(message(), sender="s@example.gov.cn", recipients=RECIPIENTS, now=NOW)
    again = build_email(message(), sender="s@example.gov.cn", recipients=RECIPIENTS, now=NOW)
    other = build_email(message(key="inc-42:reminder"), sender="s@example.gov.cn", recipients=RECIPIENTS, now=NOW)
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@example.gov.cn>")


def test_a_title_cannot_inject_headers() -> None:
    mail = build_email(message(title="标题\r\nBcc: everyone@example.com\r\n\r\n正文"), sender="s@x.cn", recipients=RECIPIENTS, now=NOW)
    assert mail["Bcc"] is None and "\n" not in mail["Subject"]
    assert b"\nBcc:" not in mail.as_bytes()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS is implicit: aiosmtpd cannot tell
@pytest.mark.parametrize("smtp", [{"implicit_tls": True}], indirect=True)
def test_implicit_tls(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    assert send(smtp.port, message(), tls_files, security="ssl").ok


def test_an_untrusted_certificate_is_not_retried(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    delivery = send(smtp.port, message(), tls_files, trust=False)
    assert delivery.reason == "connection" and not delivery.retryable and "certificate" in delivery.detail
    assert smtp.accepted == []


def test_plain_text_login_is_refused_by_a_server_that_wants_tls(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    # the server offers AUTH only after STARTTLS, so smtplib cannot log in over plain text
    delivery = send(smtp.port, message(), tls_files, security="none")
    assert delivery.reason == "bad_request" and not delivery.retryable and smtp.accepted == []
    assert "AUTH" in delivery.detail


def test_starttls_is_never_skipped_when_the_server_lacks_it(tls_files: tuple[str, str]) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        delivery = send(port, message(), tls_files, password=None)
    finally:
        controller.stop()
    assert delivery.reason == "bad_request" and not delivery.retryable and "STARTTLS" in delivery.detail


@pytest.mark.parametrize("smtp", [{"refuse": ("chief@example.gov.cn",)}], indirect=True)
def test_some_recipients_refused_still_counts_as_sent(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    delivery = send(smtp.port, message(), tls_files)
    assert delivery.ok and "chief@example.gov.cn (550)" in delivery.detail
    assert len(smtp.accepted) == 1


@pytest.mark.parametrize("smtp", [{"refuse": tuple(RECIPIENTS)}], indirect=True)
def test_all_recipients_refused(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    delivery = send(smtp.port, message(), tls_files)
    assert delivery.reason == "refused" and not delivery.retryable


@pytest.mark.parametrize("smtp", [{"size_limit": 4000}], indirect=True)
def test_over_the_servers_size_limit(smtp: FakeSmtp, tls_files: tuple[str, str]) -> None:
    delivery = send(smtp.port, message(excerpt="长文" * 3000), tls_files)
    assert delivery.reason == "too_large" and not delivery.retryable


@pytest.mark.parametrize(
    ("code", "text", "reason", "retryable"),
    [
        (421, "4.7.0 Too many connections from your host", "rate_limited", True),
        (450, "4.7.1 Error: too many messages, slow down", "rate_limited", True),
        (451, "4.3.0 Error: queue file write error", "server_error", True),
        (454, "4.7.0 TLS not available due to local problem", "server_error", True),
        (530, "5.7.0 Must issue a STARTTLS command first", "refused", False),
        (535, "5.7.8 Error: authentication failed", "bad_token", False),
        (550, "5.1.1 User unknown", "refused", False),
        (552, "5.3.4 Message size exceeds fixed limit", "too_large", False),
        (554, "5.7.1 Spam message rejected", "refused", False),
        (501, "5.5.4 Syntax error", "bad_request", False),
        (-1, "", "connection", True),
    ],
)
def test_reply_codes(code: int, text: str, reason: str, retryable: bool) -> None:
    delivery = classify_reply(code, text)
    assert (delivery.reason, delivery.retryable) == (reason, retryable)


def test_login_goes_with_password() -> None:
    with pytest.raises(ValueError):
        SmtpSender("mail", host="h", sender="s@x", recipients=["r@x"], username="u")
