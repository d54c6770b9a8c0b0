"""The collector for each source kind."""

from __future__ import annotations

from sentinel.collect.base import Collector
from sentinel.settings import SourceKind


def default_collectors() -> dict[str, Collector]:
    from sentinel.collect.hotlist.collector import HotlistCollector
    from sentinel.collect.html import HtmlCollector
    from sentinel.collect.jsonfeed import JsonFeedCollector
    from sentinel.collect.rss import RssCollector
    from sentinel.collect.weibo import WeiboCollector

    return {
        SourceKind.RSS.value: RssCollector(),
        SourceKind.JSONFEED.value: JsonFeedCollector(),
        SourceKind.WEIBO.value: WeiboCollector(),
        SourceKind.HTML.value: HtmlCollector(),
        SourceKind.HOTLIST.value: HotlistCollector(),
    }
