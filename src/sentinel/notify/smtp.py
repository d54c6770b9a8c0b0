"""The email channel: one multipart/alternative message (plain text and HTML) over SMTP.

Configuration: ``{id, kind: email, host, port, starttls | ssl, from, to, username_env, password_env}``.
``ssl`` is implicit TLS from the first byte (port 465 by default), ``starttls`` upgrades a plain
connection (port 587 by default) and fails — never falls back to plain text — when the server does
not offer it. The certificate is verified against the system's trust store.

The message: ``Subject`` is the grade and title on one line; ``Message-ID`` is derived from the
idempotency key, so a retry after a lost answer produces the same ID and mail systems can drop the
duplicate; the HTML part escapes all feed text and links only http(s) URLs.

SMTP answers by reply code (RFC 5321 §4.2.1): 4xx is a transient failure and retried
(``rate_limited`` when the text speaks of rates or too many messages, else ``server_error``); 5xx is
permanent: 535/530/534 ``bad_token`` (the login; a 530 that demands STARTTLS is ``refused``),
552 ``too_large``, 550/551/553/554 ``refused``,
other 5xx ``bad_request``. Timeouts and dropped connections are retried. When some recipients are
refused and others accepted, the message counts as sent and the detail names the refused ones.

smtplib is blocking, so the exchange runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

from sentinel.notify.base import Delivery, check_now, guarded
from sentinel.notify.message import (
    EMAIL_TEXT_LIMIT,
    Message,
    ack_links,
    clean,
    cut_bytes,
    escape_html,
    grade_label,
    one_line,
    safe_url,
)

Security = Literal["none", "starttls", "ssl"]
DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "ssl": 465}
_SUBJECT_MAX = 200
_RATE_WORDS = re.compile(r"rate|too many|limit|throttl|slow down|频率|过多", re.IGNORECASE)
_GRADE_COLOURS = {"red": "#c8102e", "orange": "#e86a10", "yellow": "#b8860b", "blue": "#1f5fbf"}


def classify_reply(code: int, text: str) -> Delivery:
    """The delivery an SMTP reply code means (see the module docstring)."""
    detail = f"SMTP {code}: {text}"
    if 400 <= code < 500:
        return Delivery.failed("rate_limited" if _RATE_WORDS.search(text) else "server_error", detail)
    if code == 530 and "starttls" in text.lower():
        return Delivery.failed("refused", detail)  # the server insists on TLS we were not told to use
    if code in (530, 534, 535, 538):
        return Delivery.failed("bad_token", detail)
    if code == 552:
        return Delivery.failed("too_large", detail)
    if code in (550, 551, 553, 554):
        return Delivery.failed("refused", detail)
    if 500 <= code < 600:
        return Delivery.failed("bad_request", detail)
    return Delivery.failed("connection", detail)  # smtplib uses -1 when the server hung up


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def message_id(message: Message, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "sentinel.invalid"
    if not message.idempotency_key:
        return make_msgid(domain=domain)
    digest = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def plain_body(message: Message) -> str:
    lines = [cut_bytes(clean(message.text_plain), EMAIL_TEXT_LIMIT)]
    if message.department:
        lines.append(f"责任单位：{one_line(message.department)}")
    if link := safe_url(message.link):
        lines.append(f"详情：{link}")
    if links := ack_links(message):
        lines.append("\n".join(f"一键{label}：{url}" for label, url in links))
    return "\n\n".join(lines) + "\n"


def html_body(message: Message) -> str:
    grade = grade_label(message.grade)
    colour = _GRADE_COLOURS[message.grade.colour] if message.grade else "#333333"
    title = escape_html(one_line(message.title))
    text = cut_bytes(clean(message.text_plain), EMAIL_TEXT_LIMIT)
    paragraphs = [
        "<p>" + "<br>\n".join(escape_html(line) for line in block.split("\n")) + "</p>"
        for block in re.split(r"\n\s*\n", text) if block.strip()
    ]
    if message.department:
        paragraphs.append(f"<p>责任单位：{escape_html(one_line(message.department))}</p>")
    if link := safe_url(message.link):
        paragraphs.append(f'<p><a href="{escape_html(link)}">查看详情</a></p>')
    if links := ack_links(message):
        paragraphs.append("<p>" + "<br>\n".join(f'<a href="{escape_html(url)}">一键{escape_html(label)}</a>'
                                                 for label, url in links) + "</p>")
    heading = f"{escape_html(grade)} {title}" if grade else title
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' + title + "</title></head>\n"
        f'<body><h2 style="color:{colour}">{heading}</h2>\n' + "\n".join(paragraphs) + "\n</body></html>\n"
    )


def build_email(message: Message, *, sender: str, recipients: list[str], now: datetime) -> EmailMessage:
    """The MIME message: headers, a text/plain part and its text/html alternative."""
    mail = EmailMessage()
    grade = grade_label(message.grade)
    subject = one_line(f"[{grade}] {message.title}" if grade else message.title) or message.kind
    mail["Subject"] = subject[:_SUBJECT_MAX]
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id(message, sender)
    mail["X-Sentinel-Kind"] = one_line(message.kind)
    if message.incident_id:
        mail["X-Sentinel-Incident"] = one_line(message.incident_id)
    mail.set_content(plain_body(message), charset="utf-8")
    mail.add_alternative(html_body(message), subtype="html", charset="utf-8")
    return mail


class SmtpSender:
    """Sends each message as one email to a fixed list of recipients."""

    kind = "email"

    def __init__(
        self,
        channel_id: str,
        *,
        host: str,
        sender: str,
        recipients: list[str],
        port: int | None = None,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self.channel_id = channel_id
        self._host = host
        self._port = port or DEFAULT_PORTS[security]
        self._sender = sender
        self._recipients = list(recipients)
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._tls = tls_context or ssl.create_default_context()

    def __repr__(self) -> str:
        return f"SmtpSender({self.channel_id!r}, {self._host}:{self._port}, {self._security})"

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        return await guarded(self.channel_id, lambda: self._send(message, now=now))

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        mail = build_email(message, sender=self._sender, recipients=self._recipients, now=check_now(now))
        return await asyncio.to_thread(self._exchange, mail)

    def _connect(self) -> smtplib.SMTP:
        if self._security == "ssl":
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=self._tls)
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)

    def _timed_out(self) -> Delivery:
        return Delivery.failed("timeout", f"no answer from {self._host}:{self._port} in {self._timeout:g}s")

    def _exchange(self, mail: EmailMessage) -> Delivery:
        try:
            with self._connect() as smtp:
                if self._security == "starttls":
                    smtp.starttls(context=self._tls)
                if self._username is not None and self._password is not None:
                    smtp.login(self._username, self._password)
                refused = smtp.send_message(mail, from_addr=self._sender, to_addrs=self._recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            # every recipient refused: the most hopeful reply decides (a 4xx means "later")
            replies = sorted(exc.recipients.values(), key=lambda reply: reply[0])
            if not replies:
                return Delivery.failed("refused", str(exc))
            return classify_reply(replies[0][0], _text(replies[0][1]))
        except smtplib.SMTPNotSupportedError as exc:
            return Delivery.failed("bad_request", f"the server does not support it: {exc}")
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib turns a read timeout into "Connection unexpectedly closed"; the cause tells
            if isinstance(exc.__context__, TimeoutError):
                return self._timed_out()
            return Delivery.failed("connection", f"server disconnected: {exc}")
        except smtplib.SMTPResponseException as exc:  # auth, sender, data, helo, connect replies
            return classify_reply(exc.smtp_code, _text(exc.smtp_error))
        except ssl.SSLCertVerificationError as exc:
            detail = f"certificate not trusted: {exc.verify_message}"
            return Delivery.failed("connection", detail, retryable=False)  # retrying will not fix trust
        except TimeoutError:  # socket.timeout is TimeoutError since 3.10
            return self._timed_out()
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, DNS, TLS handshake
            return Delivery.failed("connection", f"{type(exc).__name__}: {exc}")
        if refused:
            names = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
            return Delivery.sent(f"some recipients refused: {names}")
        return Delivery.sent()
