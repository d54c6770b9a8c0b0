"""What every hot-list adapter produces, and the small readers they share."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sentinel.collect import jsonbody
from sentinel.errors import ParseError, SourceBlocked

#: The platforms' names in messages and on pages.
LIST_NAMES_ZH = {"weibo": "微博热搜", "baidu": "百度热搜", "zhihu": "知乎热榜", "douyin": "抖音热榜",
                 "toutiao": "头条热榜"}

_NUMBER = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|亿|[wW])?")
_UNITS = {None: Decimal(1), "万": Decimal(10_000), "w": Decimal(10_000), "W": Decimal(10_000),
          "亿": Decimal(100_000_000)}


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a hot list. ``key`` is the platform's stable id of the entry (the word, a
    question id, a cluster id): it is the external id of the entry's item."""

    key: str
    title: str
    rank: int | None  # 1-based position on the list; None for a pinned entry
    heat: int | None = None  # the platform's heat value
    label: str | None = None  # the platform's badge: 新, 热, 沸, 爆, 辟谣 ...
    category: str | None = None  # the platform's category label(s): 社会, 综艺-内地综艺, society ...
    description: str | None = None
    url: str | None = None
    published_at: datetime | None = None  # when it went on the list, if the platform says
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Board:
    """One response of a hot list: ranked entries (rank 1 first), pinned entries, and survivable
    problems with single entries (``(reason, message)``)."""

    list_name: str
    entries: list[Entry] = field(default_factory=list)
    pinned: list[Entry] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def list_name_zh(name: str) -> str:
    return LIST_NAMES_ZH.get(name, name)


def load_json(content: bytes, *, url: str, what: str) -> Any:
    """The JSON of a response. An HTML page (a login, visitor or captcha page served instead of
    data) is :class:`SourceBlocked`; an empty body :class:`ParseError` ``empty``."""
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ParseError("empty", f"{what}: empty body from {url}")
    if stripped[:1] == b"<":
        raise SourceBlocked(f"{what}: an HTML page instead of JSON from {url} (a login or verification page)")
    try:
        return jsonbody.load_json(stripped)  # numbers beyond 64 bits and nesting bombs: no crash
    except ValueError as exc:
        raise ParseError("malformed", f"{what}: not JSON from {url}: {exc}") from None


def changed_shape(what: str, expected: str, found: Any) -> ParseError:
    """The error for a response whose shape is not the one the adapter reads."""
    if isinstance(found, dict):
        seen = "keys " + ", ".join(sorted(str(key) for key in found)[:12]) if found else "an empty object"
    else:
        seen = f"a {type(found).__name__}"
    return ParseError("malformed", f"{what}: expected {expected}, found {seen}: the response's shape has changed")


def heat_value(value: Any) -> int | None:
    """A heat value as an int: ``1315270``, ``"1315270"``, ``"1.2万"``, ``"411 万热度"``,
    ``"热搜指数：4998888"``, ``"综艺 850468"``. None when there is none (None, ``""``); ValueError
    when the value holds no number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a heat value: {value!r}")
    if isinstance(value, int):
        return value  # load_json leaves no int beyond 64 bits
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > jsonbody.INT64_MAX:
            raise ValueError(f"not a heat value: {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a heat value: {value!r}")
    text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
    if not text:
        return None
    match = _NUMBER.search(text)
    if match is None:
        raise ValueError(f"not a heat value: {value!r}")
    try:
        heat = int(Decimal(match["number"]) * _UNITS[match["unit"]])
    except InvalidOperation:
        raise ValueError(f"not a heat value: {value!r}") from None
    if heat > jsonbody.INT64_MAX:
        raise ValueError(f"not a heat value: {value[:40]!r}... is beyond 64 bits")
    return heat


def text_of(value: Any) -> str | None:
    """A stripped non-empty string, else None."""
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def id_of(value: Any) -> str | None:
    """An id that may come as a number or a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return text_of(value)


def int_of(value: Any) -> int | None:
    """An int that may come as a number or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def truthy(value: Any) -> bool:
    """``1``, ``true``, ``"1"``, ``"true"``: the ways the platforms write a flag that is set."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in ("1", "true", "yes")


def unix_time(value: Any) -> datetime | None:
    """A Unix time in seconds (or milliseconds) as an aware UTC datetime; None when absent or absurd."""
    number = int_of(value)
    if number is None or number <= 0:
        return None
    if number > 10_000_000_000:  # milliseconds
        number //= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def rank_entries(what: str, pairs: list[tuple[Entry, int | None]], problems: list[tuple[str, str]]) -> list[Entry]:
    """The entries, each once, with their ranks.

    A key listed twice keeps its first (higher) row, with a problem noted: a list names a topic once.
    The rank is the platform's own when every entry has one and they run strictly upward, else the
    position (1-based), with a problem noted when the given ranks clash.
    """
    seen: set[str] = set()
    kept: list[tuple[Entry, int | None]] = []
    for entry, rank in pairs:
        if entry.key in seen:
            problems.append(("malformed", f"{what}: entry {entry.key!r} appears twice; the lower one was dropped"))
            continue
        seen.add(entry.key)
        kept.append((entry, rank))
    given = [rank for _, rank in kept]
    usable = all(rank is not None and rank >= 1 for rank in given) and all(
        a is not None and b is not None and a < b for a, b in zip(given, given[1:], strict=False))
    if not usable and any(rank is not None for rank in given):
        problems.append(("malformed", f"{what}: the list's own ranks are incomplete or out of order; ranked by position"))
    return [replace(entry, rank=(rank if usable else n + 1)) for n, (entry, rank) in enumerate(kept)]
