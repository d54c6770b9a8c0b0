"""What a notification says, and how feed text is made safe and short enough for each channel.

A :class:`Message` is channel-neutral. Its ``title``, ``text_plain``, ``department`` and ``link``
are raw and may carry untrusted feed text: every sender escapes them for its own markup.
``text_markdown`` is sentinel's own markup in the subset the three chat robots share (``**bold**``,
``[text](url)``, ``> quote``, line breaks); every piece of feed text in it must have gone through
:func:`escape_markdown` — :func:`render_markdown` does that for a template — and senders pass it on
as it is.

Why fullwidth forms instead of backslashes: DingTalk, WeCom and Feishu each render their own
Markdown dialect, none of them CommonMark and none documents a backslash escape; WeCom and Feishu
also read ``<font>``, ``<@userid>`` and ``<at>`` tags and Feishu HTML entities. A markup character
replaced by its fullwidth twin (``*`` → ``＊``, ``<`` → ``＜``) is inert in all three and reads the
same to a Chinese reader, so one escaped text serves every chat channel.

Size limits, and where the numbers come from (each is checked against the bytes that leave sentinel):

========================  ===========  =====================================================================
limit                     value        source
========================  ===========  =====================================================================
DingTalk request body     20,000 B     DingTalk's own refusal: "body 大小不合法 … 请保持大小在 20000bytes 以内"
                                       (reported in github.com/ZhuLinsen/daily_stock_analysis/issues/61)
WeCom markdown.content    4,096 B      developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明);
                                       errcode 40058 "markdown.content exceed max length 4096"
WeCom text.content        2,048 B      same page
Feishu request body       20,000 B     open.feishu.cn 自定义机器人使用指南: "请求体的数据大小不能超过 20 KB"
                                       (the 30 KB often quoted is for cards sent by app bots via
                                       im/v1/messages, not for custom bots)
webhook text fields       64 KiB each  ours: far below common proxy body caps (nginx's default is 1 MiB)
email text                1,000,000 B  ours: an alert is not a report; SMTP servers commonly cap whole
                                       messages at 10 MB (Postfix ``message_size_limit``)
one-line fields           512 B       ours: titles and departments are headlines; bounding them leaves
                                       every limit above to the body
========================  ===========  =====================================================================
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sentinel.analyse.grading import Grade

DINGTALK_BODY_LIMIT = 20_000
WECOM_MARKDOWN_LIMIT = 4096
WECOM_TEXT_LIMIT = 2048
FEISHU_BODY_LIMIT = 20_000
WEBHOOK_TEXT_LIMIT = 64 * 1024
EMAIL_TEXT_LIMIT = 1_000_000
HEADLINE_LIMIT = 512  # bytes, for one-line fields (titles, departments)

#: Appended where a text was cut, so the reader knows there is more in the console.
CUT_MARKER = "\n…（内容过长已截断，详见系统）"

_PHONE = re.compile(r"^\+?\d{5,20}$")
# C0 controls other than tab/newline, DEL, and the bidi overrides that can make a title read
# differently from what it is (the "trojan source" trick).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_INERT = str.maketrans({
    "\\": "＼", "`": "｀", "*": "＊", "_": "＿", "~": "～", "#": "＃", "|": "｜",
    "[": "［", "]": "］", "<": "＜", ">": "＞", "&": "＆",
})


@dataclass(frozen=True, slots=True)
class AckLink:
    """A one-tap 认领 link for one person of a message's audience.

    ``url`` acknowledges the message's incident as ``person`` without a console login; ``code`` is
    the signed token alone, for channels that may not carry a link in a variable (an SMS template
    holds the fixed address and takes the code). ``phone`` ties the link to a number for SMS and voice.
    """

    person: str
    url: str
    code: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One notification, as the engine composed it, before any channel's formatting."""

    kind: str  # new_incident, reminder, breach, escalation, test, ...
    title: str
    text_markdown: str
    text_plain: str
    incident_id: str | None = None
    grade: Grade | None = None
    department: str | None = None
    link: str | None = None
    mentions: tuple[str, ...] = ()  # mobile phone numbers of the people to @
    idempotency_key: str = ""
    acks: tuple[AckLink, ...] = ()  # one-tap 认领 links, one per person who may acknowledge

    def ack_for(self, *, person: str | None = None, phone: str | None = None) -> AckLink | None:
        """The 认领 link of one person (by name or phone number), if the message carries one."""
        for ack in self.acks:
            if (person is not None and ack.person == person) or (phone is not None and ack.phone == phone):
                return ack
        return None

    def __post_init__(self) -> None:
        if not self.kind:
            raise ValueError("a message needs a kind")
        if self.grade is not None and not isinstance(self.grade, Grade):
            object.__setattr__(self, "grade", Grade(self.grade))
        mentions = tuple(phone.strip() for phone in self.mentions)
        for phone in mentions:
            if not _PHONE.match(phone):
                raise ValueError(f"mentions are phone numbers, got {phone!r}")
        object.__setattr__(self, "mentions", mentions)


def ack_label(message: Message, ack: AckLink) -> str:
    """A one-tap link's button or link text: ``认领（张伟）``, or ``确认发布（张伟）`` in an evidence alert."""
    verb = "确认发布" if message.kind == "evidence" else "认领"
    return f"{verb}（{one_line(ack.person, 128)}）"


def ack_links(message: Message) -> list[tuple[str, str]]:
    """The message's one-tap links as (label, url), each url an http(s) address (others are dropped)."""
    return [(ack_label(message, ack), url) for ack in message.acks if (url := safe_url(ack.url))]


def clean(text: str) -> str:
    """Drop control and bidi-override characters; keep tabs and newlines; normalise CRLF."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str, limit: int = HEADLINE_LIMIT) -> str:
    """Collapse all whitespace (newlines included) to single spaces and cut to ``limit`` bytes.

    For titles, departments and headers: a headline is a line, and bounding it keeps the fixed
    parts of every message far below every channel's limit, so only the body is ever cut.
    """
    return cut_bytes(" ".join(clean(text).split()), limit, marker="…")


def escape_markdown(text: str) -> str:
    """Make feed text inert in DingTalk, WeCom and Feishu markdown (see the module docstring)."""
    return clean(text).translate(_INERT)


def render_markdown(template: str, /, **values: object) -> str:
    """``template.format(**values)`` with every value escaped: the one way feed text enters markdown."""
    return template.format(**{name: escape_markdown(str(value)) for name, value in values.items()})


def escape_html(text: str) -> str:
    """Feed text for an HTML body or attribute."""
    return html.escape(clean(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of ``[text](url)`` or an ``href``; None for anything else.

    ``javascript:``, ``data:`` and friends are dropped, not escaped: a link in an alert is only
    ever a page to open.
    """
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # keep the characters a URL legitimately holds; percent-encode the ones markup cares about
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_bytes(text: str, limit: int, *, marker: str = CUT_MARKER) -> str:
    """``text`` if it fits in ``limit`` UTF-8 bytes, else a prefix of it plus ``marker`` that does.

    Cuts on a character boundary, and at the last line break when one is near the end, so that a
    markdown line (a link, a bold run) is not left half open.
    """
    if utf8_len(text) <= limit:
        return text
    budget = limit - utf8_len(marker)
    if budget <= 0:
        return marker.encode("utf-8")[: max(limit, 0)].decode("utf-8", "ignore")
    head = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    newline = head.rfind("\n")
    if newline >= len(head) * 3 // 4:
        head = head[:newline]
    return head + marker


def fit_body(build: Callable[[str], bytes], text: str, limit: int) -> tuple[bytes, str]:
    """The request body ``build(text')`` that fits in ``limit`` bytes, and the ``text'`` it used.

    For services whose limit is on the whole request body (DingTalk, Feishu). JSON escaping makes a
    character cost at least its UTF-8 bytes (a newline two, a control character six), so no cut
    longer than ``limit`` can fit; a binary search finds the longest cut that does.
    """
    body = build(text)
    if len(body) <= limit:
        return body, text
    best: tuple[bytes, str] | None = None
    low, high = 0, min(utf8_len(text), limit)
    while low <= high:
        middle = (low + high) // 2
        candidate = cut_bytes(text, middle)
        body = build(candidate)
        if len(body) <= limit:
            best, low = (body, candidate), middle + 1
        else:
            high = middle - 1
    if best is None:
        raise ValueError(f"the fixed parts of the message alone exceed {limit} bytes")
    return best


def grade_label(grade: Grade | None) -> str:
    """``II级（重大）`` — how a grade reads in an alert; empty when there is none."""
    return f"{grade.value}级（{grade.name_zh}）" if grade else ""
