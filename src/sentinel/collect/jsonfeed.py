"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sentinel.collect.base import CollectContext, CollectOutcome
from sentinel.collect.charset import content_type, decode_body
from sentinel.collect.jsonbody import load_json
from sentinel.collect.rss import bounded_id, collect_feed
from sentinel.collect.types import ParseResult, RawItem
from sentinel.errors import ParseError
from sentinel.normalise.times import parse_timestamp
from sentinel.normalise.urls import resolve

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(content: bytes, headers: Mapping[str, str] | None, base_url: str) -> ParseResult:
    """Items of a JSON Feed document.

    Raises :class:`ParseError`: ``empty``, ``malformed`` (not JSON), ``not_a_feed`` (JSON without a
    JSON Feed ``version`` and ``items``, or an HTML page). An item without an ``id`` is skipped with a
    ``malformed`` problem; the others are kept. Relative item URLs are resolved against the feed's
    ``home_page_url``, else ``base_url``. Item authors fall back to the feed's (``author`` in 1.0,
    ``authors`` in 1.1).
    """
    if not content or not content.strip():
        raise ParseError("empty", f"empty body from {base_url}")
    result = ParseResult()
    text, _ = decode_body(content, content_type(headers), problems=result.problems)
    try:
        document = load_json(text)
    except ValueError as error:
        if text.lstrip()[:1] == "<":
            raise ParseError("not_a_feed", f"{base_url} sent markup, not a JSON Feed") from None
        raise ParseError("malformed", f"{base_url} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(_VERSION_PREFIX):
        raise ParseError("not_a_feed", f"{base_url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("malformed", f"{base_url}: JSON Feed without an items list")

    home = document.get("home_page_url")
    base = resolve(base_url, home) if isinstance(home, str) else None
    feed_author = _authors(document)
    for position, entry in enumerate(items):
        if not isinstance(entry, dict):
            result.problems.append(("malformed", f"skipped item {position + 1}: not an object"))
            continue
        item = _item(entry, base or base_url, feed_author)
        if item is None:
            result.problems.append(("malformed", f"skipped item {position + 1}: no id"))
            continue
        result.items.append(item)
    return result


class JsonFeedCollector:
    """Polls a JSON Feed with conditional GET."""

    kind = "jsonfeed"

    async def collect(self, ctx: CollectContext) -> CollectOutcome:
        return await collect_feed(ctx, parse_json_feed)


def _item(entry: dict[str, Any], base_url: str, feed_author: str | None) -> RawItem | None:
    raw_id = entry.get("id")
    # 1.1: "id ... is a string"; 1.0 feeds often have numbers, which the spec says to coerce (a number
    # beyond 64 bits is no id: load_json leaves it out of range).
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | float):
        return None
    external_id = bounded_id(str(raw_id).strip())
    if not external_id:
        return None
    url = resolve(base_url, _string(entry.get("url")))
    external_url = resolve(base_url, _string(entry.get("external_url")))
    body, is_html = _body(entry)
    extra: dict[str, Any] = {}
    if external_url:
        extra["external_url"] = external_url
    tags = entry.get("tags")
    if isinstance(tags, list):
        extra["tags"] = [tag for tag in tags if isinstance(tag, str)][:20]
    return RawItem(
        external_id=external_id,
        body=body,
        title=_string(entry.get("title")),
        body_is_html=is_html,
        url=url or external_url,
        author=_authors(entry) or feed_author,
        published_at=_time(entry.get("date_published")) or _time(entry.get("date_modified")),
        extra=extra,
    )


def _body(entry: dict[str, Any]) -> tuple[str, bool]:
    html = _string(entry.get("content_html"))
    if html:
        return html, True
    text = _string(entry.get("content_text")) or _string(entry.get("summary"))
    return text or "", False


def _authors(node: dict[str, Any]) -> str | None:
    """``authors`` (1.1) joined with "、", else ``author`` (1.0)."""
    authors = node.get("authors")
    if isinstance(authors, list):
        names = [_string(a.get("name")) for a in authors if isinstance(a, dict)]
        joined = "、".join(name for name in names if name)
        if joined:
            return joined
    author = node.get("author")
    if isinstance(author, dict):
        return _string(author.get("name"))
    return None


def _time(value: Any) -> datetime | None:
    return parse_timestamp(value) if isinstance(value, str) else None


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
