"""One collected entry, normalised: plain text, canonical URL, aware UTC time, bounded sizes, hash.

Whatever a source sent, a :class:`NormalItem` holds only what every database sentinel runs on can
store: no NUL character anywhere (PostgreSQL's text and JSON cannot hold it), counts in 64 bits, the
verified type in 32, numbers in ``extra`` that JSON columns read back exactly. A value that cannot be
made to fit without changing what it means (an id with a NUL, 10^30 reposts) rejects the item with
:class:`ItemRejected`, whose message names the field: the poll (or the pushed batch) keeps the rest.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sentinel.collect.rss import bounded_id
from sentinel.collect.types import RawItem
from sentinel.normalise.text import clean_text, first_line, html_to_text
from sentinel.normalise.times import check_future, to_utc
from sentinel.normalise.urls import canonical_url

#: Size bounds: a huge or hostile item cannot bloat the store.
MAX_TITLE_CHARS = 500
MAX_TEXT_BYTES = 200_000  # UTF-8 bytes of the stored text
MAX_AUTHOR_CHARS = 200
MAX_URL_CHARS = 2048
_MAX_BODY_CHARS = MAX_TEXT_BYTES * 10  # markup is cut before parsing, so parsing time is bounded too
#: A title made from the text when the source gave none.
DERIVED_TITLE_CHARS = 60

_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)
# Integers in ``extra`` beyond what JSON readers take back exactly (2^53) are stored as their text.
_JSON_SAFE_INT = 2**53
_EXTRA_DEPTH = 8

_MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_WORDS = re.compile(r"[^\W_]+")  # runs of letters and digits (CJK ideographs are letters)
_NUL = re.compile("\x00")


class ItemRejected(ValueError):
    """An item that no store can hold as it is; the message starts with the field (``"id: ..."``)."""

    reason = "malformed"


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalItem:
    """An item ready to store and analyse.

    ``published_at`` is aware UTC; ``published_at_estimated`` is true when the source gave no usable
    time and the fetch time stands in for it. ``content_hash`` is the same for the same article
    syndicated by several outlets (see :func:`content_hash`).
    """

    external_id: str
    title: str
    text: str
    url: str | None
    canonical_url: str | None
    author: str | None
    published_at: datetime
    published_at_estimated: bool
    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    author_verified_type: int | None = None
    content_hash: str
    extra: dict[str, Any] = field(default_factory=dict)


def normalise(raw: RawItem, *, zone: ZoneInfo, fetched_at: datetime) -> NormalItem:
    """Normalise one :class:`RawItem` read from a source in ``zone`` and fetched at ``fetched_at``.

    A naive ``published_at`` is read in ``zone``; a missing, implausibly old or far-future one (or
    one that is no instant at all, such as year 1 at +14:00) is replaced by ``fetched_at`` and marked
    estimated (see :mod:`sentinel.normalise.times`). Raises :class:`ItemRejected` (see the module).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be an aware datetime")
    fetched_at = fetched_at.astimezone(UTC)
    external_id = storable_id(raw.external_id)

    body = raw.body[:_MAX_BODY_CHARS]
    text = html_to_text(body) if raw.body_is_html else clean_text(body)
    text = _cut_bytes(text, MAX_TEXT_BYTES)
    title = _clean_title(raw.title)
    if not title:
        title = first_line(text, DERIVED_TITLE_CHARS)

    published: datetime | None = None
    if raw.published_at is not None:
        try:
            published = check_future(to_utc(raw.published_at, zone), fetched_at)
        except OverflowError:  # past either end of the calendar once in UTC
            published = None

    url = _NUL.sub("", raw.url).strip()[:MAX_URL_CHARS] if raw.url else None
    author = clean_text(raw.author).replace("\n", " ")[:MAX_AUTHOR_CHARS] if raw.author else None
    return NormalItem(
        external_id=external_id,
        title=title,
        text=text,
        url=url or None,
        canonical_url=canonical_url(url) if url else None,
        author=author or None,
        published_at=published or fetched_at,
        published_at_estimated=published is None,
        content_hash=content_hash(title, text),
        reposts=_count("reposts", raw.reposts),
        comments=_count("comments", raw.comments),
        likes=_count("likes", raw.likes),
        author_verified_type=_bounded("author_verified_type", raw.author_verified_type, _INT32),
        extra=_storable(raw.extra, 0),
    )


def storable_id(external_id: str) -> str:
    """``external_id`` as stored (long ones hashed); :class:`ItemRejected` for one that is empty or has
    a NUL: stripping it could merge two entries, and no database can store it as it is."""
    if "\x00" in external_id:
        raise ItemRejected("id: contains a NUL character")
    if not external_id.strip():
        raise ItemRejected("id: empty")
    return bounded_id(external_id)


def content_hash(title: str, text: str) -> str:
    """blake2b-128 (hex) of title and text with case, whitespace and punctuation removed.

    Outlets that syndicate an article change spacing, line breaks, full-/half-width punctuation and
    quotes; what is left after removing everything that is not a letter or digit is the same.
    """
    key = "".join(_WORDS.findall(f"{title}\n{text}".casefold()))
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


def _clean_title(title: str | None) -> str:
    if not title:
        return ""
    if _MARKUP.search(title):
        title = html_to_text(title[: MAX_TITLE_CHARS * 4])
    return clean_text(title).replace("\n", " ")[:MAX_TITLE_CHARS]


def _cut_bytes(text: str, limit: int) -> str:
    if len(text) * 4 <= limit:  # cannot be over: no character is more than 4 bytes
        return text
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip()


def _count(name: str, value: int | None) -> int | None:
    if value is None or value < 0:
        return None
    return _bounded(name, value, _INT64)


def _bounded(name: str, value: int | None, limits: tuple[int, int]) -> int | None:
    if value is not None and not limits[0] <= value <= limits[1]:
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "thousands of"
        raise ItemRejected(f"{name}: a number of {digits} digits is beyond the range a database column holds")
    return value


def _storable(value: Any, depth: int) -> Any:
    """``extra`` as JSON columns store it: no NUL in any string or key, no NaN or infinity, integers
    that read back exactly (larger ones as their text), nesting bounded."""
    if isinstance(value, str):
        return _NUL.sub("", value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_JSON_SAFE_INT <= value <= _JSON_SAFE_INT else _big_int_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= _EXTRA_DEPTH:
        return None
    if isinstance(value, dict):
        return {_NUL.sub("", str(key)): _storable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item, depth + 1) for item in value]
    return _NUL.sub("", str(value))


def _big_int_text(value: int) -> str | None:
    try:
        return str(value)
    except ValueError:  # more digits than Python converts: no use to anyone
        return None


def normalise_batch(
    raws: list[RawItem], zone: ZoneInfo, fetched_at: datetime
) -> tuple[list[NormalItem], list[tuple[str, str]]]:
    """Normalise a poll's items; an item that cannot be normalised is a problem, not a failure.

    A module-level function of plain values, so the daemon can run it in its parse pool.
    """
    items: list[NormalItem] = []
    problems: list[tuple[str, str]] = []
    for raw in raws:
        try:
            items.append(normalise(raw, zone=zone, fetched_at=fetched_at))
        except (ValueError, TypeError) as exc:  # one bad entry never sinks the poll
            problems.append((getattr(exc, "reason", "malformed"), f"entry {raw.external_id[:80]!r}: {exc}"))
    return items, problems
