"""The Weibo (微博) collector: one poll walks a container timeline or a search container.

A source URL is a mobile API container, e.g.
``https://m.weibo.cn/api/container/getIndex?containerid=1076036279793937`` (an account's timeline:
``107603`` + uid) or a search container (``containerid=100103type=1&q=...``). One poll:

1. fetches up to ``source.pages`` pages, continuing with the ``since_id`` (timelines) or ``page``
   (search) the previous page named, and stops early at the end of results or at a page with no new
   post on it (every non-pinned post already stored, or at or below the stored ``since_id``);
2. drops repeats within the poll: a pinned post (置顶) comes back on every page;
3. expands long posts (长微博) that are not stored yet through ``/statuses/extend?id=ID`` on the
   source URL's own origin (so a mirror or a test server serves it too); a failed expansion keeps
   the truncated text and is recorded as a problem;
4. returns ``cursor = {"since_id": newest non-pinned post id}``, never lower than the stored one.

Any failed page fails the whole poll (nothing is stored, the cursor stays): storing the first page
of a walk and losing the second would leave a gap that the next poll's "stop at known posts" rule
never revisits. HTTP 432, ``ok: -100``, a login/captcha redirect and an HTML body all raise
:class:`~sentinel.errors.SourceBlocked`.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sentinel.collect.base import CollectContext, CollectOutcome
from sentinel.collect.types import RawItem
from sentinel.collect.weibo_parse import is_challenge_url, load_payload, parse_long_text, parse_page
from sentinel.errors import CollectError, FetchError, SourceBlocked

# m.weibo.cn serves its API to the mobile web client; a desktop or bot User-Agent is refused sooner.
MOBILE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EXTEND_PATH = "/statuses/extend"
_PAGE_PARAMS = {"next_since_id": "since_id", "next_page": "page"}
# After these, further long-text requests in the same poll would only deepen the refusal.
_STOP_EXPANDING = ("blocked", "rate_limited")
_BLOCKED_STATUSES = (403, 418, 432)


class WeiboCollector:
    """Collects one Weibo container per poll (see the module docstring)."""

    kind = "weibo"

    async def collect(self, ctx: CollectContext) -> CollectOutcome:
        source_url = ctx.source.url
        if source_url is None:  # settings reject a weibo source without url; this is a wiring bug
            raise CollectError("internal", f"weibo source {ctx.source.id!r} has no url")
        origin = origin_of(source_url)
        stored_since = _id_number(ctx.cursor.get("since_id"))
        newest = stored_since
        outcome = CollectOutcome(requests=0)
        emitted: set[str] = set()
        position: dict[str, Any] = {}
        visited: set[tuple[str, str]] = set()
        refused: str | None = None  # set when the service refused a long-text request
        for _ in range(ctx.source.pages):
            url = page_url(source_url, position)
            payload = await _get_json(ctx, url, referer=f"{origin}/")
            outcome.requests += 1
            page = parse_page(payload, now=ctx.now, zone=ctx.zone)
            outcome.problems.extend(page.problems)
            items = [item for item in page.items if item.external_id not in emitted]
            emitted.update(item.external_id for item in items)
            known = await _known(ctx, [item.external_id for item in items])
            # Only a timeline (paged by since_id) is newest-first, so only there does "at or below the
            # stored since_id" mean "seen before"; search pages are ordered by relevance.
            ordered = "next_since_id" in page.cursor
            fresh = False
            for item in items:
                if item.extra.get("is_top") is True:
                    continue  # a pinned post is old news on every page: it neither moves the cursor nor the walk
                number = _id_number(item.external_id)
                if number is not None and (newest is None or number > newest):
                    newest = number
                seen_before = item.external_id in known or (
                    ordered and stored_since is not None and number is not None and number <= stored_since
                )
                fresh = fresh or not seen_before
            for item in items:
                if item.extra.get("is_long_text") is True and item.external_id not in known:
                    if refused is None:
                        item, refused = await _expand(ctx, origin, item, outcome)
                    else:
                        item = _mark_expanded(item, False)
                        outcome.problems.append(
                            (refused, f"post {item.external_id}: long text not expanded after an earlier {refused}")
                        )
                outcome.items.append(item)
            if page.end_of_results or not fresh or not page.cursor:
                break
            key, value = next(iter(page.cursor.items()))
            step = (_PAGE_PARAMS[key], str(value))
            if step in visited:  # the service sent us back to a page we already read
                break
            visited.add(step)
            position = page.cursor
        if newest is not None:
            outcome.cursor = {"since_id": str(newest)}
        return outcome


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_url(source_url: str, position: dict[str, Any]) -> str:
    """The source URL continued at ``position`` (``{"next_since_id": X}`` or ``{"next_page": N}``).

    The rest of the query is kept byte for byte: container ids such as ``100103type%3D1%26q%3D...``
    must not be re-encoded.
    """
    if not position:
        return source_url
    ((key, value),) = position.items()
    param = _PAGE_PARAMS[key]
    parts = urlsplit(source_url)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] not in ("since_id", "page")]
    kept.append(f"{param}={quote(str(value), safe='')}")
    return urlunsplit(parts._replace(query="&".join(kept)))


def request_headers(*, referer: str, cookie: str | None) -> dict[str, str]:
    """What the mobile web client sends with its XHR calls, plus the operator's cookie when set."""
    headers = {
        "User-Agent": MOBILE_USER_AGENT,
        "Accept": "application/json, text/plain, */*",
        "Referer": referer,
        "X-Requested-With": "XMLHttpRequest",
        "MWeibo-Pwa": "1",
    }
    if cookie and cookie.strip():
        headers["Cookie"] = cookie.strip()
    return headers


async def _get_json(ctx: CollectContext, url: str, *, referer: str) -> dict[str, Any]:
    try:
        response = await ctx.fetch(url, headers=request_headers(referer=referer, cookie=ctx.cookie))
    except FetchError as exc:
        # 432 is Weibo's own "blocked"; 403 and 418 are what its edge answers a banned address or
        # a missing/expired cookie with. All three are an outage to alert on, not "no news".
        if exc.reason == "blocked" or exc.status in _BLOCKED_STATUSES:
            raise SourceBlocked(f"Weibo refused {url} (HTTP {exc.status})", retry_after=exc.retry_after) from exc
        raise
    if response.url != url and is_challenge_url(response.url):
        raise SourceBlocked(f"{url} was redirected to a login or captcha page: {response.url}")
    return load_payload(response.content, url=url)


async def _expand(
    ctx: CollectContext, origin: str, item: RawItem, outcome: CollectOutcome
) -> tuple[RawItem, str | None]:
    """The item with its full text, or unchanged with a problem noted; and the reason to stop
    expanding in this poll, when the service refused (blocked, rate limited)."""
    post_id = item.external_id
    url = f"{origin}{EXTEND_PATH}?id={quote(post_id, safe='')}"
    outcome.requests += 1
    try:
        payload = await _get_json(ctx, url, referer=f"{origin}/detail/{quote(post_id, safe='')}")
        body = parse_long_text(payload)
    except CollectError as exc:
        outcome.problems.append((exc.reason, f"post {post_id}: long text not expanded, keeping the truncated text: {exc}"))
        return _mark_expanded(item, False), (exc.reason if exc.reason in _STOP_EXPANDING else None)
    return dataclasses.replace(_mark_expanded(item, True), body=body), None


def _mark_expanded(item: RawItem, expanded: bool) -> RawItem:
    return dataclasses.replace(item, extra={**item.extra, "long_text_expanded": expanded})


async def _known(ctx: CollectContext, ids: list[str]) -> set[str]:
    if ctx.known is None or not ids:
        return set()
    return set(await ctx.known(ids))


def _id_number(value: Any) -> int | None:
    """A post id as a number (ids grow with time), or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 19:  # post ids are 16 digits; longer is no id
        return int(text)
    return None
