"""Tencent Cloud SMS (腾讯云短信 ``SendSms``, API 3.0, 2021-01-11) and voice notification (语音消息
``SendTtsVoice``, 2020-09-02), signed TC3-HMAC-SHA256 (:mod:`~sentinel.notify.signing`).

Requests (JSON POSTed to ``/``; headers ``X-TC-Action``, ``X-TC-Version``, ``X-TC-Region``,
``X-TC-Timestamp``, ``Authorization``; shapes as in Nightingale's ``tencent_sms_provider.go`` and
``tencent_voice_provider.go``)::

    sms.tencentcloudapi.com  {"PhoneNumberSet":["+86138…"],"SmsSdkAppId":"1400…","SignName":"…",
                              "TemplateId":"…","TemplateParamSet":[title, grade, code],"SessionContext":"<16 hex>"}
    vms.tencentcloudapi.com  {"TemplateId":"…","CalledNumber":"+86138…","VoiceSdkAppid":"1400…",
                              "TemplateParamSet":[title, grade],"PlayTimes":2,"SessionContext":"<incident>:<phone>"}

Errors come with HTTP 200, as ``Response.Error.{Code,Message}``; an SMS's per-number result is
``Response.SendStatusSet[].Code``, and only ``"Ok"`` is success. A call is accepted when
``Response.SendStatus.CallId`` is there and no error is. The codes (Tencent's SMS error-code page):

==============================================  =========  =============  ===================================
Code                                            class      reason         note
==============================================  =========  =============  ===================================
Ok                                              ok                        SerialNo / CallId in the detail
LimitExceeded.PhoneNumber{ThirtySecond,OneHour,  throttled  rate_limited   per number: next person or channel
Daily,SameContentDaily}Limit
LimitExceeded.DeliveryFrequencyLimit,           config     refused        app-level caps: operators
AppDailyLimit; FailedOperation.PhoneNumber-
InBlacklist, InsufficientBalanceInSmsPackage;
UnauthorizedOperation.RequestIpNotInWhitelist
AuthFailure.SignatureFailure, …SignatureExpire  config     bad_signature  often clock skew (5 minutes allowed)
AuthFailure.SecretIdNotFound, …InvalidSecretId  config     bad_token      (recalled)
RequestLimitExceeded                            transient  rate_limited   API QPS (recalled)
InternalError*, HTTP 5xx, timeout               transient  server_error   one retry, only when the service
                                                                          said so or nothing was sent
everything else                                 config     bad_request
==============================================  =========  =============  ===================================

Tencent offers no lookup of one send by ``SessionContext`` (``PullSmsSendStatus`` pulls receipts as
they come), so an SMS or call that timed out is not sent again: it fails, and the operators' alert
and the fallback channel take over.

Templates to register: SMS ``舆情告警：{1}（{2}），请尽快处理。认领码{3}，一键认领 https://…/ack`` (three
variables, in that order); voice ``舆情告警：{1}，{2}，请尽快登录系统处理。``
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from sentinel.notify.message import Message
from sentinel.notify.phone import (
    TENCENT_VARIABLE,
    Answer,
    PhoneLimits,
    PhoneSender,
    body_json,
    out_id,
    sms_params,
    tts_params,
)
from sentinel.notify.signing import tc3_authorization

__all__ = ["SMS_URL", "VOICE_URL", "TencentSmsSender", "TencentVoiceSender", "classify_code", "e164"]

SMS_URL = "https://sms.tencentcloudapi.com/"
VOICE_URL = "https://vms.tencentcloudapi.com/"

_REFUSED = frozenset({
    "LimitExceeded.DeliveryFrequencyLimit", "LimitExceeded.AppDailyLimit", "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.InsufficientBalanceInSmsPackage", "UnauthorizedOperation.RequestIpNotInWhitelist",
})


def e164(phone: str) -> str:
    """``+8613800000001`` for a bare mainland number; a number with ``+`` as it is."""
    return phone if phone.startswith("+") else f"+86{phone}"


def classify_code(code: str, said: str) -> Answer:
    """One Tencent code, from ``Response.Error`` or a per-number status (see the module docstring)."""
    if code == "Ok":
        return Answer("ok", said)
    if code.startswith("LimitExceeded.PhoneNumber") and code != "LimitExceeded.PhoneNumberCountLimit":
        return Answer("throttled", said, "rate_limited")
    if code in _REFUSED:
        return Answer("config", said, "refused")
    if code.startswith(("AuthFailure.Signature", "AuthFailure.InvalidAuthorization")):
        return Answer("config", said, "bad_signature")
    if code.startswith("AuthFailure"):
        return Answer("config", said, "bad_token")
    if code == "RequestLimitExceeded":
        return Answer("transient", said, "rate_limited", definite=True)
    if code.startswith("InternalError"):
        return Answer("transient", said, "server_error", definite=True)
    return Answer("config", said, "bad_request")


def _answer(status: int, body: Mapping[str, object] | None, result: str) -> tuple[Mapping[str, object], Answer | None]:
    """The ``Response`` object and, when the whole request failed, its answer."""
    response = body.get("Response") if body else None
    if not isinstance(response, dict):
        if status >= 500:
            return {}, Answer("transient", f"HTTP {status}", "server_error")
        return {}, Answer("config", f"HTTP {status} without a Response: not a Tencent Cloud answer", "bad_request")
    error = response.get("Error")
    if isinstance(error, dict):
        code = str(error.get("Code", ""))
        return response, classify_code(code, f"{code}: {str(error.get('Message', ''))[:160]}")
    if result not in response:
        return response, Answer("config", f"HTTP {status}: no {result} in the answer", "bad_request")
    return response, None


class _TencentSender(PhoneSender):
    service = ""
    action = ""
    version = ""

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, secret_id: str, secret_key: str,
                 sdk_app_id: str, template_id: str, region: str, limits: PhoneLimits,
                 timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, limits=limits, timeout=timeout)
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app = sdk_app_id
        self._template = template_id
        self._region = region

    async def _call(self, document: dict[str, object], now: datetime) -> httpx.Response | Answer:
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        host = urlsplit(self._url).netloc
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json", "Host": host, "X-TC-Action": self.action,
            "X-TC-Version": self.version, "X-TC-Region": self._region, "X-TC-Timestamp": str(timestamp),
            "Authorization": tc3_authorization(secret_id=self._secret_id, secret_key=self._secret_key,
                                               service=self.service, host=host, action=self.action,
                                               timestamp=timestamp, payload=payload),
        }
        return await self._post(self._url, payload, headers)


class TencentSmsSender(_TencentSender):
    """``SendSms``, one number per request; the variables ``[title, grade, code]``."""

    kind = "tencent_sms"
    service, action, version = "sms", "SendSms", "2021-01-11"

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, secret_id: str, secret_key: str,
                 sdk_app_id: str, sign_name: str, template_id: str, region: str, limits: PhoneLimits,
                 timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, secret_id=secret_id, secret_key=secret_key, sdk_app_id=sdk_app_id,
                         template_id=template_id, region=region, limits=limits, timeout=timeout)
        self._sign_name = sign_name

    async def _one(self, message: Message, phone: str, now: datetime) -> Answer:
        params = sms_params(message, phone, limit=TENCENT_VARIABLE)
        sent = await self._call({
            "PhoneNumberSet": [e164(phone)], "SmsSdkAppId": self._app, "SignName": self._sign_name,
            "TemplateId": self._template, "TemplateParamSet": [params["title"], params["grade"], params["code"]],
            "SessionContext": out_id(message, phone),
        }, now)
        if isinstance(sent, Answer):
            return sent
        response, failed = _answer(sent.status_code, body_json(sent), "SendStatusSet")
        if failed is not None:
            return failed
        statuses = response.get("SendStatusSet")
        mine = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
        if not mine:
            return Answer("config", "an empty SendStatusSet", "bad_request")
        code = str(mine[0].get("Code", ""))
        answer = classify_code(code, f"{code}: {str(mine[0].get('Message', ''))[:160]}")
        return Answer("ok", answer.detail, ident=str(mine[0].get("SerialNo", ""))) if answer.ok else answer


class TencentVoiceSender(_TencentSender):
    """``SendTtsVoice``: one call per number, the variables ``[title, grade]``."""

    kind = "tencent_voice"
    service, action, version = "vms", "SendTtsVoice", "2020-09-02"

    def __init__(self, channel_id: str, url: str, client: httpx.AsyncClient, *, secret_id: str, secret_key: str,
                 sdk_app_id: str, template_id: str, region: str, limits: PhoneLimits, play_times: int = 2,
                 timeout: float | None = None) -> None:
        super().__init__(channel_id, url, client, secret_id=secret_id, secret_key=secret_key, sdk_app_id=sdk_app_id,
                         template_id=template_id, region=region, limits=limits, timeout=timeout)
        self._play_times = play_times

    async def _one(self, message: Message, phone: str, now: datetime) -> Answer:
        params = tts_params(message, limit=TENCENT_VARIABLE)
        sent = await self._call({
            "TemplateId": self._template, "CalledNumber": e164(phone), "VoiceSdkAppid": self._app,
            "TemplateParamSet": [params["title"], params["grade"]], "PlayTimes": self._play_times,
            "SessionContext": f"{message.incident_id or '-'}:{phone}",
        }, now)
        if isinstance(sent, Answer):
            return sent
        response, failed = _answer(sent.status_code, body_json(sent), "SendStatus")
        if failed is not None:
            return failed
        status = response.get("SendStatus")
        call_id = status.get("CallId") if isinstance(status, dict) else None
        if not call_id:
            return Answer("config", "SendStatus without a CallId", "bad_request")
        return Answer("ok", "accepted", ident=str(call_id))

