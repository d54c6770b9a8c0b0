"""The WeCom group robot (企业微信群机器人) channel.

Request (developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明)::

    POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY
    {"msgtype": "markdown", "markdown": {"content": "<at most 4096 bytes>"}}
    {"msgtype": "text", "text": {"content": "<at most 2048 bytes>", "mentioned_mobile_list": ["138..."]}}

There is no signature: the ``key`` in the URL is the credential, so keep the URL out of the file
(``url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}"``) and out of logs.

Mentions. ``mentioned_mobile_list`` exists only for ``text`` messages; markdown can mention only
with ``<@userid>``, and sentinel's rosters hold phone numbers, not WeCom userids. So a message with
mentions goes as one ``text`` message (plain text, no markup to escape, 2,048 bytes) that pings the
phones; one without goes as markdown. One message stays one request: a reminder and its ping
succeed or fail together, and a retry never repeats half of it.

Errors come as HTTP 200 with ``errcode``. The mapping (全局错误码 is
developer.work.weixin.qq.com/document/path/90455; "recalled" marks entries we could not quote):

=======  ================================  ============  ==============================================
errcode  errmsg                            reason        source
=======  ================================  ============  ==============================================
0        ok                                sent
-1       系统繁忙                          server_error  全局错误码 ("建议稍候重试")
45009    api freq out of limit             rate_limited  全局错误码 接口调用超过限制; 91770: 20 条/分钟
                                                         per robot, so retry_after 60
45033    接口并发调用超过限制              rate_limited  全局错误码
93000    invalid webhook url               bad_token     wes-lin/Cloud189Checkin#175
93004    机器人被停用                      refused       全局错误码 (recalled)
40058    … exceed max length 4096 …        too_large     dromara/domain-admin#82 (the text decides:
         other invalid parameter           bad_request   40058 is WeCom's generic "不合法的参数")
45002    消息体大小超过限制                too_large     全局错误码 (recalled)
44004    文本消息content参数为空           bad_request   全局错误码 (recalled)
40008    不合法的msgtype参数               bad_request   全局错误码
40035    不合法的参数                      bad_request   全局错误码
other    —                                 bad_request   not retried
=======  ================================  ============  ==============================================
"""

from __future__ import annotations

import json
from datetime import datetime

from sentinel.notify.base import Delivery, HttpSender, Reason, post, read_answer
from sentinel.notify.message import (
    WECOM_MARKDOWN_LIMIT,
    WECOM_TEXT_LIMIT,
    Message,
    ack_links,
    clean,
    cut_bytes,
    escape_markdown,
    grade_label,
    one_line,
    safe_url,
    utf8_len,
)

RATE_WINDOW_SECONDS = 60.0  # 20 messages per minute per robot

_CODES: dict[int, Reason] = {
    -1: "server_error",
    45009: "rate_limited",
    45033: "rate_limited",
    93000: "bad_token",
    93004: "refused",
    45002: "too_large",
    44004: "bad_request",
    40008: "bad_request",
    40035: "bad_request",
}


def classify(errcode: int, errmsg: str) -> Delivery:
    """The delivery an ``errcode``/``errmsg`` answer means (the table in the module docstring)."""
    if errcode == 0:
        return Delivery.sent()
    detail = f"errcode {errcode}: {errmsg}"
    if errcode == 40058:
        return Delivery.failed("too_large" if "exceed max length" in errmsg.lower() else "bad_request", detail)
    reason = _CODES.get(errcode, "bad_request")
    if reason == "rate_limited":
        return Delivery.failed("rate_limited", detail, retry_after=RATE_WINDOW_SECONDS)
    return Delivery.failed(reason, detail)


def _fit(head: str, body: str, tail: str, limit: int) -> str:
    """``head + body + tail`` within ``limit`` bytes, cutting only ``body``."""
    fixed = utf8_len(head) + utf8_len(tail)
    return head + cut_bytes(body, max(limit - fixed, 0)) + tail


def markdown_payload(message: Message) -> dict[str, object]:
    title = escape_markdown(one_line(message.title))
    grade = grade_label(message.grade)
    head = f'**<font color="warning">{grade}</font> {title}**\n' if grade else f"**{title}**\n"
    tail = ""
    if message.department:
        tail += f"\n责任单位：{escape_markdown(one_line(message.department))}"
    if link := safe_url(message.link):
        tail += f"\n[查看详情]({link})"
    for label, url in ack_links(message):  # in the tail: a cut never takes a 认领 link away
        tail += f"\n[{escape_markdown(label)}]({url})"
    content = _fit(head, message.text_markdown, tail, WECOM_MARKDOWN_LIMIT)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def text_payload(message: Message) -> dict[str, object]:
    grade = grade_label(message.grade)
    head = (f"【{grade}】" if grade else "") + one_line(message.title) + "\n"
    tail = ""
    if message.department:
        tail += f"\n责任单位：{one_line(message.department)}"
    if link := safe_url(message.link):
        tail += f"\n详情：{link}"
    for label, url in ack_links(message):
        tail += f"\n一键{label}：{url}"
    content = _fit(head, clean(message.text_plain), tail, WECOM_TEXT_LIMIT)
    return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": list(message.mentions)}}


def payload(message: Message) -> dict[str, object]:
    """Markdown, or text when the message mentions someone (see the module docstring)."""
    return text_payload(message) if message.mentions else markdown_payload(message)


class WeComSender(HttpSender):
    """Sends to one WeCom group robot; the key is part of ``url``."""

    kind = "wecom"

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response = await post(self._client, self._url, body, timeout=self._timeout, auth=self._auth)
        if isinstance(response, Delivery):
            return response
        answer = read_answer(response, now=now, fields=(("errcode", "errmsg"),), service="WeCom robot")
        return answer if isinstance(answer, Delivery) else classify(*answer)
