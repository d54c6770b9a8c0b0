"""RSS 0.9x/1.0/2.0 and Atom feeds, parsed by feedparser from bytes sentinel fetched.

How feedparser is held (feedparser 6):

- It gets a ``BytesIO``, never a URL or bare bytes: ``feedparser.parse`` fetches a string that looks
  like a URL and *opens a file* named by bytes or a string that is not one, so untrusted content
  could name a local path.
- It gets the document already decoded by :mod:`sentinel.collect.charset` and re-encoded as UTF-8
  with the XML declaration rewritten: its own detection reads an undeclared GBK feed as
  windows-1252 (mojibake, bozo ``CharacterEncodingOverride``).
- Entities: it strips the DOCTYPE and keeps only simple internal entities (``<!ENTITY x "text">``);
  external and nested entities are dropped before expat sees the document, and expat is told not to
  load external general entities. An XXE or "billion laughs" feed therefore parses as bozo with the
  entity left unexpanded, and no DTD is fetched (tests cover all three).
- It gets no base URI (``Content-Location``): with one it "resolves" every guid that is not marked
  ``isPermaLink="false"`` into a URL, so ids would depend on where the feed was fetched from. Links
  are resolved here against the feed's URL instead; Atom ``xml:base`` is still honoured.
- ``sanitize_html`` and ``resolve_relative_uris`` are off: bodies are only ever turned into plain
  text by :func:`sentinel.normalise.text.html_to_text`, which drops scripts and styles, and the two
  passes re-parse every body in pure Python (they were most of feedparser's time per entry).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.charset import content_type, decode_body
from sentinel.collect.types import ParseResult, RawItem
from sentinel.errors import ParseError
from sentinel.normalise.text import html_to_text
from sentinel.normalise.times import parse_timestamp
from sentinel.normalise.urls import resolve

#: An id longer than this is replaced by a hash of it (some CMSs put whole URLs with sessions in guid).
MAX_ID_CHARS = 512
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# the root element: the first start tag after the prolog (declarations, comments, a DOCTYPE)
_ROOT = re.compile(r"^(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*<([A-Za-z_][\w:.-]*)", re.DOTALL)
_ENTRY_END = re.compile(r"</\s*(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:\s|<\?xml[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def parse_feed(content: bytes, headers: Mapping[str, str] | None, base_url: str) -> ParseResult:
    """Items of an RSS or Atom document.

    ``headers`` are the response headers (only ``Content-Type`` is read); ``base_url`` is the URL the
    feed was fetched from, after redirects. Raises :class:`ParseError` with ``empty`` (no body),
    ``not_a_feed`` (an HTML page, or XML that is no feed), ``malformed`` (nothing could be read) or
    ``encoding``. A feed that is not well-formed ("bozo") is read leniently and records a
    ``malformed`` problem; one that was cut off keeps the items read before the cut.
    """
    if not content or not content.strip():
        raise ParseError("empty", f"empty body from {base_url}")
    if _HTML_START.match(content[:2048]):
        raise ParseError("not_a_feed", f"{base_url} sent an HTML page, not a feed")
    result = ParseResult()
    text, _ = decode_body(content, content_type(headers), problems=result.problems)
    document = _XML_DECL.sub("", text, count=1).lstrip("\ufeff")
    utf8 = b'<?xml version="1.0" encoding="utf-8"?>\n' + document.encode("utf-8")
    parsed = feedparser.parse(
        io.BytesIO(utf8),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries = parsed.get("entries") or []
    bozo = bool(parsed.get("bozo"))
    # feedparser reads a document that is not well-formed with its lenient parser, to the end; only
    # a document that stops inside its last entry may have lost part of it.
    cut = bozo and not _complete(document)
    cut_inside_last = cut and len(_ENTRY_END.findall(document)) < len(entries)
    if not parsed.get("version") and not entries:
        if bozo:
            raise ParseError(
                "malformed", f"{base_url} is not readable as a feed: {parsed.get('bozo_exception')}"
            )
        raise ParseError("not_a_feed", f"{base_url} is XML but neither RSS nor Atom")
    if cut and not entries:
        raise ParseError("malformed", f"{base_url}: {parsed.get('bozo_exception')}; no entries could be read")
    if cut:
        result.problems.append(
            ("malformed", f"feed breaks part way ({parsed.get('bozo_exception')}); kept what came before")
        )
    elif bozo:  # HTML entities such as &eacute;, a stray "&", "--" in a comment: nothing was lost
        result.problems.append(("malformed", f"not well-formed XML ({parsed.get('bozo_exception')}); read leniently"))

    for position, entry in enumerate(entries):
        # the last entry of a cut document may be cut too: only an id or a link identifies it safely
        item = _item(entry, base_url, truncated=cut_inside_last and position == len(entries) - 1)
        if item is None:
            reason = (
                "entry without id or link where the feed was cut off"
                if cut
                else "entry with no id, link, title or content"
            )
            result.problems.append(("malformed", f"skipped entry {position + 1}: {reason}"))
            continue
        result.items.append(item)
    return result


def _complete(document: str) -> bool:
    """True when the document ends with the end tag of its root element (and comments)."""
    root = _ROOT.search(document)
    if root is None:
        return False
    end = re.compile(rf"</\s*{re.escape(root.group(1))}\s*>(?:\s|<!--.*?-->)*$", re.DOTALL)
    return end.search(document[-4096:]) is not None


class RssCollector:
    """Polls an RSS or Atom feed with conditional GET."""

    kind = "rss"

    async def collect(self, ctx: CollectContext) -> CollectOutcome:
        return await collect_feed(ctx, parse_feed)


FeedParser = Callable[[bytes, Mapping[str, str] | None, str], ParseResult]


async def collect_feed(ctx: CollectContext, parse: FeedParser) -> CollectOutcome:
    """One conditional GET of ``ctx.source.url`` parsed by ``parse(content, headers, url)``."""
    response = await ctx.fetch(source_url(ctx), etag=ctx.validators.etag, last_modified=ctx.validators.last_modified)
    if response.not_modified:
        return CollectOutcome(not_modified=True, validators=ctx.validators)
    result = await ctx.cpu(parse, response.content, dict(response.headers), response.url)
    return CollectOutcome(
        items=result.items,
        problems=result.problems,
        validators=Validators(etag=response.etag, last_modified=response.last_modified),
    )


def source_url(ctx: CollectContext) -> str:
    """The URL a polled source is fetched from (settings require one for every polled kind)."""
    if not ctx.source.url:
        raise ParseError("internal", f"source {ctx.source.id} has no url to poll")
    return ctx.source.url


def _item(entry: Any, base_url: str, *, truncated: bool) -> RawItem | None:
    link = resolve(base_url, entry.get("link"))
    title = _title(entry)
    body, is_html = _body(entry)
    raw_id = (entry.get("id") or "").strip()
    if truncated and not raw_id and not link:
        return None
    # a title that is only markup (an image) has no text, but still tells the entry apart
    shown = title or (entry.get("title") or "").strip()
    if raw_id or link:
        external_id = bounded_id(raw_id or link or "")
    elif shown or body:
        external_id = "sha1:" + _sha1(f"{shown}\n{body}")
    else:
        return None
    extra: dict[str, Any] = {}
    tags = [tag.get("term") for tag in entry.get("tags") or () if tag.get("term")]
    if tags:
        extra["tags"] = tags[:20]
    return RawItem(
        external_id=external_id,
        body=body,
        title=title or None,
        body_is_html=is_html,
        url=link,
        author=_author(entry),
        published_at=_published(entry),
        extra=extra,
    )


def _title(entry: Any) -> str:
    title = entry.get("title") or ""
    detail = entry.get("title_detail") or {}
    if title and detail.get("type") in _HTML_TYPES:
        return html_to_text(title).replace("\n", " ")
    return title.strip()


def _body(entry: Any) -> tuple[str, bool]:
    """content:encoded / Atom content, else the summary (RSS description)."""
    for content in entry.get("content") or ():
        value = content.get("value")
        if value:
            return value, content.get("type", "text/html") in _HTML_TYPES
    summary = entry.get("summary")
    if summary:
        detail = entry.get("summary_detail") or {}
        return summary, detail.get("type", "text/html") in _HTML_TYPES
    return "", False


def _author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author")
    return name.strip() if name and name.strip() else None


def _published(entry: Any) -> datetime | None:
    """The entry's time as the feed wrote it: aware when it named a zone, naive when it did not.

    feedparser's ``*_parsed`` values read a zone-less time as UTC (and give up on a zone-less RFC 822
    date), so the raw string is parsed here and feedparser's value is only a fallback for forms
    :func:`parse_timestamp` does not know.
    """
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        found = parse_timestamp(raw)
        if found is not None:
            return found
        parsed: struct_time | None = entry.get(f"{key}_parsed")
        if parsed is not None:
            return datetime(*parsed[:6], tzinfo=UTC)
    return None


def bounded_id(value: str) -> str:
    """``value`` as an external id, or ``sha1:<hex>`` of it when longer than :data:`MAX_ID_CHARS`."""
    return value if len(value) <= MAX_ID_CHARS else "sha1:" + _sha1(value)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
