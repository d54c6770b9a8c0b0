"""One collected entry, normalised: plain text, canonical URL, aware UTC time, bounded sizes, hash."""

from __future__ import annotations

import hashlib
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

_MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_WORDS = re.compile(r"[^\W_]+")  # runs of letters and digits (CJK ideographs are letters)


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

    A naive ``published_at`` is read in ``zone``; a missing, implausibly old or far-future one is
    replaced by ``fetched_at`` and marked estimated (see :mod:`sentinel.normalise.times`).
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be an aware datetime")
    fetched_at = fetched_at.astimezone(UTC)

    body = raw.body[:_MAX_BODY_CHARS]
    text = html_to_text(body) if raw.body_is_html else clean_text(body)
    text = _cut_bytes(text, MAX_TEXT_BYTES)
    title = _clean_title(raw.title)
    if not title:
        title = first_line(text, DERIVED_TITLE_CHARS)

    published: datetime | None = None
    if raw.published_at is not None:
        published = check_future(to_utc(raw.published_at, zone), fetched_at)

    url = raw.url.strip()[:MAX_URL_CHARS] if raw.url and raw.url.strip() else None
    author = clean_text(raw.author).replace("\n", " ")[:MAX_AUTHOR_CHARS] if raw.author else None
    return NormalItem(
        external_id=bounded_id(raw.external_id),
        title=title,
        text=text,
        url=url,
        canonical_url=canonical_url(url) if url else None,
        author=author or None,
        published_at=published or fetched_at,
        published_at_estimated=published is None,
        content_hash=content_hash(title, text),
        reposts=_count(raw.reposts),
        comments=_count(raw.comments),
        likes=_count(raw.likes),
        author_verified_type=raw.author_verified_type,
        extra=dict(raw.extra),
    )


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


def _count(value: int | None) -> int | None:
    if value is None:
        return None
    return value if value >= 0 else None


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
            problems.append(("malformed", f"entry {raw.external_id!r}: {exc}"))
    return items, problems
