"""What the SMS (短信) and voice-call (语音通知) channels share: per-number limits, the template
variables, how a service's answer for one number becomes a :class:`~sentinel.notify.base.Delivery`,
and the sender that calls each number of a message in turn.

A message's numbers are its ``mentions`` (the roster's ``phone`` of each person it is for); one
request per number, since each person's 认领 code differs. A message with no number is a
configuration failure (``bad_request``, not retried): the roster names nobody with a phone here.

Limits, and where they come from:

==================================  ===============  ==============================================================
limit                               value            source
==================================  ===============  ==============================================================
Aliyun voice, one called number     1/min, 5/h,      help.aliyun.com/document_detail/114036.htm (语音通知流控:
                                    20/day           同一个被叫 1次/分钟、5次/小时、20次/天); our default for voice
Aliyun SMS, one number + signature  1/min, 5/h,      isv.BUSINESS_LIMIT_CONTROL answers "触发分钟级流控Permits:1",
                                    10/day           "触发小时级流控Permits:5", "触发天级流控Permits:10" (验证码
                                                     defaults; 通知 templates configurable); our default for SMS
Tencent SMS, one number             set in console   LimitExceeded.PhoneNumberThirtySecondLimit / OneHourLimit /
                                                     DailyLimit; we apply the SMS default above (configurable)
Aliyun SendSms / SingleCallByTts    one number per   ours: each person's 认领 code differs (SendSms takes 1000
                                    request          numbers, SingleCallByTts one)
template variable (Aliyun)          20 characters    ours, conservative: each variable is length-limited
                                                     (isv.PARAM_LENGTH_LIMIT); the exact figure was not at hand
template variable (Tencent)         12 characters    ours, conservative, as remembered for Tencent's 个人认证
                                                     accounts' variables (not verified)
==================================  ===============  ==============================================================

The per-number limits are kept before sending (``per_number`` on the channel overrides them) and
seeded at start from the outbox's delivered rows (:mod:`~sentinel.notify.phone_history`), so a restart
does not forget the calls of the last day. A number held only by its one-a-minute window is a
retryable ``rate_limited`` failure with ``retry_after``: the rows come back together, and the outbox
merges the messages for the same numbers into one (``merges_per_recipient``). A number over its hour
or day limit fails as throttled, not retried: the escalation moves on to the next person or channel.

How the services' answers are classified (per number):

=========  =====================================  ==============================================
class      meaning                                what happens
=========  =====================================  ==============================================
ok         accepted (Aliyun ``Code == "OK"``,     sent; the id (BizId, CallId, SerialNo) in detail
           Tencent per-number ``Code == "Ok"``)
throttled  per-number frequency limit             ``rate_limited``, not retried: next person/channel
config     signature, template, key, balance...   refused/bad_*, not retried: operators are told
transient  system error, 5xx, timeout             one retry (SMS only once sure the first was not
                                                  accepted), then failed, not retried
=========  =====================================  ==============================================

HTTP 200 alone is never success: both services answer their refusals with 200 and a code in the body.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import httpx

from sentinel.notify.base import Delivery, Reason, check_now, guarded
from sentinel.notify.message import Message, grade_label, one_line
from sentinel.notify.rates import Rate, parse_rate

__all__ = [
    "SMS_LIMITS", "VOICE_LIMITS", "Answer", "PhoneLimits", "PhoneSender", "combine", "masked_phone", "out_id",
    "short", "sms_params", "tts_params",
]

VOICE_LIMITS: tuple[str, ...] = ("1/m", "5/h", "20/d")
SMS_LIMITS: tuple[str, ...] = ("1/m", "5/h", "10/d")
ALIYUN_VARIABLE = 20
TENCENT_VARIABLE = 12

Class = Literal["ok", "throttled", "config", "transient"]
Seen = Literal["accepted", "absent", "unknown"]


@dataclass(frozen=True, slots=True)
class Answer:
    """How one number went: its class, the reason a failure is counted under, and what the service said."""

    klass: Class
    detail: str
    reason: Reason | None = None
    ident: str = ""  # BizId / CallId / SerialNo when accepted
    retry_after: float | None = None  # a local minute hold: how long until the number may be called
    definite: bool = False  # a transient failure known not to have been accepted (safe to send again)

    @property
    def ok(self) -> bool:
        return self.klass == "ok"


def masked_phone(phone: str) -> str:
    """``138****0001``: enough to tell people apart in an operator's alert, not a directory."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def short(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    line = " ".join(one_line(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def sms_params(message: Message, phone: str, *, limit: int) -> dict[str, str]:
    """An SMS's template variables: ``title``, ``grade`` and the person's 认领 ``code``.

    The address the code goes with is fixed text in the registered template: Aliyun refuses a URL in
    a variable (``isv.PARAM_NOT_SUPPORT_URL``). The code is never cut; one too long for the service
    is refused as a configuration error.
    """
    ack = message.ack_for(phone=phone)
    return {"title": short(message.title, limit), "grade": short(grade_label(message.grade) or "-", limit),
            "code": ack.code if ack else "-"}


def tts_params(message: Message, *, limit: int) -> dict[str, str]:
    """A call's TTS variables: a short ``title`` and the ``grade``."""
    return {"title": short(message.title, limit), "grade": short(grade_label(message.grade) or "未定级", limit)}


def out_id(message: Message, phone: str) -> str:
    """The caller's id of one send (Aliyun ``OutId``, Tencent ``SessionContext``), returned in receipts:
    16 hex digits of the message's key and the number, so a retry can look for the first send."""
    return hashlib.sha256(f"{message.idempotency_key}\n{phone}".encode()).hexdigest()[:16]


class PhoneLimits:
    """Per-number sliding windows: "at most N sends to one number in any minute, hour or day"."""

    def __init__(self, rates: Sequence[Rate]) -> None:
        self._rates = sorted(rates, key=lambda rate: rate.period)
        self._longest = max((rate.period for rate in rates), default=timedelta(0))
        self._sent: dict[str, deque[datetime]] = {}

    @classmethod
    def parse(cls, texts: Iterable[str]) -> PhoneLimits:
        return cls([parse_rate(text) for text in texts])

    def seed(self, phone: str, at: datetime) -> None:
        """Count a send made before this process started (from the store)."""
        times = self._sent.setdefault(phone, deque())
        times.append(at)
        if len(times) > 1 and times[-2] > at:
            self._sent[phone] = deque(sorted(times))

    def take(self, phone: str, now: datetime) -> None:
        self._sent.setdefault(phone, deque()).append(now)

    def blocked(self, phone: str, now: datetime) -> tuple[Rate, datetime] | None:
        """The window ``phone`` is over at ``now``, and when it frees; None when it may be sent to."""
        times = self._sent.get(phone)
        if not times:
            return None
        while times and times[0] <= now - self._longest:
            times.popleft()
        worst: tuple[Rate, datetime] | None = None
        for rate in self._rates:
            recent = [at for at in times if at > now - rate.period]
            if len(recent) >= rate.count:
                frees = recent[-rate.count] + rate.period
                if worst is None or frees > worst[1]:
                    worst = (rate, frees)
        return worst


def _period_zh(period: timedelta) -> str:
    seconds = period.total_seconds()
    return {1: "秒", 60: "分钟", 3600: "小时", 86400: "天"}.get(int(seconds), f"{int(seconds)}秒")


def local_hold(limits: PhoneLimits, phone: str, now: datetime) -> Answer | None:
    """The answer for a number our own limits hold, or None when it may be sent to."""
    held = limits.blocked(phone, now)
    if held is None:
        return None
    rate, frees = held
    wait = max((frees - now).total_seconds(), 1.0)
    detail = (f"per-number limit {rate.count}/{_period_zh(rate.period)} reached "
              f"(free again in {int(wait)} s)")
    if rate.period <= timedelta(minutes=1):
        return Answer("throttled", detail, "rate_limited", retry_after=wait)
    return Answer("throttled", detail, "rate_limited")


def combine(answers: dict[str, Answer]) -> Delivery:
    """One delivery for a message's numbers: sent when every number was accepted.

    A message some numbers accepted is not retried (the service does not de-duplicate): the failed
    numbers are named in the detail, and the failure goes on as refused (operators, fallback). Only
    when every number is merely inside its one-minute window does the message wait and come back.
    """
    accepted = {phone: a for phone, a in answers.items() if a.ok}
    failed = {phone: a for phone, a in answers.items() if not a.ok}
    if not failed:
        return Delivery.sent("; ".join(f"{masked_phone(p)} {a.ident}".strip() for p, a in accepted.items()))
    detail = "; ".join(f"{masked_phone(p)}: {a.detail}" for p, a in failed.items())
    if accepted:
        detail += "; accepted: " + ", ".join(masked_phone(p) for p in accepted)
    waits = [a.retry_after for a in failed.values()]
    if not accepted and all(wait is not None for wait in waits):
        return Delivery.failed("rate_limited", detail, retryable=True,
                               retry_after=max(wait for wait in waits if wait is not None))
    order: tuple[Reason, ...] = ("bad_signature", "bad_token", "refused", "bad_request", "too_large",
                                 "rate_limited", "server_error", "timeout", "connection", "internal")
    reasons = {a.reason or "internal" for a in failed.values()}
    reason = next(r for r in order if r in reasons)
    return Delivery.failed(reason, detail, retryable=False)


class PhoneSender:
    """One SMS or voice channel: each number of a message in turn, within its per-number limits.

    Subclasses set ``kind`` and implement :meth:`_one` (one number, one request, classified). Keys
    are held here and never shown: ``repr`` names the channel only.
    """

    kind = "phone"
    #: the outbox merges this channel's messages for the same numbers claimed together into one
    merges_per_recipient = True

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, limits: PhoneLimits,
                 timeout: float | None = None) -> None:
        self.channel_id = channel_id
        self._url = url
        self._client = client
        self.limits = limits
        self._timeout = timeout

    def __repr__(self) -> str:  # never a key
        return f"{type(self).__name__}({self.channel_id!r})"

    async def send(self, message: Message, *, now: datetime) -> Delivery:
        return await guarded(self.channel_id, lambda: self._send(message, check_now(now)))

    async def _send(self, message: Message, now: datetime) -> Delivery:
        numbers = list(dict.fromkeys(message.mentions))
        if not numbers:
            return Delivery.failed(
                "bad_request", f"no phone number to {'call' if 'voice' in self.kind else 'text'}: nobody this "
                "message is for has a phone in the roster (roster: phone)", retryable=False)
        answers: dict[str, Answer] = {}
        for phone in numbers:
            held = local_hold(self.limits, phone, now)
            if held is not None:
                answers[phone] = held
                continue
            answer = await self._one(message, phone, now)
            if answer.klass == "transient":
                seen = "absent" if answer.definite else await self._receipt(message, phone, now)
                if seen == "accepted":
                    answer = Answer("ok", f"accepted (the receipt shows it after: {answer.detail})")
                elif seen == "absent":
                    answer = await self._one(message, phone, now)  # the one retry
            if answer.ok or answer.klass == "transient":
                # a transient failure may still have reached the phone: count it against the limit
                self.limits.take(phone, now)
            answers[phone] = answer
        return combine(answers)

    async def _one(self, message: Message, phone: str, now: datetime) -> Answer:
        raise NotImplementedError

    async def _receipt(self, message: Message, phone: str, now: datetime) -> Seen:
        """After a transient failure that may have reached the service: was the send accepted? By
        default the channel cannot tell (``unknown``), and does not send again: it is not idempotent."""
        return "unknown"

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response | Answer:
        """One POST; a transport failure comes back as a transient :class:`Answer` (no URL in it)."""
        try:
            return await self._client.post(
                url, content=body, headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if self._timeout is None else self._timeout)
        except httpx.TimeoutException as exc:
            cause = exc.__cause__
            if isinstance(cause, ConnectionRefusedError):
                return Answer("transient", f"connection refused ({type(cause).__name__})", "connection",
                              definite=True)
            if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
                return Answer("transient", f"connection failed ({type(cause).__name__})", "connection")
            return Answer("transient", f"no answer in time ({type(exc).__name__})", "timeout")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return Answer("config", f"unusable URL ({type(exc).__name__})", "bad_request")
        except httpx.ConnectError as exc:  # never reached the service
            return Answer("transient", f"connection failed ({type(exc).__name__})", "connection", definite=True)
        except httpx.TransportError as exc:
            return Answer("transient", f"connection failed ({type(exc).__name__})", "connection")


def body_json(response: httpx.Response) -> dict[str, object] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def json_compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
