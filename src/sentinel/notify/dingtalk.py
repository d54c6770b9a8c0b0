"""The DingTalk custom robot (钉钉自定义机器人) channel.

Request (open.dingtalk.com, 自定义机器人接入 / 自定义机器人发送群消息)::

    POST https://oapi.dingtalk.com/robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]
    {"msgtype": "markdown",
     "markdown": {"title": "<preview line>", "text": "<markdown, ending with @phone for each mention>"},
     "at": {"atMobiles": ["138..."], "isAtAll": false}}

A message with one-tap 认领 links (``Message.acks``) goes as an ``actionCard`` instead: the same
text, and a button per person (``btns``: ``认领（张伟）`` → the person's link) and one to the
incident. A robot's buttons only open their URL (the robot has no callback, "尚不支持应答机制"),
which is what a link needs. ``at`` is sent with it as well, though DingTalk documents it for text
and markdown only: the ``@phone`` in the text stays readable either way.

Signing (the robot's 加签 security setting, when the channel has ``secret_env``): ``timestamp`` is
Unix time in milliseconds and must be within an hour of DingTalk's clock;
``sign = urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret)))``; both go into the
query string. A mention only highlights when the phone is in ``atMobiles`` *and* ``@phone`` appears
in the markdown text, so the sender writes both.

DingTalk answers HTTP 200 for most failures, with ``errcode`` in the body. The mapping, and where
each code is documented or was seen (codes marked "recalled" come from DingTalk's custom-robot
error table as we remember it; we did not have the page at hand to quote):

=======  =====================================  ==============  ===================================================
errcode  errmsg                                 reason          source
=======  =====================================  ==============  ===================================================
0        ok                                     sent
-1       系统繁忙                               server_error    DingTalk 全局错误码 ("稍后再重试")
130101   send too fast, exceed 20 times/minute  rate_limited    robot docs: 20 messages/min, then throttled for
                                                                10 min (retry_after 600); seen in ccfos/nightingale#369
410100   发送速度太快而限流                     rate_limited    robot error table (recalled); retry_after 600
300001   token is not exist                     bad_token       timonwong/prometheus-webhook-dingtalk#91
300005   token is not exist                     bad_token       timonwong/prometheus-webhook-dingtalk#226
400101   access_token不存在                     bad_token       robot error table (recalled)
400106   机器人不存在                           bad_token       robot error table (recalled)
400102   机器人已停用                           refused         robot error table (recalled)
400013   群已被解散                             refused         robot error table (recalled)
400105   不支持的消息类型                       bad_request     robot error table (recalled)
430101+  含有不安全的外链 / 不合适的文本、内容  refused         robot error table (recalled): content moderation
310000   sign not match / invalid timestamp     bad_signature   x-cold/dingtalk-robot#7, jenkinsci/dingtalk-plugin#116,
         机器人发送签名不匹配                                   qd-today/qd#510 (the newer Chinese wording)
310000   keywords not in content                refused         timonwong/prometheus-webhook-dingtalk#197
310000   ip X not in whitelist                  refused         the robot's IP allow-list setting
any      body 大小不合法 (…20000bytes 以内)     too_large       ZhuLinsen/daily_stock_analysis#61
other    —                                      bad_request     not retried: an unknown code is not a reason to hammer
=======  =====================================  ==============  ===================================================

310000 covers every security setting, so its text decides. HTTP 429/5xx and transport failures are
classified before the body is read (:func:`sentinel.notify.base.classify_status`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import quote_plus

from sentinel.notify.base import Delivery, HttpSender, Reason, post, read_answer
from sentinel.notify.message import (
    DINGTALK_BODY_LIMIT,
    Message,
    ack_links,
    escape_markdown,
    fit_body,
    grade_label,
    one_line,
    safe_url,
)

THROTTLE_SECONDS = 600.0  # "超过20条，会限流10分钟"
_TITLE_MAX = 64

_CODES: dict[int, Reason] = {
    -1: "server_error",
    130101: "rate_limited",
    410100: "rate_limited",
    300001: "bad_token",
    300005: "bad_token",
    400101: "bad_token",
    400106: "bad_token",
    400102: "refused",
    400013: "refused",
    400105: "bad_request",
    430101: "refused",
    430102: "refused",
    430103: "refused",
    430104: "refused",
}


def sign(secret: str, timestamp_ms: int) -> str:
    """``base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret))``, before URL-encoding."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def timestamp_ms(now: datetime) -> int:
    """Unix time in whole milliseconds, without float rounding."""
    return int(now.timestamp()) * 1000 + now.microsecond // 1000


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and the URL-encoded ``sign`` appended to its query."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={quote_plus(sign(secret, timestamp_ms))}"


def classify(errcode: int, errmsg: str) -> Delivery:
    """The delivery an ``errcode``/``errmsg`` answer means (the table in the module docstring)."""
    if errcode == 0:
        return Delivery.sent()
    detail = f"errcode {errcode}: {errmsg}"
    lowered = errmsg.lower()
    if "大小" in errmsg or "too large" in lowered or "size" in lowered:
        return Delivery.failed("too_large", detail)
    if errcode == 310000:
        if "keyword" in lowered or "关键词" in errmsg:
            return Delivery.failed("refused", detail)
        if "whitelist" in lowered or "白名单" in errmsg:
            return Delivery.failed("refused", detail)
        if "sign" in lowered or "timestamp" in lowered or "签名" in errmsg or "时间戳" in errmsg:
            return Delivery.failed("bad_signature", detail)
        return Delivery.failed("refused", detail)
    reason = _CODES.get(errcode, "bad_request")
    if reason == "rate_limited":
        return Delivery.failed("rate_limited", detail, retry_after=THROTTLE_SECONDS)
    return Delivery.failed(reason, detail)


def payload(message: Message, text: str) -> dict[str, object]:
    """The markdown robot message, with ``text`` standing for the (possibly cut) ``text_markdown``."""
    heading = " ".join(p for p in (grade_label(message.grade), escape_markdown(one_line(message.title))) if p)
    parts = [f"#### {heading}", text]
    if message.department:
        parts.append(f"责任单位：{escape_markdown(one_line(message.department))}")
    if link := safe_url(message.link):
        parts.append(f"[查看详情]({link})")
    if message.mentions:
        parts.append(" ".join(f"@{phone}" for phone in message.mentions))
    title = escape_markdown(one_line(message.title))[:_TITLE_MAX] or message.kind
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": "\n\n".join(parts)},
        "at": {"atMobiles": list(message.mentions), "isAtAll": False},
    }


def action_card(message: Message, text: str) -> dict[str, object]:
    """The actionCard of a message with one-tap links: the markdown's text and a button per link."""
    document = payload(message, text)
    markdown = document["markdown"]
    assert isinstance(markdown, dict)
    buttons = [{"title": label, "actionURL": url} for label, url in ack_links(message)]
    if link := safe_url(message.link):
        buttons.append({"title": "查看详情", "actionURL": link})
    card = {"title": markdown["title"], "text": markdown["text"], "btnOrientation": "0", "btns": buttons}
    return {"msgtype": "actionCard", "actionCard": card, "at": document["at"]}


def encode(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DingTalkSender(HttpSender):
    """Sends markdown messages to one DingTalk custom robot, signed when constructed with a secret."""

    kind = "dingtalk"

    async def _send(self, message: Message, *, now: datetime) -> Delivery:

        def build(text: str) -> bytes:
            return encode(action_card(message, text) if message.acks else payload(message, text))

        body, _ = fit_body(build, message.text_markdown, DINGTALK_BODY_LIMIT)
        url = self._url
        if self._secret is not None:
            url = signed_url(url, self._secret, timestamp_ms(now))
        response = await post(self._client, url, body, timeout=self._timeout, auth=self._auth)
        if isinstance(response, Delivery):
            return response
        answer = read_answer(
            response, now=now, fields=(("errcode", "errmsg"),), service="DingTalk robot",
            signed=self._secret is not None,
        )
        return answer if isinstance(answer, Delivery) else classify(*answer)
