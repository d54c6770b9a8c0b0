"""Each hot list's parser by platform: what the parse pool's workers import, and no more (no
httpx, no settings), so that each worker holds only what parsing needs."""

from __future__ import annotations

from collections.abc import Callable

from sentinel.collect.hotlist import baidu, douyin, newsnow, toutiao, weibo, zhihu
from sentinel.collect.hotlist.board import Board

#: by platform, as ``sentinel.settings.HotlistPlatform`` spells them (tests/collect check they agree)
PARSERS: dict[str, Callable[[bytes, str], Board]] = {
    "weibo": weibo.parse, "baidu": baidu.parse, "zhihu": zhihu.parse, "douyin": douyin.parse,
    "toutiao": toutiao.parse, "newsnow": newsnow.parse,
}


def parse_board(platform: str, content: bytes, url: str) -> Board:
    """The board in one response of ``platform``'s list (a pure function: the parse pool runs it)."""
    return PARSERS[platform](content, url)
