"""The Feishu custom bot (飞书自定义机器人) channel.

Request (open.feishu.cn, 自定义机器人使用指南 / client-docs/bot-v3/add-custom-bot)::

    POST https://open.feishu.cn/open-apis/bot/v2/hook/HOOK_TOKEN
    {"timestamp": "1700000000", "sign": "...",            <- only when the channel has secret_env
     "msg_type": "interactive",
     "card": {"header": {"title": {"tag": "plain_text", ...}, "template": "orange"},
              "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "<text_markdown>"}}, ...]}}

An interactive card, because its header takes the grade's colour (I red, II orange, III yellow,
IV blue) — the colours of 突发事件应对法 — and its body renders ``text_markdown``. The whole body
must stay within 20 KB (see :mod:`sentinel.notify.message`); the bot allows 100 requests a
minute and 5 a second.

Signing (签名校验): ``timestamp`` is Unix time in *seconds*, within an hour of Feishu's clock;
``sign = base64(HmacSHA256(key=timestamp + "\\n" + secret, msg=""))`` — the key/message roles are the
reverse of DingTalk's — and both go into the JSON body, not the URL.

Mentions: a custom bot can only @ by open_id/user_id (``<at id=...>``); it cannot @ a phone number,
so the phones are listed in a note at the bottom of the card, unhighlighted.

Errors come as HTTP 200 (sometimes 400) with ``code`` in the body (older deployments answer
``StatusCode``/``StatusMessage``). "recalled" marks entries we could not quote from a page at hand:

========  ===============================================  =============  ==========================================
code      msg                                              reason         source
========  ===============================================  =============  ==========================================
0         success                                          sent
19021     sign match fail or timestamp is not within one   bad_signature  feiyu563/PrometheusAlert#422; the guide
          hour from current time
19001     param invalid: incoming webhook access token     bad_token      sansan0/TrendRadar#278
          invalid
19022     Ip Not Allowed                                   refused        the guide's IP allow-list (recalled)
19024     Key Words Not Found                              refused        the guide's keyword setting (recalled)
19002     params error, msg_type need                      bad_request    cliii-one/FnDepot#22
11232     frequency limited psm[...]                       rate_limited   the guide: "可能出现因系统压力导致的
                                                                          11232 限流错误"
9499      too many request                                 rate_limited   (recalled); a 9499 whose text is not
                                                                          about frequency is bad_request
99991400  request trigger frequency limit                  rate_limited   open.feishu.cn api-call-guide/
                                                                          frequency-control (HTTP 429 or 400)
19036     (body too large)                                 too_large      hughcube/laravel-lark v1.0.0 notes
other     —                                                bad_request    not retried
========  ===============================================  =============  ==========================================

Rate-limit answers carry ``x-ogw-ratelimit-reset`` (seconds) per the frequency-control page; it
becomes ``retry_after``, else 60 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

from sentinel.notify.base import Delivery, HttpSender, Reason, post, read_answer
from sentinel.notify.message import (
    FEISHU_BODY_LIMIT,
    Message,
    ack_links,
    escape_markdown,
    fit_body,
    grade_label,
    one_line,
    safe_url,
)

DEFAULT_RETRY_AFTER = 60.0
_TITLE_MAX = 200

_CODES: dict[int, Reason] = {
    19021: "bad_signature",
    19001: "bad_token",
    19022: "refused",
    19024: "refused",
    19002: "bad_request",
    11232: "rate_limited",
    99991400: "rate_limited",
    19036: "too_large",
}


def sign(secret: str, timestamp: int) -> str:
    """``base64(HmacSHA256(key=timestamp + "\\n" + secret, msg=b""))``."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def classify(code: int, msg: str, *, reset: str | None = None) -> Delivery:
    """The delivery a ``code``/``msg`` answer means (the table in the module docstring)."""
    if code == 0:
        return Delivery.sent()
    detail = f"code {code}: {msg}"
    lowered = msg.lower()
    reason: Reason
    if code == 9499:
        about_rate = any(word in lowered for word in ("too many", "frequency", "limit"))
        reason = "rate_limited" if about_rate else "bad_request"
    else:
        reason = _CODES.get(code, "bad_request")
    if reason == "rate_limited":
        wait = float(reset) if reset and reset.strip().isdigit() else DEFAULT_RETRY_AFTER
        return Delivery.failed("rate_limited", detail, retry_after=wait)
    return Delivery.failed(reason, detail)


def card(message: Message, text: str) -> dict[str, object]:
    """The interactive card, with ``text`` standing for the (possibly cut) ``text_markdown``."""
    title = " ".join(p for p in (grade_label(message.grade), escape_markdown(one_line(message.title))) if p)
    elements: list[dict[str, object]] = [{"tag": "div", "text": {"tag": "lark_md", "content": text}}]
    if message.department:
        content = f"**责任单位**：{escape_markdown(one_line(message.department))}"
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": content}})
    # one-tap 认领 links first (a custom bot's buttons can only open a URL: what a link needs)
    buttons: list[dict[str, object]] = [
        {"tag": "button", "text": {"tag": "plain_text", "content": label}, "type": "danger", "url": url}
        for label, url in ack_links(message)]
    if link := safe_url(message.link):
        label = {"tag": "plain_text", "content": "查看详情"}
        buttons.append({"tag": "button", "text": label, "type": "primary", "url": link})
    if buttons:
        elements.append({"tag": "action", "actions": buttons})
    if message.mentions:
        note = "提醒：" + " ".join(message.mentions)
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": note}]})
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text", "content": title[:_TITLE_MAX] or message.kind},
            "template": message.grade.colour if message.grade else "grey",
        },
        "elements": elements,
    }


class FeishuSender(HttpSender):
    """Sends interactive cards to one Feishu custom bot, signed when constructed with a secret."""

    kind = "feishu"

    def _encode(self, message: Message, text: str, timestamp: int) -> bytes:
        document: dict[str, object] = {}
        if self._secret is not None:
            document = {"timestamp": str(timestamp), "sign": sign(self._secret, timestamp)}
        document.update({"msg_type": "interactive", "card": card(message, text)})
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        timestamp = int(now.timestamp())

        def build(text: str) -> bytes:
            return self._encode(message, text, timestamp)

        body, _ = fit_body(build, message.text_markdown, FEISHU_BODY_LIMIT)
        response = await post(self._client, self._url, body, timeout=self._timeout, auth=self._auth)
        if isinstance(response, Delivery):
            return response
        if response.status_code == 429:
            # the frequency-control page: HTTP 429 with the wait in x-ogw-ratelimit-reset
            reset = response.headers.get("x-ogw-ratelimit-reset") or response.headers.get("retry-after")
            return classify(99991400, f"HTTP 429 {response.text[:100]}", reset=reset)
        answer = read_answer(
            response, now=now, fields=(("code", "msg"), ("StatusCode", "StatusMessage")), service="Feishu bot",
            signed=self._secret is not None,
        )
        if isinstance(answer, Delivery):
            return answer
        return classify(*answer, reset=response.headers.get("x-ogw-ratelimit-reset"))
