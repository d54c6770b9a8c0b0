"""News sites without a feed: a list page read with CSS selectors, then each new article page.

A source names its selectors (:class:`~sentinel.settings.HtmlSelectors`): ``item`` (each entry on
the list page), ``link`` and optional ``title`` and ``date`` inside it, and optional ``date`` and
``body`` on the article page. An article's external id is the canonical URL of its link on the list
page, so the list alone tells which articles are already stored (``ctx.known``), and only new ones
are fetched.

Title: the list's, unless the list cut it short ("..."): then the page's ``<h1>`` or ``<title>``
(without the site name) that continues it. Time: the article page's (the ``date`` selector, then
publish-time ``<meta>`` tags, then a labelled "发布时间：..." in the text), which usually has the
minute, else the list's.
Body: the ``body`` selector, else the largest block of paragraph text on the page.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.charset import content_type, decode_body
from sentinel.collect.rss import bounded_id, source_url
from sentinel.collect.types import RawItem
from sentinel.errors import CollectError, ParseError
from sentinel.normalise.text import html_to_text
from sentinel.normalise.times import parse_date
from sentinel.normalise.urls import canonical_url, resolve
from sentinel.settings import HtmlSelectors


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of a list page: the absolute article URL, and the title and date text shown there."""

    url: str
    title: str | None = None
    date_text: str | None = None

    @property
    def external_id(self) -> str:
        return bounded_id(canonical_url(self.url))


_TRUNCATED = ("...", "…", "..", "……")
_DATE_IN_TEXT = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|(?<!\d)\d{1,2}-\d{1,2}(?!\d)"
)
_LABELLED_DATE = re.compile(r"(?:发布|发稿|更新|成文|印发|公开)?(?:时间|日期)\s*[:：]\s*(.{6,40})")
_LABELLED_SOURCE = re.compile(r"(?:来源|作者|发布机构|信息来源)\s*[:：]\s*([^\s|｜　]{2,40})")
# A site name after a separator at the end of a <title>; "_" never appears in Chinese headlines, so
# whatever follows the first one is a column or site name.
_SITE_SUFFIX = re.compile(
    r"\s*(?:_|-|--|—|\||｜)\s*[^_|｜—-]*(?:政府|门户网站|网站|网|平台|日报|晚报|新闻|在线|客户端|电视台|融媒体中心)\s*$"
)
_UNDERSCORE_TAIL = re.compile(r"_.*$")
_PUBLISH_META = (
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "publish_time",
    "firstpublishedtime",
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
)
_AUTHOR_META = ("author", "article:author", "contentsource", "source")
_BLOCK_CANDIDATES = "div, td, article, section, main"
_TEXT_CHILDREN = frozenset({"-text", "p", "span", "font", "strong", "b", "em", "i", "u", "blockquote"})
_NESTED_BLOCKS = "div, p, table, ul, ol, dl, section, article"


def parse_list(
    content: bytes,
    headers: Mapping[str, str] | None,
    base_url: str,
    selectors: HtmlSelectors,
    *,
    problems: list[tuple[str, str]] | None = None,
) -> list[ListEntry]:
    """The article links of a list page, in page order, without repeats.

    Entries whose link is missing or is not http(s) (``javascript:``, ``#``) are left out.
    """
    text, _ = decode_body(content, content_type(headers), problems=problems)
    tree = LexborHTMLParser(text)
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for node in tree.css(selectors.item):
        link = node.css_first(selectors.link)
        if link is None and node.tag == "a":  # the item is the link itself
            link = node
        if link is None:
            continue
        url = resolve(base_url, link.attributes.get("href"))
        if url is None:
            continue
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            ListEntry(
                url=url, title=_list_title(node, link, selectors), date_text=_list_date(node, selectors)
            )
        )
    return entries


def parse_article(
    content: bytes,
    headers: Mapping[str, str] | None,
    url: str,
    selectors: HtmlSelectors,
    *,
    zone: ZoneInfo,
    reference: datetime,
    entry: ListEntry | None = None,
    problems: list[tuple[str, str]] | None = None,
) -> RawItem:
    """The article at ``url`` (the link as found on the list page) as a :class:`RawItem`.

    ``entry`` is its list entry (title and date shown there); dates are read in ``zone`` with
    ``reference`` (the fetch time) for relative forms and the future rule. Raises
    :class:`ParseError` (``malformed``) when the page has neither a title nor any text.
    """
    text, _ = decode_body(content, content_type(headers), problems=problems)
    tree = LexborHTMLParser(text)
    tree.strip_tags(["script", "style", "noscript", "template"])
    page_text = tree.body.text(separator="\n") if tree.body is not None else ""

    body_node = tree.css_first(selectors.body) if selectors.body else None
    if selectors.body and body_node is None and problems is not None:
        problems.append(
            (
                "malformed",
                f"body selector {selectors.body!r} matched nothing on {url}; used the largest text block",
            )
        )
    if body_node is None:
        body_node = _largest_block(tree)
    body = (body_node.html or "") if body_node is not None else ""

    metas = _metas(tree)
    title = _article_title(tree, entry)
    if not title and not html_to_text(body):
        raise ParseError("malformed", f"{url} has neither a title nor any text")

    published = None
    for candidate in _date_texts(tree, selectors, metas, page_text, entry):
        published = parse_date(candidate, zone, reference)
        if published is not None:
            break
    return RawItem(
        external_id=bounded_id(canonical_url(url)),
        body=body,
        title=title or None,
        body_is_html=True,
        url=url,
        author=_article_author(metas, page_text),
        published_at=published,
    )


class HtmlCollector:
    """Polls a list page with conditional GET and fetches the articles not stored yet."""

    kind = "html"

    async def collect(self, ctx: CollectContext) -> CollectOutcome:
        source = ctx.source
        selectors = source.selectors
        if selectors is None:  # settings refuse an html source without selectors
            raise ParseError("internal", f"source {source.id} has no selectors")
        try:
            check_selectors(selectors)
        except ValueError as error:
            raise ParseError("internal", f"source {source.id}: {error}") from None
        response = await ctx.fetch(source_url(ctx), etag=ctx.validators.etag, last_modified=ctx.validators.last_modified)
        if response.not_modified:
            return CollectOutcome(not_modified=True, validators=ctx.validators)
        problems: list[tuple[str, str]] = []
        entries = parse_list(response.content, response.headers, response.url, selectors, problems=problems)
        if not entries:
            raise ParseError(
                "malformed", f"item selector {selectors.item!r} found no article links on {response.url}"
            )

        known = await ctx.known([entry.external_id for entry in entries]) if ctx.known else set()
        new = [entry for entry in entries if entry.external_id not in known]
        chosen = new[: source.max_articles]
        fetched = await asyncio.gather(*(self._article(ctx, selectors, entry) for entry in chosen))

        items: list[RawItem] = []
        failed = 0
        for item, article_problems in fetched:
            problems.extend(article_problems)
            if item is None:
                failed += 1
            else:
                items.append(item)
        # The list's validators are kept only when every new article was read: with them the next poll
        # would get a 304 and never come back for the articles that failed or were left over.
        complete = failed == 0 and len(new) == len(chosen)
        validators = (
            Validators(etag=response.etag, last_modified=response.last_modified) if complete else Validators()
        )
        return CollectOutcome(items=items, problems=problems, validators=validators, requests=1 + len(chosen))

    async def _article(
        self, ctx: CollectContext, selectors: HtmlSelectors, entry: ListEntry
    ) -> tuple[RawItem | None, list[tuple[str, str]]]:
        problems: list[tuple[str, str]] = []
        try:
            # A link found in content: it may reach a private address only on the source's own origin.
            response = await ctx.fetch(entry.url)
            item = parse_article(
                response.content,
                response.headers,
                entry.url,
                selectors,
                zone=ctx.zone,
                reference=ctx.now,
                entry=entry,
                problems=problems,
            )
        except CollectError as error:
            problems.append((error.reason, f"article {entry.url}: {error}"))
            return None, problems
        return item, problems


def check_selectors(selectors: HtmlSelectors) -> None:
    """Raise ValueError naming the first selector that is not valid CSS (for config checks too)."""
    probe = LexborHTMLParser("<p></p>")
    for name in ("item", "link", "title", "date", "body"):
        selector = getattr(selectors, name)
        if selector is None:
            continue
        try:
            probe.css(selector)
        except SelectolaxError:
            raise ValueError(f"selectors.{name}: {selector!r} is not a valid CSS selector") from None


def _list_title(node: LexborNode, link: LexborNode, selectors: HtmlSelectors) -> str | None:
    if selectors.title:
        title_node = node.css_first(selectors.title)
        if title_node is not None:
            text = _one_line(title_node.text())
            if text:
                return text
    text = _one_line(link.text())
    attribute = _one_line(link.attributes.get("title") or "")
    # List pages cut long titles and keep the whole one in the link's title attribute.
    if attribute and len(attribute) > len(text):
        return attribute
    return text or None


def _list_date(node: LexborNode, selectors: HtmlSelectors) -> str | None:
    if selectors.date:
        date_node = node.css_first(selectors.date)
        return (_one_line(date_node.text()) or None) if date_node is not None else None
    match = _DATE_IN_TEXT.search(node.text())
    return match.group(0) if match else None


def _article_title(tree: LexborHTMLParser, entry: ListEntry | None) -> str:
    listed = entry.title if entry else None
    if listed and not listed.endswith(_TRUNCATED):
        return listed
    headings = [text for text in (_one_line(h1.text()) for h1 in tree.css("h1")) if text]
    title_node = tree.css_first("title")
    page_title = _strip_site_name(_one_line(title_node.text())) if title_node is not None else ""
    if listed:
        # The headline that continues the cut title, not a logo that happens to be an <h1>.
        prefix = listed.rstrip(".…").strip()
        for candidate in [*headings, page_title]:
            if candidate.startswith(prefix):
                return candidate
        return listed
    for heading in headings:
        if page_title and heading.startswith(page_title):
            return heading
    return page_title or (headings[0] if headings else "")


def _strip_site_name(title: str) -> str:
    """``<title>`` without the site and column names CMSs append ("标题_政务动态_某某区人民政府")."""
    while True:
        match = _SITE_SUFFIX.search(title)
        if match is None or match.start() == 0:
            break
        title = title[: match.start()]
    return _UNDERSCORE_TAIL.sub("", title).strip()


def _date_texts(
    tree: LexborHTMLParser,
    selectors: HtmlSelectors,
    metas: dict[str, str],
    page_text: str,
    entry: ListEntry | None,
) -> Iterator[str]:
    """Where an article's time may be written, most precise first; the first that parses wins."""
    if selectors.date:
        node = tree.css_first(selectors.date)
        if node is not None and node.text().strip():
            yield node.text().strip()
    for name in _PUBLISH_META:
        if metas.get(name):
            yield metas[name]
    # "办公时间：9:00-17:00" also has a label: try the first few, not only the first
    for match in itertools.islice(_LABELLED_DATE.finditer(page_text), 5):
        yield match.group(1)
    if entry is not None and entry.date_text:
        yield entry.date_text


def _article_author(metas: dict[str, str], page_text: str) -> str | None:
    for name in _AUTHOR_META:
        if metas.get(name):
            return metas[name]
    match = _LABELLED_SOURCE.search(page_text)
    return match.group(1) if match else None


def _metas(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.css("meta"):
        attributes = meta.attributes
        name = (
            (attributes.get("name") or attributes.get("property") or attributes.get("itemprop") or "")
            .strip()
            .lower()
        )
        value = (attributes.get("content") or "").strip()
        if name and value and name not in found:
            found[name] = value
    return found


def _largest_block(tree: LexborHTMLParser) -> LexborNode | None:
    """The element with the most text in its own paragraphs and text runs (not in links or lists).

    Only for pages where the configured ``body`` selector is missing or matches nothing.

    Scoring only direct children keeps navigation (lists of links), headers and footers low, and
    picks the element that holds the paragraphs rather than a wrapper around the whole page.
    """
    best: LexborNode | None = None
    best_score = 0
    for node in tree.css(_BLOCK_CANDIDATES):
        score = 0
        for child in node.iter(include_text=True, skip_empty=True):
            tag = child.tag
            if tag in _TEXT_CHILDREN or (tag == "div" and child.css_first(_NESTED_BLOCKS) is None):
                # A div without blocks inside is a paragraph (CMSs that write <div> per paragraph).
                score += len((child.text() or "").strip())
        if score > best_score:
            best, best_score = node, score
    return best


def _one_line(text: str | None) -> str:
    return " ".join(text.split()) if text else ""
