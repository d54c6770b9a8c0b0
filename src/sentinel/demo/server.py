"""The demo's feed server: bundled stories served on 127.0.0.1 as RSS, JSON Feed, Weibo and a GBK
government site, each story appearing ``after`` seconds from the start so the daemon has news to find.
"""

from __future__ import annotations

import html
import json
import threading
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sentinel.clock import Clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEIBO_CONTAINER = "1076031234567890"


def load_stories() -> list[dict[str, Any]]:
    text = resources.files("sentinel.demo").joinpath("feeds/stories.json").read_text(encoding="utf-8")
    return list(json.loads(text)["stories"])



class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections when many polls start at once
    daemon_threads = True


class DemoFeedServer:
    def __init__(self, clock: Clock, *, speed: float = 1.0) -> None:
        self.clock = clock
        self.started = clock.now()
        self.speed = speed
        self.stories = load_stories()
        demo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, content_type, body = demo.render(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="demo-feeds")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DemoFeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def published(self, story: dict[str, Any]) -> datetime:
        return self.started + timedelta(seconds=story["after"] * self.speed)

    def visible(self, feed: str) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [s for s in self.stories if s["feed"] == feed and self.published(s) <= now][::-1]

    def render(self, raw_path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/rss/city-news.xml":
            return 200, "application/rss+xml; charset=utf-8", self._rss("city-news").encode("utf-8")
        if path == "/json/hn-daily.json":
            return 200, "application/feed+json", json.dumps(self._jsonfeed("hn-daily"), ensure_ascii=False).encode()
        if path == "/api/container/getIndex":
            return 200, "application/json; charset=utf-8", json.dumps(self._weibo(), ensure_ascii=False).encode()
        if path == "/gov/list.html":
            return 200, "text/html; charset=gb2312", self._gov_list().encode("gb18030")
        if path.startswith("/gov/article/"):
            story_id = path.rsplit("/", 1)[-1].removesuffix(".html")
            for story in self.visible("html-site"):
                if story["id"] == story_id:
                    return 200, "text/html; charset=gb2312", self._gov_article(story).encode("gb18030")
        if path == "/statuses/extend":
            story_id = parse_qs(parts.query).get("id", [""])[0]
            for story in self.visible("city-weibo"):
                if story["id"] == story_id:
                    body = {"ok": 1, "data": {"longTextContent": story["text"]}}
                    return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()
        return 404, "text/plain", b"not found"

    def _rss(self, feed: str) -> str:
        entries = "".join(
            f"<item><title>{html.escape(s['title'])}</title><link>{self.base}/news/{s['id']}.html</link>"
            f"<guid isPermaLink=\"false\">{s['id']}</guid><author>{html.escape(s['author'])}</author>"
            f"<pubDate>{format_datetime(self.published(s))}</pubDate>"
            f"<description>{html.escape(s['text'])}</description></item>"
            for s in self.visible(feed)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>郑州发布</title>'
            f"<link>{self.base}/</link><description>郑州市人民政府新闻办公室</description>{entries}</channel></rss>"
        )

    def _jsonfeed(self, feed: str) -> dict[str, Any]:
        return {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "河南日报",
            "home_page_url": f"{self.base}/",
            "items": [
                {
                    "id": s["id"],
                    "url": f"{self.base}/hd/{s['id']}.html?utm_source=feed",
                    "title": s["title"],
                    "content_text": s["text"],
                    "date_published": self.published(s).isoformat(),
                    "authors": [{"name": s["author"]}],
                }
                for s in self.visible(feed)
            ],
        }

    def _weibo(self) -> dict[str, Any]:
        cards = []
        for s in self.visible("city-weibo"):
            when = self.published(s).astimezone(SHANGHAI).strftime("%a %b %d %H:%M:%S +0800 %Y")
            cards.append({
                "card_type": 9,
                "mblog": {
                    "id": s["id"], "mid": s["id"], "created_at": when, "text": s["text"], "isLongText": False,
                    "reposts_count": s.get("reposts", 0), "comments_count": s.get("comments", 0),
                    "attitudes_count": s.get("likes", 0),
                    "user": {"id": 1234567890, "screen_name": s["author"], "verified": s.get("verified_type", -1) >= 0,
                             "verified_type": s.get("verified_type", -1)},
                },
            })
        if not cards:
            return {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
        return {"ok": 1, "data": {"cardlistInfo": {"containerid": WEIBO_CONTAINER, "since_id": None}, "cards": cards}}

    def _gov_list(self) -> str:
        rows = "".join(
            f'<li class="news"><a href="/gov/article/{s["id"]}.html">{html.escape(s["title"])}</a>'
            f'<span class="date">{self.published(s).astimezone(SHANGHAI):%Y-%m-%d %H:%M}</span></li>'
            for s in self.visible("html-site")
        )
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>郑州市应急管理局 - 工作动态</title></head><body><ul class=\"list\">{rows}</ul></body></html>"
        )

    def _gov_article(self, story: dict[str, Any]) -> str:
        when = self.published(story).astimezone(SHANGHAI)
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>{html.escape(story['title'])}</title></head><body><h1>{html.escape(story['title'])}</h1>"
            f'<div class="info">发布时间：{when:%Y-%m-%d %H:%M} 来源：{html.escape(story["author"])}</div>'
            f'<div class="content"><p>{html.escape(story["text"])}</p></div></body></html>'
        )
