"""The sender interface, the delivery result, and the HTTP plumbing the webhook-style senders share.

Every sender answers one question — was it sent? — with a :class:`Delivery`::

    Delivery("sent")                                          it arrived
    Delivery("failed", retryable=True,  reason=...)           try again later (after retry_after)
    Delivery("failed", retryable=False, reason=...)           trying again cannot help; fix the config

``reason`` comes from the closed set :data:`REASONS`, which is also a metrics label. Which reasons
are retryable by default (Alertmanager's rule: 5xx and timeouts are retried, other 4xx are not):

==============  =========  ============================================================
reason          retryable  meaning
==============  =========  ============================================================
rate_limited    yes        the service throttles us (HTTP 429 or its own error code)
server_error    yes        HTTP 5xx, "system busy" codes, SMTP 4xx
timeout         yes        no answer in time (the message may have arrived: at-least-once)
connection      yes        refused, reset, DNS, TLS handshake
bad_signature   no         the signature (or its timestamp) was rejected
bad_token       no         the credential in the URL, or the SMTP login, is wrong or revoked
too_large       no         over the service's size limit even after cutting
bad_request     no         any other 4xx, and every error code we do not know
refused         no         policy: keyword filter, IP allow-list, recipient rejected
internal        no         a bug in sentinel (logged with its traceback)
==============  =========  ============================================================

Senders never raise and never retry; the outbox does, from ``retryable`` and ``retry_after``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from httpx_aiohttp import AiohttpTransport

from sentinel.clock import require_aware
from sentinel.httputil import retry_after_seconds
from sentinel.masking import mask_text
from sentinel.notify.message import Message

log = logging.getLogger("sentinel.notify")

Outcome = Literal["sent", "failed"]
Reason = Literal[
    "rate_limited", "bad_signature", "bad_token", "too_large", "bad_request",
    "server_error", "timeout", "connection", "refused", "internal",
]
#: The closed set of failure reasons; a metrics label.
REASONS: tuple[Reason, ...] = (
    "rate_limited", "bad_signature", "bad_token", "too_large", "bad_request",
    "server_error", "timeout", "connection", "refused", "internal",
)
RETRYABLE: frozenset[Reason] = frozenset({"rate_limited", "server_error", "timeout", "connection"})
_DETAIL_MAX = 300


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt to send one message went."""

    outcome: Outcome
    retryable: bool = False
    reason: Reason | None = None
    detail: str = ""
    retry_after: float | None = None  # seconds the service asked us to wait, when it said

    def __post_init__(self) -> None:
        if self.outcome == "sent" and (self.reason is not None or self.retryable):
            raise ValueError("a sent delivery has no reason and nothing to retry")
        if self.outcome == "failed" and self.reason not in REASONS:
            raise ValueError(f"a failed delivery needs a reason from REASONS, got {self.reason!r}")

    @classmethod
    def sent(cls, detail: str = "") -> Delivery:
        return cls("sent", detail=_short(detail))

    @classmethod
    def failed(
        cls, reason: Reason, detail: str, *, retryable: bool | None = None, retry_after: float | None = None
    ) -> Delivery:
        """A failure; ``retryable`` defaults to the reason's row in the table above."""
        return cls(
            "failed",
            retryable=reason in RETRYABLE if retryable is None else retryable,
            reason=reason,
            detail=_short(detail),
            retry_after=retry_after,
        )

    @property
    def ok(self) -> bool:
        return self.outcome == "sent"


@runtime_checkable
class Sender(Protocol):
    """Sends messages through one configured channel."""

    channel_id: str
    kind: str

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        """Try once to deliver ``message``; ``now`` (aware) dates signatures and headers. Never raises."""
        ...


class HttpSender:
    """What the HTTP senders share: the channel, its URL (which may hold a credential, so it is
    never shown), the shared client, an optional signing secret, and a send that never raises.
    Subclasses set ``kind`` and implement ``_send``, posting to ``_url`` with ``auth=_auth``.

    A ``user:password@`` in the URL is taken out into HTTP basic auth: left in, httpx refuses the
    request ("Cannot combine AUTHORIZATION header with AUTH argument") and nothing is ever delivered."""

    kind = "http"

    def __init__(
        self, channel_id: str, url: str, client: httpx.AsyncClient, *, secret: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.channel_id = channel_id
        self._url, self._auth = split_credentials(url)
        self._client = client
        self._secret = secret
        self._timeout = timeout

    def __repr__(self) -> str:  # never the URL or the secret
        return f"{type(self).__name__}({self.channel_id!r}, signed={self._secret is not None})"

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        return await guarded(self.channel_id, lambda: self._send(message, now=check_now(now)))

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        raise NotImplementedError


def split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """``url`` without its ``user:password@``, and those as basic auth (percent-decoded); the URL as
    it is and None when it has none."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=hostport)), httpx.BasicAuth(unquote(user), unquote(password))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


async def guarded(channel_id: str, attempt: Callable[[], Awaitable[Delivery]]) -> Delivery:
    """Run one send attempt; a bug becomes ``internal`` (logged with its traceback), never an exception."""
    try:
        return await attempt()
    except Exception as exc:  # the outbox must get an answer for every message, whatever went wrong
        log.exception("channel %s: sender failed unexpectedly", channel_id)
        return Delivery.failed("internal", f"{type(exc).__name__}: {exc}")


def check_now(now: datetime) -> datetime:
    return require_aware(now)


def send_client(*, timeout: float = 10.0, connect: float = 5.0,
                transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The HTTP client the senders share: httpx's interface over aiohttp's connections.

    httpx's own transport spent ~1 ms of CPU per request (bench/notify.py), enough to cap the
    outbox below its target on two cores; aiohttp's, with its C parser, about half that. Redirects
    are never followed (a robot URL that redirects is misconfigured). ``transport`` replaces it (tests).
    """
    return httpx.AsyncClient(transport=transport or AiohttpTransport(), follow_redirects=False,
                             timeout=httpx.Timeout(timeout, connect=connect))


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
    auth: httpx.BasicAuth | None = None,
) -> httpx.Response | Delivery:
    """POST a JSON body; a transport failure comes back as a failed :class:`Delivery`.

    Error texts are kept free of the URL: for the chat robots the URL is the credential.
    """
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    try:
        return await client.post(
            url, content=body, headers=all_headers, auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
        )
    except httpx.TimeoutException as exc:
        cause = exc.__cause__  # aiohttp's refused or reset connection comes mapped as a timeout
        if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
            return Delivery.failed("connection", mask_text(f"{type(cause).__name__}: {cause}"))
        return Delivery.failed("timeout", f"no answer in time ({type(exc).__name__})")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return Delivery.failed("bad_request", f"unusable URL ({type(exc).__name__})")
    except httpx.TransportError as exc:
        return Delivery.failed("connection", mask_text(f"{type(exc).__name__}: {exc}"))


def classify_status(response: httpx.Response, *, now: datetime, signed: bool = False) -> Delivery:
    """The delivery an HTTP status alone implies (for answers that carry no service error code)."""
    status = response.status_code
    text = f"HTTP {status}: {response.text[:200]}"
    if 200 <= status < 300:
        return Delivery.sent(f"HTTP {status}")
    if status == 429:
        return Delivery.failed(
            "rate_limited", text, retry_after=retry_after_seconds(response.headers.get("retry-after"), since=now)
        )
    if status >= 500:
        return Delivery.failed(
            "server_error", text, retry_after=retry_after_seconds(response.headers.get("retry-after"), since=now)
        )
    if status == 408:
        return Delivery.failed("timeout", text)
    if status in (401, 403):
        return Delivery.failed("bad_signature" if signed else "bad_token", text)
    if status == 413:
        return Delivery.failed("too_large", text)
    if 300 <= status < 400:
        return Delivery.failed("bad_request", f"HTTP {status} redirect to a URL we do not follow")
    return Delivery.failed("bad_request", text)


def json_body(response: httpx.Response) -> dict[str, object] | None:
    """The response's JSON object, or None when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def read_answer(
    response: httpx.Response,
    *,
    now: datetime,
    fields: tuple[tuple[str, str], ...],
    service: str,
    signed: bool = False,
) -> Delivery | tuple[int, str]:
    """For the chat robots, which answer most failures with HTTP 200 and a code in the body.

    429 and 5xx decide by status alone; otherwise the first ``(code_key, message_key)`` pair of
    ``fields`` found in the JSON body gives ``(code, message)`` for the service's own table. A 2xx
    without a code means we are not talking to the service we think (a portal, a proxy page).
    """
    if response.status_code == 429 or response.status_code >= 500:
        return classify_status(response, now=now, signed=signed)
    answer = json_body(response)
    for code_key, message_key in fields:
        if answer is not None and code_key in answer:
            try:
                code = int(answer[code_key])  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return Delivery.failed("bad_request", f"unreadable {code_key} {answer[code_key]!r}")
            return code, str(answer.get(message_key, ""))
    if response.is_success:
        status = response.status_code
        return Delivery.failed("bad_request", f"HTTP {status} without an error code: not a {service} answer")
    return classify_status(response, now=now, signed=signed)
