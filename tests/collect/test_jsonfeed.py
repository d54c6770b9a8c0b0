"""JSON Feed 1.0 and 1.1: recorded fixtures, bad input, and the collector end to end."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.jsonfeed import JsonFeedCollector, parse_json_feed
from sentinel.errors import ParseError
from sentinel.normalise.item import normalise
from sentinel.settings import CollectConfig, SourceConfig, SourceKind
from tests.support.server import Route

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 6, 3, 4, 0, tzinfo=UTC)
BASE = "https://news.zhengzhou.gov.cn/feed.json"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def feed(items: list[object], **fields: object) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items, **fields}
    ).encode()


def test_version_1_0() -> None:
    result = parse_json_feed(fixture("jsonfeed10.json"), {"content-type": "application/feed+json"}, BASE)
    first, second, fourth = result.items
    assert first.external_id == "zzfb-2024060101"
    assert first.title == "郑州地铁发布汛期运营安全提示"
    assert first.url == "https://news.zhengzhou.gov.cn/a/2024060101.html"
    assert first.body_is_html and first.body.startswith("<p>汛期将至")
    assert first.author == "记者 王堃"
    assert first.published_at == datetime(2024, 6, 1, 10, 20, tzinfo=CST)

    assert second.external_id == "2024060102"  # a number, coerced to a string
    assert second.url == "https://news.zhengzhou.gov.cn/a/2024060102.html"  # relative, resolved
    assert not second.body_is_html and second.body.startswith("市应急管理局消息")
    assert second.author == "郑州市委网信办"  # the feed's author
    assert second.published_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    # the item without an id was skipped, with a problem
    assert [reason for reason, _ in result.problems] == ["malformed"]
    assert "3" in result.problems[0][1]

    # summary only, no title, a zone-less date
    assert fourth.external_id == "zzfb-2024060104" and fourth.title is None
    assert fourth.body.startswith("市气象台发布暴雨黄色预警")
    normal = normalise(fourth, zone=SHANGHAI, fetched_at=NOW)
    assert normal.published_at == datetime(2024, 6, 1, 23, 30, tzinfo=UTC)
    assert normal.title == "市气象台发布暴雨黄色预警:预计未来6小时,市区降雨量将达50毫米以上。"


def test_version_1_1() -> None:
    result = parse_json_feed(fixture("jsonfeed11.json"), None, "https://app.henandaily.cn/zhengwu/feed.json")
    assert result.problems == []
    first, second = result.items
    assert first.external_id == "hnrb-880231"
    assert first.url == "https://app.henandaily.cn/zhengwu/880231.html"
    assert first.extra == {
        "external_url": "https://www.henan.gov.cn/2024/06-02/3001.html",
        "tags": ["防汛", "省政府常务会议"],
    }
    assert first.author == "记者 李喆、通讯员 张珺"
    assert first.published_at == datetime(2024, 6, 2, 18, 0, tzinfo=CST)  # published, not modified
    assert second.author == "河南日报"  # the feed's authors
    assert second.published_at == datetime(2024, 6, 3, 1, 0, tzinfo=UTC)  # only modified


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ({"id": "a", "content_text": "x"}, True),
        ({"id": 42, "content_text": "x"}, True),
        ({"content_text": "x"}, False),
        ({"id": "", "content_text": "x"}, False),
        ({"id": "   ", "content_text": "x"}, False),
        ({"id": None, "content_text": "x"}, False),
        ({"id": True, "content_text": "x"}, False),
        ({"id": ["a"], "content_text": "x"}, False),
        ("not an object", False),
    ],
)
def test_items_without_a_usable_id_are_skipped(item: object, kept: bool) -> None:
    result = parse_json_feed(feed([item, {"id": "other", "content_text": "y"}]), None, BASE)
    assert [i.external_id for i in result.items][-1] == "other"
    assert len(result.items) == (2 if kept else 1)
    assert len(result.problems) == (0 if kept else 1)


def test_external_url_stands_in_for_url() -> None:
    (item,) = parse_json_feed(
        feed([{"id": "a", "external_url": "https://a.cn/x", "content_text": "t"}]), None, BASE
    ).items
    assert item.url == "https://a.cn/x"


def test_content_html_wins_over_text_and_summary() -> None:
    (item,) = parse_json_feed(
        feed([{"id": "a", "content_html": "<p>h</p>", "content_text": "t", "summary": "s"}]), None, BASE
    ).items
    assert (item.body, item.body_is_html) == ("<p>h</p>", True)


def test_bad_dates_are_left_out() -> None:
    (item,) = parse_json_feed(
        feed([{"id": "a", "content_text": "t", "date_published": "yesterday-ish"}]), None, BASE
    ).items
    assert item.published_at is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"{not json", "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed"),
        (b"<html><body>502 Bad Gateway</body></html>", "not_a_feed"),
        (b'{"rss": "no"}', "not_a_feed"),
        (b"[1, 2, 3]", "not_a_feed"),
        (b'{"version": "https://example.com/other"}', "not_a_feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "t"}', "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "malformed"),
    ],
)
def test_bad_documents(content: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_json_feed(content, None, BASE)
    assert caught.value.reason == reason


def test_gbk_json_behind_a_utf8_header() -> None:
    content = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "items": [{"id": "1", "title": "区长王堃部署防汛工作"}],
        },
        ensure_ascii=False,
    ).encode("gb18030")
    result = parse_json_feed(content, {"content-type": "application/json; charset=utf-8"}, BASE)
    assert result.items[0].title == "区长王堃部署防汛工作"
    assert [reason for reason, _ in result.problems] == ["encoding"]


def poll(url: str, validators: Validators | None = None) -> CollectOutcome:
    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig()) as fetcher:
            ctx = CollectContext(
                source=SourceConfig(id="zz-fb", kind=SourceKind.JSONFEED, url=url),
                fetcher=fetcher,
                now=NOW,
                zone=SHANGHAI,
                validators=validators or Validators(),
            )
            return await JsonFeedCollector().collect(ctx)

    return asyncio.run(go())


def test_collector_conditional_get(http_server) -> None:
    modified = "Mon, 03 Jun 2024 01:00:00 GMT"

    def handler(request):
        if request.headers.get("if-modified-since") == modified:
            return Route(b"", 304)
        return Route(
            fixture("jsonfeed11.json"),
            headers={"Content-Type": "application/feed+json", "Last-Modified": modified},
        )

    http_server.routes["/feed.json"] = handler
    first = poll(http_server.url("/feed.json"))
    assert [item.external_id for item in first.items] == ["hnrb-880231", "hnrb-880245"]
    assert first.validators == Validators(last_modified=modified)

    second = poll(http_server.url("/feed.json"), first.validators)
    assert second.not_modified and second.items == []
    assert http_server.requests_to("/feed.json")[1].headers["if-modified-since"] == modified


def test_collector_keeps_good_items_of_a_partly_bad_feed(http_server) -> None:
    http_server.routes["/feed.json"] = Route(fixture("jsonfeed10.json"))
    outcome = poll(http_server.url("/feed.json"))
    assert len(outcome.items) == 3 and [reason for reason, _ in outcome.problems] == ["malformed"]
