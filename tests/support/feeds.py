"""Small feed documents written for the tests (not recorded from anywhere)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

BASE = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def rss(entries: list[tuple[str, str, str]], *, encoding: str = "utf-8", declared: str | None = None) -> bytes:
    """RSS 2.0 with ``(guid, title, text)`` entries, encoded in ``encoding`` and declaring ``declared``."""
    items = "".join(
        f"<item><title>{title}</title><link>http://news.example.cn/{guid}.html</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(BASE + timedelta(minutes=n))}</pubDate><description>{text}</description></item>"
        for n, (guid, title, text) in enumerate(entries)
    )
    document = (
        f'<?xml version="1.0" encoding="{declared or encoding}"?><rss version="2.0"><channel><title>测试</title>'
        f"<link>http://news.example.cn/</link><description>d</description>{items}</channel></rss>"
    )
    return document.encode(encoding)


def numbered(prefix: str, count: int, start: int = 0) -> list[tuple[str, str, str]]:
    return [(f"{prefix}-{n}", f"郑州市第{n}条新闻", f"正文{n}：市政府召开会议。") for n in range(start, start + count)]


def jsonfeed(entries: list[tuple[str, str, str]]) -> bytes:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "河南日报",
        "items": [
            {"id": guid, "title": title, "content_text": text,
             "date_published": (BASE + timedelta(minutes=n)).isoformat(), "url": f"http://news.example.cn/{guid}"}
            for n, (guid, title, text) in enumerate(entries)
        ],
    }, ensure_ascii=False).encode()


def weibo_page(posts: list[tuple[str, str]]) -> bytes:
    cards = [
        {"card_type": 9, "mblog": {
            "id": mid, "mid": mid, "created_at": "Fri Nov 20 09:00:00 +0800 2026", "text": text,
            "isLongText": False, "reposts_count": 10, "comments_count": "1.2万", "attitudes_count": 3,
            "user": {"id": 1, "screen_name": "郑州发布", "verified": True, "verified_type": 1}}}
        for mid, text in posts
    ]
    return json.dumps({"ok": 1, "data": {"cardlistInfo": {"since_id": None}, "cards": cards}},
                      ensure_ascii=False).encode()
