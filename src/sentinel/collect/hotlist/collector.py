"""The ``hotlist`` collector: one GET of a platform's list through the shared fetcher, parsed by
the platform's adapter, handed on as items (one per entry) and a
:class:`~sentinel.collect.types.Listing` (the ranks) that the store keeps beside them.

Every platform is fetched as a browser fetches it (a browser User-Agent and the Referer of the
platform's own page), with the operator's cookie when the source names one (``cookie_env``;
Douyin answers nothing without it). 401, 403, 418 and Weibo's 432, a redirect to a login or
captcha page, and the refusals each adapter recognises are :class:`~sentinel.errors.SourceBlocked`:
an outage to alert on, not an empty list.
"""

from __future__ import annotations

from typing import Any

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.hotlist.board import Board, Entry
from sentinel.collect.hotlist.parsers import parse_board
from sentinel.collect.types import Listing, ListingRow, RawItem
from sentinel.collect.weibo_parse import is_challenge_url
from sentinel.errors import CollectError, FetchError, SourceBlocked

BROWSER_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/126.0.0.0 Safari/537.36")
_REFERERS = {"weibo": "https://weibo.com/", "baidu": "https://top.baidu.com/", "zhihu": "https://www.zhihu.com/hot",
             "douyin": "https://www.douyin.com/", "toutiao": "https://www.toutiao.com/"}
_BLOCKED_STATUSES = (401, 403, 418, 432)
def request_headers(platform: str, cookie: str | None) -> dict[str, str]:
    headers = {"User-Agent": BROWSER_USER_AGENT, "Accept-Language": "zh-CN,zh;q=0.9",
               "Accept": "text/html,application/xhtml+xml" if platform == "baidu" else "application/json, text/plain, */*"}
    if platform in _REFERERS:
        headers["Referer"] = _REFERERS[platform]
    if cookie and cookie.strip():
        headers["Cookie"] = cookie.strip()
    return headers


class HotlistCollector:
    """Collects one hot list per poll (see the module docstring)."""

    kind = "hotlist"

    async def collect(self, ctx: CollectContext) -> CollectOutcome:
        source = ctx.source
        if source.url is None or source.platform is None:  # settings require both: a wiring bug
            raise CollectError("internal", f"hotlist source {source.id!r} has no url or platform")
        platform = source.platform.value
        try:
            response = await ctx.fetch(source.url, etag=ctx.validators.etag,
                                       last_modified=ctx.validators.last_modified,
                                       headers=request_headers(platform, ctx.cookie))
        except FetchError as exc:
            if exc.reason == "blocked" or exc.status in _BLOCKED_STATUSES:
                raise SourceBlocked(f"{platform} refused {source.url} (HTTP {exc.status})",
                                    retry_after=exc.retry_after) from exc
            raise
        if response.not_modified:
            return CollectOutcome(not_modified=True, validators=ctx.validators)
        if response.url != source.url and is_challenge_url(response.url):
            raise SourceBlocked(f"{source.url} was redirected to a login or captcha page: {response.url}")
        board: Board = await ctx.cpu(parse_board, platform, response.content, response.url)
        return CollectOutcome(
            items=[entry_item(entry, board.list_name) for entry in [*board.entries, *board.pinned]],
            problems=list(board.problems),
            validators=Validators(etag=response.etag, last_modified=response.last_modified),
            listing=listing_of(board),
        )


def entry_item(entry: Entry, list_name: str) -> RawItem:
    """An entry as an item: its title, its description (or the title) as text, its link, and what
    the list said of it under ``extra["hotlist"]`` (list, rank, heat, badge, category, pinned)."""
    facts: dict[str, Any] = {"list": list_name, "rank": entry.rank, "heat": entry.heat, "label": entry.label,
                             "category": entry.category, "pinned": entry.rank is None}
    if entry.extra:
        facts["platform"] = entry.extra
    return RawItem(external_id=entry.key, title=entry.title, body=entry.description or entry.title, url=entry.url,
                   published_at=entry.published_at, extra={"hotlist": facts})


def listing_of(board: Board) -> Listing:
    rows = tuple(ListingRow(entry.key, entry.rank, entry.heat, entry.label)
                 for entry in board.entries if entry.rank is not None)
    return Listing(board.list_name, rows, tuple(entry.key for entry in board.pinned))
