"""Aliyun SMS (阿里云短信 ``SendSms``) and voice notification (语音通知 ``SingleCallByTts``, or ``IvrCall``
when the channel has an ``ivr:`` menu, so that pressing 1 acknowledges).

Requests (dysmsapi / dyvmsapi, version 2017-05-25; help.aliyun.com/document_detail/55284.html,
/document_detail/55315.html, /document_detail/393521.html), every business parameter in the query,
empty body, signed ACS3-HMAC-SHA256 (:mod:`~sentinel.notify.signing`)::

    POST https://dysmsapi.aliyuncs.com/?PhoneNumbers=138…&SignName=…&TemplateCode=SMS_…
         &TemplateParam={"title":…,"grade":…,"code":…}&OutId=<16 hex>
    POST https://dyvmsapi.aliyuncs.com/?CalledNumber=138…&TtsCode=TTS_…&TtsParam={"title":…,"grade":…}
         &PlayTimes=2&OutId=<incident>:<phone>[&CalledShowNumber=…]
    POST https://dyvmsapi.aliyuncs.com/?CalledNumber=…&StartCode=TTS_…&StartTtsParams={…}
         &MenuKeyMap.1.Key=1&MenuKeyMap.1.Code=TTS_…&PlayTimes=2&Timeout=…&OutId=<incident>:<phone>

Success is ``Code == "OK"`` in the body, never HTTP 200 alone: throttling and every business error
come back with 200. The codes (reference: help.aliyun.com SMS error codes; the throttle messages as
seen in real answers, e.g. ``{"Message":"触发小时级流控Permits:5","Code":"isv.BUSINESS_LIMIT_CONTROL"}``):

==================================  =========  ==============  ==========================================
Code                                class      reason          note
==================================  =========  ==============  ==========================================
OK                                  ok                         BizId / CallId recorded in the detail
isv.BUSINESS_LIMIT_CONTROL          throttled  rate_limited    per number: next person or channel
isv.DAY_LIMIT_CONTROL, MONTH_…      config     refused         account cap: operators
isv.AMOUNT_NOT_ENOUGH, OUT_OF_…     config     refused         余额不足 / 业务停机: operators
isv.DENY_IP_RANGE                   config     refused         source IP not allowed
isv.BLACK_KEY_CONTROL_LIMIT         config     refused         banned keyword in a variable
isv.SMS_SIGNATURE_ILLEGAL, …        config     bad_request     signature/template/params (and every
                                                               code not listed here)
SignatureDoesNotMatch,              config     bad_signature   Aliyun's common API errors (recalled)
IncompleteSignature
InvalidAccessKeyId.*                config     bad_token       (recalled)
Throttling*                         transient  rate_limited    API QPS, not per number (recalled)
isp.SYSTEM_ERROR, HTTP 5xx,         transient  server_error /  one retry; SMS only after QuerySendDetails
timeout                                        timeout         (by number, date and OutId) finds no send
==================================  =========  ==============  ==========================================

SendSms is not idempotent (the docs: check the receipt before retrying after a timeout). A voice call
that timed out may be ringing: it is retried only when the service said it failed, or the
connection was never made.

SMS template to register (通知 type), its variables exactly ``title``, ``grade``, ``code``, the address
fixed in the text, for example::

    【签名】舆情告警：${title}（${grade}），请尽快处理。认领码 ${code}，一键认领 https://sentinel.example.gov.cn/ack

TTS template (语音通知): ``舆情告警：${title}，${grade}，请尽快登录系统处理。`` For ``ivr:`` the start
template says "…认领请按1", and ``ack_code`` is the one played after the key ("已认领，谢谢").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from sentinel.notify.message import Message
from sentinel.notify.phone import (
    ALIYUN_VARIABLE,
    Answer,
    PhoneLimits,
    PhoneSender,
    Seen,
    body_json,
    json_compact,
    out_id,
    sms_params,
    tts_params,
)
from sentinel.notify.signing import acs3_authorization, acs3_canonical_query, iso_utc

__all__ = ["SMS_URL", "VOICE_URL", "AliyunSmsSender", "AliyunVoiceSender", "IvrMenu", "classify", "voice_out_id"]

SMS_URL = "https://dysmsapi.aliyuncs.com/"
VOICE_URL = "https://dyvmsapi.aliyuncs.com/"
VERSION = "2017-05-25"
_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_CHINA = ZoneInfo("Asia/Shanghai")  # SendDate of QuerySendDetails is Beijing's date

_REFUSED = frozenset({
    "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE",
    "isv.DENY_IP_RANGE", "isv.BLACK_KEY_CONTROL_LIMIT",
})


def classify(status: int, body: Mapping[str, object] | None) -> Answer:
    """One Aliyun answer (see the module docstring's table)."""
    code = str(body.get("Code", "")) if body else ""
    said = f"{code}: {str(body.get('Message', ''))[:160]}" if body and code else f"HTTP {status}"
    if code == "OK":
        ident = str(body.get("BizId") or body.get("CallId") or "") if body else ""
        return Answer("ok", said, ident=ident)
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        return Answer("throttled", said, "rate_limited")
    if code in _REFUSED:
        return Answer("config", said, "refused")
    if code in ("SignatureDoesNotMatch", "IncompleteSignature") or code.startswith("SignatureNonceUsed"):
        return Answer("config", said, "bad_signature")
    if code.startswith("InvalidAccessKeyId") or code == "Forbidden.AccessKeyDisabled":
        return Answer("config", said, "bad_token")
    if code.startswith("Throttling"):
        return Answer("transient", said, "rate_limited", definite=True)
    if code == "isp.SYSTEM_ERROR" or code.startswith(("InternalError", "ServiceUnavailable")):
        return Answer("transient", said, "server_error", definite=True)
    if not code and status >= 500:
        return Answer("transient", said, "server_error")
    if not code:
        return Answer("config", f"{said} without a Code: not an Aliyun answer", "bad_request")
    return Answer("config", said, "bad_request")


class _AliyunSender(PhoneSender):
    """Signs and posts one RPC-style call; the AccessKey pair is held here and never shown."""

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, key_id: str, key_secret: str,
                 limits: PhoneLimits, timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, limits=limits, timeout=timeout)
        self._key_id = key_id
        self._key_secret = key_secret

    async def _call(self, action: str, params: dict[str, str], now: datetime) -> httpx.Response | Answer:
        parts = urlsplit(self._url)
        path = parts.path or "/"
        headers = {
            "host": parts.netloc,
            "x-acs-action": action,
            "x-acs-version": VERSION,
            "x-acs-date": iso_utc(now),
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-content-sha256": _EMPTY_SHA256,
        }
        headers["Authorization"] = acs3_authorization(
            key_id=self._key_id, secret=self._key_secret, method="POST", path=path, params=params,
            headers=headers, body=b"")
        url = f"{parts.scheme}://{parts.netloc}{path}?{acs3_canonical_query(params)}"
        return await self._post(url, b"", headers)

    async def _action(self, action: str, params: dict[str, str], now: datetime) -> Answer:
        response = await self._call(action, params, now)
        if isinstance(response, Answer):
            return response
        return classify(response.status_code, body_json(response))


class AliyunSmsSender(_AliyunSender):
    """``SendSms``, one number per request, the 认领 code as the ``code`` variable."""

    kind = "aliyun_sms"

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, key_id: str, key_secret: str,
                 sign_name: str, template_code: str, limits: PhoneLimits, timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, key_id=key_id, key_secret=key_secret, limits=limits,
                         timeout=timeout)
        self._sign_name = sign_name
        self._template_code = template_code

    async def _one(self, message: Message, phone: str, now: datetime) -> Answer:
        return await self._action("SendSms", {
            "PhoneNumbers": phone, "SignName": self._sign_name, "TemplateCode": self._template_code,
            "TemplateParam": json_compact(sms_params(message, phone, limit=ALIYUN_VARIABLE)),
            "OutId": out_id(message, phone),
        }, now)

    async def _receipt(self, message: Message, phone: str, now: datetime) -> Seen:
        """``QuerySendDetails`` for the number and today's date: is there a send carrying our OutId?"""
        response = await self._call("QuerySendDetails", {
            "PhoneNumber": phone, "SendDate": now.astimezone(_CHINA).strftime("%Y%m%d"),
            "PageSize": "50", "CurrentPage": "1",
        }, now)
        if isinstance(response, Answer):
            return "unknown"
        body = body_json(response)
        details = body.get("SmsSendDetailDTOs") if body and body.get("Code") == "OK" else None
        rows = details.get("SmsSendDetailDTO") if isinstance(details, dict) else None
        if not isinstance(rows, list):
            return "unknown"
        ours = out_id(message, phone)
        return "accepted" if any(isinstance(row, dict) and row.get("OutId") == ours for row in rows) else "absent"


def voice_out_id(message: Message, phone: str) -> str:
    """A call's OutId, ``<incident>:<phone>``: the IVR callback names the incident and who was called."""
    return f"{message.incident_id or '-'}:{phone}"


class IvrMenu:
    """An ``IvrCall`` menu: ``start_code`` read first ("…认领请按1"), key 1 plays ``ack_code``."""

    def __init__(self, start_code: str, ack_code: str, timeout_ms: int = 30_000) -> None:
        self.start_code = start_code
        self.ack_code = ack_code
        self.timeout_ms = timeout_ms


class AliyunVoiceSender(_AliyunSender):
    """``SingleCallByTts`` (read the TTS template) or, with an :class:`IvrMenu`, ``IvrCall``."""

    kind = "aliyun_voice"

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, key_id: str, key_secret: str,
                 tts_code: str, called_show_number: str | None, limits: PhoneLimits, ivr: IvrMenu | None = None,
                 play_times: int = 2, timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, key_id=key_id, key_secret=key_secret, limits=limits,
                         timeout=timeout)
        self._tts_code = tts_code
        self._show = called_show_number
        self._ivr = ivr
        self._play_times = play_times

    async def _one(self, message: Message, phone: str, now: datetime) -> Answer:
        tts = json_compact(tts_params(message, limit=ALIYUN_VARIABLE))
        params = {"CalledNumber": phone, "PlayTimes": str(self._play_times), "OutId": voice_out_id(message, phone)}
        if self._show:
            params["CalledShowNumber"] = self._show  # left out in 公共模式
        if self._ivr is None:
            return await self._action("SingleCallByTts", {**params, "TtsCode": self._tts_code, "TtsParam": tts}, now)
        return await self._action("IvrCall", {
            **params, "StartCode": self._ivr.start_code, "StartTtsParams": tts,
            "MenuKeyMap.1.Key": "1", "MenuKeyMap.1.Code": self._ivr.ack_code,
            "Timeout": str(self._ivr.timeout_ms),
        }, now)
