"""Loopback fakes of Aliyun SMS/voice (dysmsapi, dyvmsapi) and Tencent Cloud SMS/voice (sms, vms).

Each recomputes the request's signature from the service's published recipe — ACS3-HMAC-SHA256 and
TC3-HMAC-SHA256, written out again here, sharing no code with ``sentinel.notify`` — and refuses a
wrong one the way the service does. Both answer business errors with HTTP 200 and a code in the
body, as the real services do (throttling included). Knobs: ``throttled`` numbers, ``fail_next``
system errors, ``delay`` (a read timeout), ``accept_then_delay`` (accepted, then too slow to answer:
what makes SendSms dangerous to retry blindly).

For the escalation tests too: :func:`aliyun_voice_report` builds the IVR callback body Aliyun
posts after a call (the key pressed, whether it was answered).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tests.support.server import LoopbackServer, Request, Route

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI5tFakeKeyId", "aliyun-secret-value-0123456789"
TENCENT_ID, TENCENT_KEY = "AKIDfakeSecretId", "tencent-secret-key-0123456789"


def _json(data: dict[str, Any], status: int = 200) -> Route:
    return Route(json.dumps(data, ensure_ascii=False).encode("utf-8"), status, {"Content-Type": "application/json"})


@dataclass
class Sent:
    """One accepted SMS or call."""

    action: str
    phone: str
    params: dict[str, Any]
    ident: str
    out_id: str = ""


@dataclass
class _Knobs:
    throttled: set[str] = field(default_factory=set)  # numbers answered with the per-number limit code
    fail_next: int = 0  # requests answered with the service's system error
    delay: float = 0.0  # seconds before answering a send (nothing accepted)
    accept_then_delay: float = 0.0  # accept the send, then answer this late
    accepted: list[Sent] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # the action of every request that reached us
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Any = field(default_factory=lambda: itertools.count(1))


class FakeAliyun(_Knobs):
    """``POST <path>?<params>`` like dysmsapi/dyvmsapi.aliyuncs.com (API version 2017-05-25)."""

    def __init__(self, server: LoopbackServer, *, path: str = "/aliyun/", now: datetime,
                 key_id: str = ALIYUN_KEY_ID, secret: str = ALIYUN_SECRET) -> None:
        super().__init__()
        self.server, self.path, self.now, self.key_id, self.secret = server, path, now, key_id, secret
        self.nonces: set[str] = set()
        server.routes[path] = self.handle

    def url(self) -> str:
        return self.server.url(self.path)

    @staticmethod
    def _pe(text: str) -> str:
        return quote(text, safe="-_.~")

    def _signature_problem(self, request: Request) -> Route | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return _json({"Code": "IncompleteSignature", "Message": "The request signature does not conform to Aliyun standards."}, 400)
        fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 "):].split(","))
        if fields.get("Credential") != self.key_id:
            return _json({"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}, 404)
        names = fields.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce",
                "x-acs-version"} <= set(names):
            return _json({"Code": "IncompleteSignature", "Message": "missing signed headers"}, 400)
        if request.headers.get("x-acs-content-sha256") != hashlib.sha256(request.body).hexdigest():
            return _json({"Code": "SignatureDoesNotMatch", "Message": "content sha256 mismatch"}, 400)
        when = datetime.strptime(request.headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((when - self.now).total_seconds()) > 900:
            return _json({"Code": "InvalidTimeStamp.Expired", "Message": "Specified time stamp or date value is expired."}, 400)
        query = "&".join(sorted(f"{self._pe(k)}={self._pe(v[0])}" for k, v in request.query.items()))
        headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in sorted(names))
        canonical = "\n".join([request.method, request.path, query, headers, ";".join(sorted(names)),
                               hashlib.sha256(request.body).hexdigest()])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return _json({"Code": "SignatureDoesNotMatch",
                          "Message": "Specified signature is not matched with our calculation."}, 400)
        nonce = request.headers.get("x-acs-signature-nonce", "")
        if nonce in self.nonces:
            return _json({"Code": "SignatureNonceUsed", "Message": "Specified signature nonce was used already."}, 400)
        self.nonces.add(nonce)
        return None

    def handle(self, request: Request) -> Route:
        with self.lock:
            action = request.headers.get("x-acs-action", "")
            self.requests.append(action)
            refused = self._signature_problem(request)
            if refused is not None:
                return refused
            params = {k: v[0] for k, v in request.query.items()}
            if action == "QuerySendDetails":
                rows = [{"PhoneNum": s.phone, "OutId": s.out_id, "SendStatus": 3, "Content": "…"}
                        for s in self.accepted if s.action == "SendSms" and s.phone == params.get("PhoneNumber")]
                return _json({"Code": "OK", "Message": "OK", "TotalCount": len(rows), "RequestId": "q",
                              "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}})
            if self.delay:
                return Route(b"{}", 200, {"Content-Type": "application/json"}, delay=self.delay)
            if self.fail_next:
                self.fail_next -= 1
                return _json({"Code": "isp.SYSTEM_ERROR", "Message": "isp.SYSTEM_ERROR", "RequestId": "e"})
            return self._business(action, params)

    def _business(self, action: str, params: dict[str, str]) -> Route:
        phone = params.get("PhoneNumbers") or params.get("CalledNumber") or ""
        if action == "SendSms":
            required, variables = ("PhoneNumbers", "SignName", "TemplateCode", "TemplateParam"), "TemplateParam"
        elif action == "SingleCallByTts":
            required, variables = ("CalledNumber", "TtsCode"), "TtsParam"
        elif action == "IvrCall":
            required, variables = ("CalledNumber", "CalledShowNumber", "StartCode", "MenuKeyMap.1.Key"), "StartTtsParams"
        else:
            return _json({"Code": "InvalidAction.NotFound", "Message": f"Specified api {action} is not found"}, 404)
        if any(not params.get(name) for name in required):
            return _json({"Code": "MissingParameter", "Message": "a required parameter is missing"}, 400)
        try:
            values = json.loads(params.get(variables) or "{}")
        except ValueError:
            return _json({"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法，只接受字符串值"})
        if any("://" in str(value) for value in values.values()):
            return _json({"Code": "isv.PARAM_NOT_SUPPORT_URL", "Message": "不支持URL"})
        if any(len(str(value)) > 35 for value in values.values()):
            return _json({"Code": "isv.PARAM_LENGTH_LIMIT", "Message": "参数超出长度限制"})
        if phone in self.throttled:
            return _json({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控Permits:5", "RequestId": "t"})
        ident = f"{next(self.ids):06d}^{1000 + len(self.accepted)}"
        self.accepted.append(Sent(action, phone, {**params, "_variables": values}, ident, params.get("OutId", "")))
        answer = {"Code": "OK", "Message": "OK", "RequestId": "r"}
        answer["BizId" if action == "SendSms" else "CallId"] = ident
        route = _json(answer)
        route.delay = self.accept_then_delay
        return route


class FakeTencent(_Knobs):
    """``POST /`` with JSON like sms.tencentcloudapi.com (SendSms) and vms.tencentcloudapi.com (SendTtsVoice)."""

    def __init__(self, server: LoopbackServer, *, service: str, path: str | None = None, now: datetime,
                 secret_id: str = TENCENT_ID, secret_key: str = TENCENT_KEY) -> None:
        super().__init__()
        self.server, self.service, self.now = server, service, now
        self.path = path or f"/tencent-{service}/"
        self.secret_id, self.secret_key = secret_id, secret_key
        server.routes[self.path] = self.handle

    def url(self) -> str:
        return self.server.url(self.path)

    @staticmethod
    def _error(code: str, message: str) -> Route:
        return _json({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "err"}})

    def _signature_problem(self, request: Request) -> Route | None:
        auth = request.headers.get("authorization", "")
        prefix = "TC3-HMAC-SHA256 Credential="
        if not auth.startswith(prefix):
            return self._error("AuthFailure.InvalidAuthorization", "Authorization不符合腾讯云标准")
        credential, _, rest = auth[len(prefix):].partition(", SignedHeaders=")
        signed, _, signature = rest.partition(", Signature=")
        secret_id, _, scope = credential.partition("/")
        if secret_id != self.secret_id:
            return self._error("AuthFailure.SecretIdNotFound", "密钥不存在")
        timestamp = int(request.headers.get("x-tc-timestamp", "0"))
        if abs(timestamp - self.now.timestamp()) > 300:
            return self._error("AuthFailure.SignatureExpire", "签名过期。Timestamp 和服务器时间相差不得超过五分钟")
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        if scope != f"{date}/{self.service}/tc3_request" or signed != "content-type;host;x-tc-action":
            return self._error("AuthFailure.SignatureFailure", "credential scope or signed headers do not match")
        headers = (f"content-type:{request.headers.get('content-type', '')}\nhost:{request.headers.get('host', '')}\n"
                   f"x-tc-action:{request.headers.get('x-tc-action', '').lower()}\n")
        canonical = f"POST\n/\n\n{headers}\n{signed}\n{hashlib.sha256(request.body).hexdigest()}"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

        def mac(key: bytes, text: str) -> bytes:
            return hmac.new(key, text.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(("TC3" + self.secret_key).encode(), date), self.service), "tc3_request")
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature):
            return self._error("AuthFailure.SignatureFailure",
                               "The provided credentials could not be validated. Please check your signature is correct.")
        return None

    def handle(self, request: Request) -> Route:
        with self.lock:
            action = request.headers.get("x-tc-action", "")
            self.requests.append(action)
            refused = self._signature_problem(request)
            if refused is not None:
                return refused
            if self.delay:
                return Route(b"{}", 200, {"Content-Type": "application/json"}, delay=self.delay)
            if self.fail_next:
                self.fail_next -= 1
                return self._error("InternalError.Timeout", "请求下发短信超时")
            document = json.loads(request.body)
            if action == "SendSms" and self.service == "sms":
                return self._sms(document)
            if action == "SendTtsVoice" and self.service == "vms":
                return self._voice(document)
            return self._error("InvalidAction", f"接口{action}不存在")

    def _sms(self, document: dict[str, Any]) -> Route:
        for name in ("PhoneNumberSet", "SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet"):
            if not document.get(name):
                return self._error("MissingParameter", f"缺少参数 {name}")
        statuses = []
        for phone in document["PhoneNumberSet"]:
            serial = f"2640:{next(self.ids)}"
            if phone in self.throttled:
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": "LimitExceeded.PhoneNumberDailyLimit",
                                 "Message": "the number of SMS messages sent from a single mobile number every day exceeds the upper limit",
                                 "IsoCode": "CN"})
                continue
            self.accepted.append(Sent("SendSms", phone, document, serial, document.get("SessionContext", "")))
            statuses.append({"SerialNo": serial, "PhoneNumber": phone, "Fee": 1,
                             "SessionContext": document.get("SessionContext", ""), "Code": "Ok",
                             "Message": "send success", "IsoCode": "CN"})
        route = _json({"Response": {"SendStatusSet": statuses, "RequestId": "r"}})
        route.delay = self.accept_then_delay
        return route

    def _voice(self, document: dict[str, Any]) -> Route:
        for name in ("TemplateId", "CalledNumber", "VoiceSdkAppid"):
            if not document.get(name):
                return self._error("MissingParameter", f"缺少参数 {name}")
        phone = document["CalledNumber"]
        if phone in self.throttled:
            return self._error("LimitExceeded.PhoneNumberOneHourLimit", "单个手机号1小时内呼叫次数超过限制")
        call_id = f"{next(self.ids)}-tts"
        self.accepted.append(Sent("SendTtsVoice", phone, document, call_id, document.get("SessionContext", "")))
        route = _json({"Response": {"SendStatus": {"CallId": call_id, "SessionContext": document.get("SessionContext", "")},
                                    "RequestId": "r"}})
        route.delay = self.accept_then_delay
        return route


def aliyun_voice_report(*, call_id: str, out_id: str, dtmf: str | None, answered: bool = True,
                        callee: str | None = None) -> list[dict[str, Any]]:
    """The body Aliyun posts to a voice channel's HTTP callback after an IVR call (a JSON list of reports)."""
    report: dict[str, Any] = {
        "call_id": call_id, "out_id": out_id, "status_code": "200000" if answered else "200005",
        "status_msg": "用户听完语音" if answered else "用户未接听", "duration": 18 if answered else 0,
        "start_time": "2026-11-20 03:00:01", "end_time": "2026-11-20 03:00:19", "toll_type": "LOCAL",
    }
    if dtmf is not None:
        report["dtmf"] = dtmf
    if callee is not None:
        report["callee"] = callee
    return [report]
