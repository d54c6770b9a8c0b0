"""Reading Weibo mobile API (m.weibo.cn) responses: pure functions over the decoded JSON.

A timeline page (``/api/container/getIndex?containerid=107603<uid>``) is a list of cards; a card of
``card_type`` 9 carries one post (``mblog``, 微博), a card of ``card_type`` 11 nests more cards in
``card_group`` (search pages), every other card type is layout and ignored. The service answers
``ok: 1`` with data, ``ok: 0`` with ``这里还没有内容`` when there is nothing more, and ``ok: -100`` with a
login or captcha URL when it refuses us. See ``tests/collect/fixtures/weibo/`` for real and derived
responses.

Nothing here fetches or reads the clock: the fetch time ``now`` is handed in, because Weibo writes
recent times relative to it (``刚刚``, ``5分钟前``, ``昨天 12:00``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from sentinel.collect.jsonbody import INT64_MAX, load_json
from sentinel.collect.types import ParseResult, RawItem
from sentinel.errors import FetchError, ParseError, SourceBlocked

STATUS_URL = "https://m.weibo.cn/status/{}"
RETWEET_SUMMARY_CHARS = 140

_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
)}
# "Wed Jun 16 20:07:07 +0800 2021", Twitter-style; the weekday is redundant and not checked.
_ABSOLUTE = re.compile(
    r"^(?:[A-Za-z]{3}\s+)?(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"\s+(?P<sign>[+-])(?P<off_h>\d{2}):?(?P<off_m>\d{2})\s+(?P<year>\d{4})$"
)
_AGO = re.compile(r"^(?P<count>\d+)\s*(?P<unit>秒|分钟|小时|天)前$")
_DAY_WORD = re.compile(r"^(?P<word>今天|昨天|前天)\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})$")
_MONTH_DAY = re.compile(r"^(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?$")
_FULL_DATE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
)
_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_DAY_OFFSETS = {"今天": 0, "昨天": 1, "前天": 2}

_COUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|亿|w|W)?\s*\+?$")
_COUNT_CHARS = 40  # longer text is no count (and would cost a huge Decimal to find out)
_SMALL_INT = re.compile(r"-?\d{1,18}")  # fits in 64 bits without checking further
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_COUNT_UNITS = {None: Decimal(1), "万": Decimal(10_000), "w": Decimal(10_000), "W": Decimal(10_000), "亿": Decimal(100_000_000)}

# ok:0 messages that mean "nothing (more) here", not an error.
_EMPTY_MESSAGES = ("这里还没有内容",)
_FULL_TEXT_LINK = re.compile(r"<a\s[^>]*>\s*全文\s*</a>\s*$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def load_payload(content: bytes, *, url: str) -> dict[str, Any]:
    """Decode a response body as a JSON object (:func:`~sentinel.collect.jsonbody.load_json`).

    An HTML body is the login or captcha page Weibo serves instead of data when it refuses us
    (:class:`SourceBlocked`); an empty, undecodable or too deeply nested body is a :class:`ParseError`.
    """
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ParseError("empty", f"empty body from {url}")
    # Sniff the body, not the Content-Type: Weibo labels some JSON answers text/html.
    if stripped[:1] == b"<":
        raise SourceBlocked(f"an HTML page (login or captcha) instead of JSON from {url}")
    try:
        payload = load_json(stripped)
    except ValueError as exc:
        raise ParseError("malformed", f"not JSON from {url}: {exc}") from None
    if not isinstance(payload, dict):
        raise ParseError("malformed", f"expected a JSON object from {url}, got {type(payload).__name__}")
    return payload


def check_status(payload: dict[str, Any]) -> bool:
    """Read the envelope's ``ok``: True for data, False for "nothing here"; raise for a refusal.

    ``ok: -100`` or a login/captcha ``url`` is :class:`SourceBlocked`; ``请求过于频繁`` is a
    rate-limit :class:`FetchError`; any other value is a malformed answer.
    """
    ok = _as_int(payload.get("ok"))
    if ok == 1:
        return True
    message = _text(payload.get("msg"))
    url = _text(payload.get("url"))
    if ok == -100 or (url and is_challenge_url(url)):
        raise SourceBlocked(f"Weibo answered ok={payload.get('ok')!r}, sending us to {url or '(no url)'}")
    if "频繁" in message:  # 请求过于频繁 (too many requests): Weibo's throttle, answered with HTTP 200
        raise FetchError("rate_limited", f"Weibo answered ok={payload.get('ok')!r}: {message}")
    if ok == 0 and (not message or message in _EMPTY_MESSAGES):
        return False
    raise ParseError("malformed", f"Weibo answered ok={payload.get('ok')!r}: {message or '(no message)'}")


def is_challenge_url(url: str) -> bool:
    """A login, visitor-check or captcha address: where Weibo sends clients it refuses."""
    lowered = url.lower()
    if "captcha" in lowered:
        return True
    try:
        parts = urlsplit(lowered)
        host = parts.hostname or ""
    except ValueError:  # not a URL at all (the payload's "url" can be anything)
        return False
    return host.startswith("passport.") or any(word in parts.path for word in ("/signin", "/login", "/visitor"))


def parse_page(payload: dict[str, Any], *, now: datetime, zone: ZoneInfo) -> ParseResult:
    """One page of a container timeline or a search container.

    ``cursor`` holds where the next page starts, as the service gave it: ``{"next_since_id": "..."}``
    (timelines) or ``{"next_page": N}`` (search); it is empty on the last page.
    """
    _require_aware(now)
    if not check_status(payload):
        return ParseResult(end_of_results=True)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ParseError("malformed", "ok:1 without a data object")
    cards = data.get("cards")
    if cards is None or cards == []:
        return ParseResult(end_of_results=True)
    if not isinstance(cards, list):
        raise ParseError("malformed", f"data.cards is a {type(cards).__name__}, not a list")
    result = ParseResult(cursor=_next_position(data.get("cardlistInfo")))
    seen: set[str] = set()
    for mblog in _mblogs(cards, result.problems):
        item = parse_mblog(mblog, now=now, zone=zone, problems=result.problems)
        if item is not None and item.external_id not in seen:
            seen.add(item.external_id)
            result.items.append(item)
    return result


def parse_mblog(
    mblog: dict[str, Any], *, now: datetime, zone: ZoneInfo, problems: list[tuple[str, str]]
) -> RawItem | None:
    """One post as a :class:`RawItem`; None (with a problem noted) when it has no id."""
    external_id = _post_id(mblog)
    if external_id is None:
        problems.append(("malformed", "a post without a readable id was skipped"))
        return None
    user = _mapping(mblog.get("user"))
    published_at = None
    created = mblog.get("created_at")
    try:
        published_at = parse_created_at(created, now=now, zone=zone) if isinstance(created, str) else None
    except ValueError:
        pass
    if published_at is None:
        problems.append(("malformed", f"post {external_id}: unreadable created_at {_shown(created)}"))
    reposts, comments, likes = (
        _count(mblog, key, external_id, problems) for key in ("reposts_count", "comments_count", "attitudes_count")
    )
    bid = _text_or_none(mblog.get("bid"))
    extra: dict[str, Any] = {
        "user_id": _id_text(user.get("id")),
        "verified": user["verified"] if isinstance(user.get("verified"), bool) else None,
        "verified_reason": _text_or_none(user.get("verified_reason")),
        "is_top": is_pinned(mblog),
        "is_long_text": mblog.get("isLongText") is True,
        "retweet_of": None,
        "bid": bid,
        "source": _text_or_none(mblog.get("source")),
        "pics": _picture_count(mblog),
    }
    if isinstance(mblog.get("retweeted_status"), dict):
        extra.update(_retweet_summary(mblog["retweeted_status"]))
    region = _text_or_none(mblog.get("region_name"))
    if region is not None:
        extra["region_name"] = region
    return RawItem(
        external_id=external_id,
        body=_text(mblog.get("text")),
        body_is_html=True,
        url=STATUS_URL.format(bid or external_id),
        author=_text_or_none(user.get("screen_name")),
        published_at=published_at,
        reposts=reposts,
        comments=comments,
        likes=likes,
        author_verified_type=_verified_type(user.get("verified_type"), external_id, problems),
        extra=extra,
    )


def parse_long_text(payload: dict[str, Any]) -> str:
    """The full HTML text from a ``statuses/extend`` answer (``data.longTextContent``)."""
    if not check_status(payload):
        raise ParseError("empty", "statuses/extend answered that there is no such post")
    data = payload.get("data")
    content = data.get("longTextContent") if isinstance(data, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise ParseError("malformed", "statuses/extend answered without data.longTextContent")
    return content


def is_pinned(mblog: dict[str, Any]) -> bool:
    """A pinned post (置顶): ``isTop``, ``mblogtype`` 2, or a ``title`` label reading 置顶."""
    if mblog.get("isTop") in (1, True, "1"):
        return True
    if _as_int(mblog.get("mblogtype")) == 2:
        return True
    title = mblog.get("title")
    return isinstance(title, dict) and isinstance(title.get("text"), str) and "置顶" in title["text"]


def parse_created_at(value: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """An aware datetime from any form Weibo writes ``created_at`` in; ValueError when none fits.

    Absolute: ``Wed Jun 16 20:07:07 +0800 2021`` (keeps its offset), ``2020-06-14``,
    ``2020-06-14 08:30``. Relative to the fetch time ``now``, in the source's ``zone``: ``刚刚``,
    ``30秒前``, ``5分钟前``, ``3小时前``, ``2天前``, ``今天 08:00``, ``昨天 12:00``, ``前天 12:00``, and
    ``06-14`` / ``06-14 15:00``, which are this year unless that date lies after today, then last year.
    A date without a time is read as midnight.
    """
    _require_aware(now)
    text = unicodedata.normalize("NFKC", value).strip()
    local_now = now.astimezone(zone)
    if text in ("刚刚", "刚才"):
        return local_now
    if match := _ABSOLUTE.match(text):
        month = _MONTHS.get(match["month"].title())
        if month is None:
            raise ValueError(f"unknown month in {value!r}")
        offset = timedelta(hours=int(match["off_h"]), minutes=int(match["off_m"]))
        tz = timezone(-offset if match["sign"] == "-" else offset)
        written = datetime(
            int(match["year"]), month, int(match["day"]),
            int(match["hour"]), int(match["minute"]), int(match["second"]), tzinfo=tz,
        )
        try:
            written.astimezone(UTC)
        except OverflowError:  # year 1 at +14:00, year 9999 at -14:00: no instant on the calendar
            raise ValueError(f"out of range: {value!r}") from None
        return written
    if match := _AGO.match(text):
        try:
            return (now - timedelta(**{_AGO_UNITS[match["unit"]]: int(match["count"])})).astimezone(zone)
        except OverflowError:
            raise ValueError(f"out of range: {value!r}") from None
    if match := _DAY_WORD.match(text):
        day = local_now.date() - timedelta(days=_DAY_OFFSETS[match["word"]])
        return _at(day, int(match["hour"]), int(match["minute"]), 0, zone)
    if match := _MONTH_DAY.match(text):
        month, day_of_month = int(match["month"]), int(match["day"])
        day = date(local_now.year, month, day_of_month)
        if day > local_now.date():  # compare dates, not times: a few minutes of clock skew is not a year
            day = date(local_now.year - 1, month, day_of_month)
        return _at(day, int(match["hour"] or 0), int(match["minute"] or 0), 0, zone)
    if match := _FULL_DATE.match(text):
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        return _at(day, int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0), zone)
    raise ValueError(f"unknown created_at form {value!r}")


def parse_count(value: Any) -> int | None:
    """A count as an int: ``37053``, ``"1.2万"`` (12000), ``"100万+"`` (1000000), ``"3亿"``.

    None when there is no count (missing, ``""``); ValueError when the value is not a count. A
    ``+`` ("at least") is dropped: the number before it is the best we know.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, int):
        return _in_range(value, value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a count: {value!r}")
        return _in_range(int(value), value)
    if not isinstance(value, str):
        raise ValueError(f"not a count: {_shown(value)}")
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    if not text:
        return None
    match = _COUNT.match(text) if len(text) <= _COUNT_CHARS else None
    if match is None:
        raise ValueError(f"not a count: {_shown(value)}")
    return _in_range(int(Decimal(match["number"]) * _COUNT_UNITS[match["unit"]]), value)


def _in_range(count: int, value: Any) -> int:
    if count > INT64_MAX:
        raise ValueError(f"not a count: {_shown(value)} is beyond 64 bits")
    return count


def _mblogs(cards: list[Any], problems: list[tuple[str, str]], depth: int = 0) -> Iterator[dict[str, Any]]:
    for card in cards:
        if not isinstance(card, dict):
            continue
        card_type = _as_int(card.get("card_type"))  # an int, but some views send "11"
        if card_type == 9:
            if isinstance(card.get("mblog"), dict):
                yield card["mblog"]
            else:
                problems.append(("malformed", f"a card_type 9 card without an mblog ({card.get('itemid')!r})"))
        elif card_type == 11 and isinstance(card.get("card_group"), list) and depth < 3:
            yield from _mblogs(card["card_group"], problems, depth + 1)


def _next_position(info: Any) -> dict[str, Any]:
    if not isinstance(info, dict):
        return {}
    since_id = _id_text(info.get("since_id"))
    if since_id is not None and since_id != "0":
        return {"next_since_id": since_id}
    page = _as_int(info.get("page"))
    if page is not None and page > 0:
        return {"next_page": page}
    return {}


def _retweet_summary(retweeted: dict[str, Any]) -> dict[str, Any]:
    """The reposted original as a reference: its id, author and the start of its text."""
    user = _mapping(retweeted.get("user"))
    text = retweeted.get("text")
    return {
        "retweet_of": _post_id(retweeted),
        # A deleted original comes back without a user ("抱歉，此微博已被作者删除").
        "retweet_author": _text_or_none(user.get("screen_name")),
        "retweet_text": html_summary(text, RETWEET_SUMMARY_CHARS) if isinstance(text, str) else None,
    }


def html_summary(html: str, limit: int) -> str:
    """Plain text of a post's HTML, without the trailing 全文 link, cut to ``limit`` characters."""
    html = _FULL_TEXT_LINK.sub("", html)
    text = LexborHTMLParser(_BREAK.sub("\n", html)).text(separator="")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _picture_count(mblog: dict[str, Any]) -> int:
    # pic_num counts every picture; pics / pic_ids list at most the nine shown.
    pic_num = _as_int(mblog.get("pic_num"))
    if pic_num is not None:
        return pic_num
    for key in ("pics", "pic_ids"):
        if isinstance(mblog.get(key), list):
            return len(mblog[key])
    return 0


def _post_id(mblog: dict[str, Any]) -> str | None:
    for key in ("idstr", "id", "mid"):
        found = _id_text(mblog.get(key))
        if found is not None:
            return found
    return None


def _id_text(value: Any) -> str | None:
    """An id as text; None for anything else, and for text with a NUL (no database can store it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip() and "\x00" not in value:
        return value.strip()
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _SMALL_INT.fullmatch(value.strip()):
        return int(value)
    return None


def _count(mblog: dict[str, Any], key: str, post_id: str, problems: list[tuple[str, str]]) -> int | None:
    try:
        return parse_count(mblog.get(key))
    except ValueError as exc:
        problems.append(("malformed", f"post {post_id}: unreadable {key}: {exc}"))
        return None


def _verified_type(value: Any, post_id: str, problems: list[tuple[str, str]]) -> int | None:
    number = _as_int(value)
    if number is not None and not _INT32_MIN <= number <= _INT32_MAX:
        problems.append(("malformed", f"post {post_id}: unreadable user.verified_type {_shown(value)}"))
        return None
    return number


def _shown(value: Any) -> str:
    """``value`` for a message: short however long the value (a 5,000-digit number, a page of text)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _at(day: date, hour: int, minute: int, second: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=zone)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
