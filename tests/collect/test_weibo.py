"""The Weibo collector: parsing tables over recorded and derived responses, then whole polls through
the real fetcher against a loopback server. Fixtures and their origin: ``fixtures/weibo/README.md``."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.base import CollectContext, CollectOutcome
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.weibo import WeiboCollector, origin_of, page_url
from sentinel.collect.weibo_parse import (
    is_challenge_url,
    is_pinned,
    load_payload,
    parse_count,
    parse_created_at,
    parse_long_text,
    parse_page,
)
from sentinel.errors import FetchError, ParseError, SourceBlocked
from sentinel.settings import CollectConfig, SourceConfig, SourceKind
from tests.support.server import LoopbackServer, Request, Route

FIXTURES = Path(__file__).parent / "fixtures" / "weibo"
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2021, 6, 17, 4, 0, tzinfo=UTC)  # 2021-06-17 12:00 in Shanghai

PINNED = "4645748019299849"
REPOST = "4648806186747944"
PICTURE = "4648004356937383"
PAGE1_SINCE = "4646131823281332"  # cardlistInfo.since_id of the real sample
PAGE2_SINCE = "4645300000000007"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> dict[str, Any]:
    return json.loads(raw(name))


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


# --- created_at -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed Jun 16 20:07:07 +0800 2021", sh(2021, 6, 16, 20, 7, 7)),
        ("Thu Dec 31 23:59:59 -0500 2020", datetime(2021, 1, 1, 4, 59, 59, tzinfo=UTC)),
        ("刚刚", sh(2021, 6, 17, 12, 0)),
        ("30秒前", sh(2021, 6, 17, 11, 59, 30)),
        ("5分钟前", sh(2021, 6, 17, 11, 55)),
        ("５分钟前", sh(2021, 6, 17, 11, 55)),  # full-width digit
        ("3小时前", sh(2021, 6, 17, 9, 0)),
        ("2天前", sh(2021, 6, 15, 12, 0)),
        ("今天 08:00", sh(2021, 6, 17, 8, 0)),
        ("昨天 12:00", sh(2021, 6, 16, 12, 0)),
        ("昨天 00:30", sh(2021, 6, 16, 0, 30)),
        ("前天 23:59", sh(2021, 6, 15, 23, 59)),
        ("06-14", sh(2021, 6, 14)),
        ("06-17", sh(2021, 6, 17)),  # today
        ("06-18", sh(2020, 6, 18)),  # tomorrow this year would be in the future: last year
        ("12-31", sh(2020, 12, 31)),
        ("06-14 15:00", sh(2021, 6, 14, 15, 0)),
        ("2020-06-14", sh(2020, 6, 14)),
        ("2020-06-14 08:30", sh(2020, 6, 14, 8, 30)),
        (" 2020-6-4 ", sh(2020, 6, 4)),
    ],
)
def test_created_at_forms(text: str, expected: datetime) -> None:
    got = parse_created_at(text, now=NOW, zone=SH)
    assert got.tzinfo is not None
    assert got == expected


def test_created_at_days_are_counted_in_the_source_zone() -> None:
    # 17:30 UTC on the 16th is already 01:30 on the 17th in Shanghai.
    now = datetime(2021, 6, 16, 17, 30, tzinfo=UTC)
    assert parse_created_at("昨天 12:00", now=now, zone=SH) == sh(2021, 6, 16, 12, 0)
    assert parse_created_at("今天 01:00", now=now, zone=SH) == sh(2021, 6, 17, 1, 0)
    assert parse_created_at("06-17", now=now, zone=SH) == sh(2021, 6, 17)
    assert parse_created_at("昨天 12:00", now=now, zone=ZoneInfo("UTC")) == datetime(2021, 6, 15, 12, 0, tzinfo=UTC)


def test_created_at_month_day_across_new_year() -> None:
    now = datetime(2020, 12, 31, 17, 0, tzinfo=UTC)  # 2021-01-01 01:00 in Shanghai
    assert parse_created_at("12-31", now=now, zone=SH) == sh(2020, 12, 31)
    assert parse_created_at("01-01", now=now, zone=SH) == sh(2021, 1, 1)
    assert parse_created_at("昨天 23:00", now=now, zone=SH) == sh(2020, 12, 31, 23, 0)


@pytest.mark.parametrize(
    "text",
    ["", "明天", "13-45", "2021-02-30", "02-29", "Wed Foo 16 20:07:07 +0800 2021", "99999999999天前", "12:00"],
)
def test_unreadable_created_at_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_created_at(text, now=NOW, zone=SH)


def test_created_at_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError):
        parse_created_at("刚刚", now=datetime(2021, 6, 17, 12, 0), zone=SH)  # noqa: DTZ001


# --- counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (37053, 37053),
        ("1.2万", 12_000),
        ("2.35万", 23_500),
        ("100万+", 1_000_000),
        ("10万+", 100_000),
        ("3亿", 300_000_000),
        ("1.5亿", 150_000_000),
        ("1.2w", 12_000),
        ("123", 123),
        ("1,234", 1_234),
        (" 7 ", 7),
        (12.0, 12),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_counts(value: Any, expected: int | None) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", ["很多", "1.2千", "万", True, [], float("nan"), "-"])
def test_unreadable_count_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_count(value)


# --- pinned posts, envelopes, bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    ("mblog", "pinned"),
    [
        ({"isTop": 1}, True),
        ({"isTop": True}, True),
        ({"mblogtype": 2}, True),
        ({"title": {"text": "置顶", "base_color": 1}}, True),
        ({"isTop": 0, "mblogtype": 0}, False),
        ({"title": {"text": "热门"}}, False),
        ({}, False),
    ],
)
def test_pinned(mblog: dict[str, Any], pinned: bool) -> None:
    assert is_pinned(mblog) is pinned


def test_end_of_results_is_not_an_error() -> None:
    for payload in (fixture("empty.json"), {"ok": 0}, {"ok": 1, "data": {"cards": []}}, {"ok": 1, "data": {}}):
        result = parse_page(payload, now=NOW, zone=SH)
        assert result.end_of_results and result.items == [] and result.problems == [] and result.cursor == {}


@pytest.mark.parametrize(
    "payload",
    [
        {"ok": -100, "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo"},
        {"ok": "-100"},
        {"ok": 0, "url": "https://m.weibo.cn/captcha/show?c=1"},
    ],
)
def test_refusals_are_source_blocked(payload: dict[str, Any]) -> None:
    with pytest.raises(SourceBlocked) as caught:
        parse_page(payload, now=NOW, zone=SH)
    assert caught.value.reason == "blocked"


def test_the_real_captcha_fixture_is_blocked() -> None:
    with pytest.raises(SourceBlocked):
        parse_page(fixture("captcha.json"), now=NOW, zone=SH)


def test_throttle_message_is_rate_limited() -> None:
    with pytest.raises(FetchError) as caught:
        parse_page({"ok": 0, "msg": "请求过于频繁，歇歇吧"}, now=NOW, zone=SH)
    assert caught.value.reason == "rate_limited"


@pytest.mark.parametrize(
    "payload",
    [
        {"ok": 0, "msg": "参数错误"},
        {"ok": 2, "msg": "?"},
        {},
        {"ok": 1},
        {"ok": 1, "data": []},
        {"ok": 1, "data": {"cards": {"card_type": 9}}},
    ],
)
def test_other_answers_are_malformed(payload: dict[str, Any]) -> None:
    with pytest.raises(ParseError) as caught:
        parse_page(payload, now=NOW, zone=SH)
    assert caught.value.reason == "malformed"


def test_load_payload() -> None:
    assert load_payload(b'\xef\xbb\xbf {"ok": 1}', url="u") == {"ok": 1}
    with pytest.raises(SourceBlocked):
        load_payload(raw("login.html"), url="u")
    for body, reason in ((b"", "empty"), (b" \n", "empty"), (b'{"ok": 1, "da', "malformed"), (b"[1]", "malformed")):
        with pytest.raises(ParseError) as caught:
            load_payload(body, url="u")
        assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("url", "challenge"),
    [
        ("https://passport.weibo.cn/signin/welcome?entry=mweibo", True),
        ("https://passport.weibo.com/visitor/visitor?entry=miniblog", True),
        ("https://m.weibo.cn/captcha/show", True),
        ("https://m.weibo.cn/api/container/getIndex?containerid=1076036279793937", False),
        ("http://127.0.0.1:8080/statuses/extend?id=1", False),
        ("http://[not a url", False),
    ],
)
def test_challenge_urls(url: str, challenge: bool) -> None:
    assert is_challenge_url(url) is challenge


def test_long_text_answers() -> None:
    extend = fixture("extend_4645748019299849.json")
    assert parse_long_text(extend) == extend["data"]["longTextContent"]
    with pytest.raises(SourceBlocked):
        parse_long_text(fixture("captcha.json"))
    with pytest.raises(ParseError) as caught:
        parse_long_text({"ok": 1, "data": {"ok": 1}})
    assert caught.value.reason == "malformed"
    with pytest.raises(ParseError) as caught:
        parse_long_text(fixture("empty.json"))
    assert caught.value.reason == "empty"


# --- whole pages ----------------------------------------------------------------------------------


def test_real_sample() -> None:
    sample = fixture("weibo_sample.json")
    result = parse_page(sample, now=NOW, zone=SH)
    assert result.problems == []
    assert not result.end_of_results
    assert result.cursor == {"next_since_id": PAGE1_SINCE}
    pinned, repost, picture = result.items
    assert [item.external_id for item in result.items] == [PINNED, REPOST, PICTURE]

    assert pinned.body == sample["data"]["cards"][0]["mblog"]["text"]
    assert pinned.body.endswith('<a href="/status/4645748019299849">全文</a>')
    assert pinned.body_is_html and pinned.title is None
    assert pinned.url == "https://m.weibo.cn/status/Kjc77D1jz"
    assert pinned.author == "明日方舟Arknights"
    assert pinned.author_verified_type == 2
    assert pinned.published_at == sh(2021, 6, 8, 9, 35, 4)
    assert (pinned.reposts, pinned.comments, pinned.likes) == (9079, 2126, 37053)
    assert pinned.extra == {
        "user_id": "6279793937",
        "verified": True,
        "verified_reason": "上海鹰角网络科技有限公司",
        "is_top": True,
        "is_long_text": True,
        "retweet_of": None,
        "bid": "Kjc77D1jz",
        "source": "微博视频号",
        "pics": 0,
    }

    assert repost.body.startswith("恭喜<a href='/n/黄防护服黄'>@黄防护服黄</a> 等10名用户")
    assert repost.url == "https://m.weibo.cn/status/KktFEsjrO"
    assert repost.published_at == sh(2021, 6, 16, 20, 7, 7)
    assert (repost.reposts, repost.comments, repost.likes) == (7, 147, 1340)
    assert repost.extra["is_top"] is False and repost.extra["is_long_text"] is False
    assert repost.extra["retweet_of"] == PINNED
    assert repost.extra["retweet_author"] == "明日方舟Arknights"
    summary = repost.extra["retweet_text"]
    assert summary.startswith("#明日方舟# #音律联觉# 2021明日方舟音律联觉Ambience Synesthesia专场演出官方录播将于6月12日10:30正式上线")
    assert len(summary) <= 140 and summary.endswith("…") and "<" not in summary and "全文" not in summary
    assert repost.extra["source"] == "微博抽奖平台"

    assert picture.url == "https://m.weibo.cn/status/Kk8Ont6Jh"
    assert picture.published_at == sh(2021, 6, 14, 15, 0, 57)
    assert (picture.reposts, picture.comments, picture.likes) == (1849, 1277, 40504)
    assert picture.extra["pics"] == 1 and picture.extra["retweet_of"] is None
    assert picture.extra["source"] == "微博 weibo.com"


def test_relative_times_and_string_counts() -> None:
    result = parse_page(fixture("timeline_relative.json"), now=NOW, zone=SH)
    by_id = {item.external_id: item for item in result.items}
    assert list(by_id) == [
        "4650000000000006",
        "4650000000000005",
        "4650000000000004",
        "4650000000000003",
        "4650000000000002",
        "4650000000000001",
        "4649999999999999",
    ]
    assert sorted(reason for reason, _ in result.problems) == ["malformed"] * 3
    messages = " | ".join(message for _, message in result.problems)
    assert "without a readable id" in messages and "'明天'" in messages and "'很多'" in messages
    assert result.cursor == {} and not result.end_of_results

    assert by_id["4650000000000006"].published_at == NOW
    assert by_id["4650000000000006"].extra["region_name"] == "发布于 北京"
    assert by_id["4650000000000006"].author_verified_type == 1
    assert by_id["4650000000000005"].published_at == NOW - timedelta(minutes=5)
    assert by_id["4650000000000004"].published_at == NOW - timedelta(hours=3)
    assert by_id["4650000000000003"].published_at == sh(2021, 6, 16, 12, 0)
    assert by_id["4650000000000002"].published_at == sh(2021, 6, 14)
    assert by_id["4650000000000001"].published_at == sh(2020, 6, 14)
    assert by_id["4649999999999999"].published_at is None

    five = by_id["4650000000000005"]  # an int id, counts in 万/亿, two pictures listed
    assert (five.reposts, five.comments, five.likes) == (12_000, 1_000_000, 300_000_000)
    assert five.extra["pics"] == 2 and five.extra["verified"] is False and five.extra["verified_reason"] is None
    assert five.author_verified_type == -1
    assert "region_name" not in five.extra
    four = by_id["4650000000000004"]
    assert (four.reposts, four.comments, four.likes) == (None, None, 23_500)
    assert four.extra["pics"] == 3 and four.extra["source"] is None
    three = by_id["4650000000000003"]  # no bid: the link is built from the id
    assert three.url == "https://m.weibo.cn/status/4650000000000003" and three.extra["bid"] is None
    assert by_id["4649999999999999"].likes is None


def test_search_page_cards() -> None:
    result = parse_page(fixture("search_page.json"), now=NOW, zone=SH)
    assert [item.external_id for item in result.items] == ["4651000000000001", "4651000000000002", "4651000000000003"]
    assert result.cursor == {"next_page": 2}
    assert result.problems == []
    first, second, third = result.items
    assert "示例区暴雨，多条道路积水" in first.body  # the first occurrence wins over the repeat
    assert first.published_at == NOW - timedelta(minutes=10)
    assert first.extra["region_name"] == "发布于 河南"
    assert second.reposts == 12_000 and second.author == "示例日报" and second.author_verified_type == 3
    assert second.published_at == sh(2021, 6, 17, 9, 12)
    assert third.published_at == sh(2021, 6, 16, 23, 40)


def test_second_page_repeats_the_pin_and_carries_a_deleted_original() -> None:
    result = parse_page(fixture("timeline_page2.json"), now=NOW, zone=SH)
    assert [item.external_id for item in result.items] == [PINNED, "4646100000000002", "4645900000000003"]
    assert result.items[0].extra["is_top"] is True
    assert result.cursor == {"next_since_id": PAGE2_SINCE}
    counts = result.items[1]
    assert (counts.reposts, counts.comments, counts.likes) == (12_000, 1_000_000, 300_000_000)
    repost = result.items[2]
    assert repost.extra["retweet_of"] == "4645500000000009"
    assert repost.extra["retweet_author"] is None
    assert repost.extra["retweet_text"].startswith("抱歉，此微博已被作者删除。")


def test_a_post_card_without_a_post_is_a_problem() -> None:
    payload = {"ok": 1, "data": {"cards": [{"card_type": 9, "itemid": "x"}, {"card_type": 9, "mblog": {"id": 1}}]}}
    result = parse_page(payload, now=NOW, zone=SH)
    assert [item.external_id for item in result.items] == ["1"]
    assert [reason for reason, _ in result.problems] == ["malformed", "malformed"]  # the card, then created_at


def test_parse_page_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError):
        parse_page(fixture("weibo_sample.json"), now=datetime(2021, 6, 17), zone=SH)  # noqa: DTZ001


def test_page_urls() -> None:
    search = "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D%E6%9A%B4%E9%9B%A8&page_type=searchall"
    assert page_url(search, {}) == search
    assert page_url(search, {"next_page": 2}) == search + "&page=2"
    assert page_url(search + "&page=2", {"next_page": 3}) == search + "&page=3"
    timeline = "http://127.0.0.1:8080/api/container/getIndex?containerid=1076036279793937&since_id=1"
    assert (
        page_url(timeline, {"next_since_id": "42"})
        == "http://127.0.0.1:8080/api/container/getIndex?containerid=1076036279793937&since_id=42"
    )
    assert origin_of(timeline) == "http://127.0.0.1:8080"


# --- whole polls through the real fetcher on 127.0.0.1 --------------------------------------------

INDEX = "/api/container/getIndex"
EXTEND = "/statuses/extend"


def collect(
    server: LoopbackServer,
    *,
    query: str = "containerid=1076036279793937",
    pages: int = 1,
    cookie: str | None = None,
    cursor: dict[str, Any] | None = None,
    known_ids: Iterable[str] = (),
) -> CollectOutcome:
    stored = set(known_ids)
    source = SourceConfig(id="wb-test", kind=SourceKind.WEIBO, url=server.url(f"{INDEX}?{query}"), pages=pages)

    async def known(ids: Iterable[str]) -> set[str]:
        return {external_id for external_id in ids if external_id in stored}

    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig()) as fetcher:
            ctx = CollectContext(
                source=source, fetcher=fetcher, now=NOW, zone=SH, cursor=dict(cursor or {}), cookie=cookie, known=known
            )
            return await WeiboCollector().collect(ctx)

    return asyncio.run(go())


def json_route(body: bytes | dict[str, Any], status: int = 200) -> Route:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return Route(content, status, {"Content-Type": "application/json; charset=utf-8"})


def timeline(pages: dict[str | None, Route]) -> Callable[[Request], Route]:
    """Answer getIndex by its since_id (None: the first page)."""

    def handler(request: Request) -> Route:
        since = request.query.get("since_id", [None])[0]
        return pages.get(since, Route(b"unexpected since_id", 400))

    return handler


def extend_ok(request: Request) -> Route:
    if request.query.get("id") == [PINNED]:
        return json_route(raw("extend_4645748019299849.json"))
    return Route(b"no such post", 404)


def serve_two_pages(server: LoopbackServer) -> None:
    server.routes[INDEX] = timeline(
        {
            None: json_route(raw("weibo_sample.json")),
            PAGE1_SINCE: json_route(raw("timeline_page2.json")),
            PAGE2_SINCE: json_route(raw("empty.json")),
        }
    )
    server.routes[EXTEND] = extend_ok


def test_two_pages_with_cookie_and_long_text(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server, pages=2, cookie="SUB=abc; SUBP=def\n")

    assert outcome.problems == []
    assert [item.external_id for item in outcome.items] == [
        PINNED, REPOST, PICTURE, "4646100000000002", "4645900000000003",
    ]  # the pin from page 2 is not repeated
    pinned = outcome.items[0]
    assert pinned.body == fixture("extend_4645748019299849.json")["data"]["longTextContent"]
    assert "【测试补全】" in pinned.body and "全文</a>" not in pinned.body
    assert pinned.extra["long_text_expanded"] is True
    assert "long_text_expanded" not in outcome.items[1].extra  # the repost itself is short
    assert outcome.cursor == {"since_id": REPOST}
    assert outcome.requests == 3

    index = http_server.requests_to(INDEX)
    assert len(index) == 2
    assert "since_id" not in index[0].query
    assert index[1].query["since_id"] == [PAGE1_SINCE]
    assert index[1].query["containerid"] == ["1076036279793937"]
    extend = http_server.requests_to(EXTEND)
    assert [request.query["id"] for request in extend] == [[PINNED]]
    for request in index + extend:
        assert request.headers["cookie"] == "SUB=abc; SUBP=def"
        assert request.headers["x-requested-with"] == "XMLHttpRequest"
        assert "Mobile" in request.headers["user-agent"] and "sentinel" not in request.headers["user-agent"]
    assert index[0].headers["referer"] == http_server.url("/")
    assert extend[0].headers["referer"] == http_server.url(f"/detail/{PINNED}")


def test_walk_ends_at_end_of_results(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server, pages=5)
    assert outcome.problems == []
    index = http_server.requests_to(INDEX)
    assert [request.query.get("since_id") for request in index] == [None, [PAGE1_SINCE], [PAGE2_SINCE]]
    assert len(outcome.items) == 5
    assert "cookie" not in index[0].headers


def test_one_page_by_default(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server)
    assert len(http_server.requests_to(INDEX)) == 1
    assert [item.external_id for item in outcome.items] == [PINNED, REPOST, PICTURE]


def test_known_posts_stop_the_walk_and_are_not_expanded(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server, pages=3, known_ids={PINNED, REPOST, PICTURE})
    assert len(http_server.requests_to(INDEX)) == 1
    assert http_server.requests_to(EXTEND) == []
    assert [item.external_id for item in outcome.items] == [PINNED, REPOST, PICTURE]  # the store counts them as duplicates
    assert outcome.cursor == {"since_id": REPOST}


def test_only_the_pin_is_new_still_stops_the_walk(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server, pages=3, known_ids={REPOST, PICTURE})
    assert len(http_server.requests_to(INDEX)) == 1
    assert len(http_server.requests_to(EXTEND)) == 1  # the pin is new to the store: expanded once
    assert outcome.items[0].extra["long_text_expanded"] is True


def test_stored_since_id_stops_the_walk_and_never_goes_back(http_server) -> None:
    serve_two_pages(http_server)
    outcome = collect(http_server, pages=3, cursor={"since_id": REPOST})
    assert len(http_server.requests_to(INDEX)) == 1
    assert outcome.cursor == {"since_id": REPOST}

    http_server.requests.clear()
    ahead = collect(http_server, pages=3, cursor={"since_id": "4700000000000000"})
    assert len(http_server.requests_to(INDEX)) == 1
    assert ahead.cursor == {"since_id": "4700000000000000"}

    http_server.requests.clear()
    behind = collect(http_server, pages=2, cursor={"since_id": 4646000000000000})  # an int, older than page 1
    assert len(http_server.requests_to(INDEX)) == 2
    assert behind.cursor == {"since_id": REPOST}


def test_a_newer_pinned_post_does_not_move_the_cursor(http_server) -> None:
    sample = fixture("weibo_sample.json")
    newer_pin = copy.deepcopy(sample)
    newer_pin["data"]["cards"][0]["mblog"]["id"] = "4700000000000001"
    newer_pin["data"]["cards"][0]["mblog"]["isLongText"] = False
    http_server.routes[INDEX] = timeline({None: json_route(newer_pin)})
    outcome = collect(http_server)
    assert outcome.items[0].external_id == "4700000000000001" and outcome.items[0].extra["is_top"] is True
    assert outcome.cursor == {"since_id": REPOST}


def test_failed_expansion_keeps_the_truncated_text(http_server) -> None:
    http_server.routes[INDEX] = timeline({None: json_route(raw("weibo_sample.json"))})
    http_server.routes[EXTEND] = Route(b"oops", 500)
    outcome = collect(http_server)
    assert [reason for reason, _ in outcome.problems] == ["http_5xx"]
    assert PINNED in outcome.problems[0][1]
    pinned = outcome.items[0]
    assert pinned.body == fixture("weibo_sample.json")["data"]["cards"][0]["mblog"]["text"]
    assert pinned.extra["long_text_expanded"] is False
    assert len(outcome.items) == 3 and outcome.cursor == {"since_id": REPOST}


def test_a_refused_expansion_stops_further_expansions(http_server) -> None:
    sample = fixture("weibo_sample.json")
    sample["data"]["cards"][2]["mblog"]["isLongText"] = True
    http_server.routes[INDEX] = timeline({None: json_route(sample)})
    http_server.routes[EXTEND] = Route(b"", 432)
    outcome = collect(http_server)
    assert len(http_server.requests_to(EXTEND)) == 1
    assert [reason for reason, _ in outcome.problems] == ["blocked", "blocked"]
    assert outcome.items[0].extra["long_text_expanded"] is False
    assert outcome.items[2].extra["long_text_expanded"] is False


def test_extend_answering_ok_minus_100_is_a_problem_not_a_failed_poll(http_server) -> None:
    http_server.routes[INDEX] = timeline({None: json_route(raw("weibo_sample.json"))})
    http_server.routes[EXTEND] = json_route(raw("captcha.json"))
    outcome = collect(http_server)
    assert [reason for reason, _ in outcome.problems] == ["blocked"]
    assert len(outcome.items) == 3


@pytest.mark.parametrize(
    "route",
    [
        Route(b"", 432),
        Route(b"", 403),
        Route(b"", 418),
        json_route(raw("captcha.json")),
        Route(raw("login.html"), 200, {"Content-Type": "text/html; charset=utf-8"}),
    ],
    ids=["http-432", "http-403", "http-418", "ok-minus-100", "html-page"],
)
def test_blocked_source(http_server, route: Route) -> None:
    http_server.routes[INDEX] = route
    with pytest.raises(SourceBlocked) as caught:
        collect(http_server)
    assert caught.value.reason == "blocked"


def test_blocked_on_the_second_page_fails_the_poll(http_server) -> None:
    http_server.routes[INDEX] = timeline({None: json_route(raw("weibo_sample.json")), PAGE1_SINCE: Route(b"", 432)})
    http_server.routes[EXTEND] = extend_ok
    with pytest.raises(SourceBlocked):
        collect(http_server, pages=2)


def test_nothing_there_is_an_empty_success(http_server) -> None:
    http_server.routes[INDEX] = json_route(raw("empty.json"))
    outcome = collect(http_server, pages=3)
    assert outcome.items == [] and outcome.problems == [] and outcome.cursor == {}
    assert len(http_server.requests_to(INDEX)) == 1
    kept = collect(http_server, cursor={"since_id": REPOST})
    assert kept.cursor == {"since_id": REPOST}


def test_search_container_pages_by_number(http_server) -> None:
    def handler(request: Request) -> Route:
        page = request.query.get("page", ["1"])[0]
        return json_route(raw("search_page.json") if page == "1" else raw("empty.json"))

    http_server.routes[INDEX] = handler
    outcome = collect(http_server, query="containerid=100103type%3D1%26q%3D%E7%A4%BA%E4%BE%8B%E5%8C%BA%E6%9A%B4%E9%9B%A8", pages=3)
    index = http_server.requests_to(INDEX)
    assert [request.query.get("page") for request in index] == [None, ["2"]]
    assert all(request.query["containerid"] == ["100103type=1&q=示例区暴雨"] for request in index)
    assert [item.external_id for item in outcome.items] == ["4651000000000001", "4651000000000002", "4651000000000003"]
    assert outcome.problems == []


# --- hostile pages: one bad post never costs the others ------------------------------------------------

HUGE = "9" * 5000  # past the 4,300 digits Python converts by default


def hostile_page() -> bytes:
    def post(mid: str, **fields: str) -> str:
        values = {"id": json.dumps(mid), "created_at": '"Fri Nov 20 09:00:00 +0800 2026"',
                  "text": json.dumps(f"帖子{mid[-2:]}"), "reposts_count": "1", "user": '{"id": 1, "verified_type": 0}'}
        values.update(fields)
        return '{"card_type": 9, "mblog": {' + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}}"

    cards = [
        post("4900000000000001"),
        post("4900000000000002", reposts_count=str(10**30)),
        post("4900000000000003", attitudes_count=HUGE, comments_count="-" + HUGE),
        post("4900000000000004", user='{"id": ' + HUGE + ', "verified_type": ' + str(2**40) + "}"),
        post("4900000000000005", id='"49000000000\\u000000005"'),
        post("4900000000000006", created_at='"Fri Dec 31 23:59:59 -1400 9999"'),
        post("4900000000000007", created_at='"Mon Jan 01 00:00:00 +1400 0001"'),
        post("4900000000000008", text='"a\\u0000b"', region_name='"发布于\\u0000 北京"'),
        '{"card_type": 9, "mblog": {"id": ' + HUGE + ', "text": "id too big to be a post id"}}',
    ]
    return ('{"ok": 1, "data": {"cardlistInfo": {"since_id": ' + HUGE + '}, "cards": [' + ", ".join(cards) + "]}}").encode()


def test_a_hostile_page_keeps_every_readable_post_and_counts_the_rest() -> None:
    result = parse_page(load_payload(hostile_page(), url="u"), now=NOW, zone=SH)
    by_id = {item.external_id: item for item in result.items}
    assert list(by_id) == [f"490000000000000{n}" for n in (1, 2, 3, 4, 6, 7, 8)]  # not the NUL id, not the huge one
    # numbers beyond 64 bits are unreadable counts: the post stays, the count is unknown
    assert by_id["4900000000000002"].reposts is None
    assert by_id["4900000000000003"].likes is None and by_id["4900000000000003"].comments is None
    assert by_id["4900000000000004"].author_verified_type is None
    assert by_id["4900000000000004"].extra["user_id"] is None
    # a time past either end of the calendar is an unreadable time
    assert by_id["4900000000000006"].published_at is None and by_id["4900000000000007"].published_at is None
    assert {reason for reason, _ in result.problems} == {"malformed"}
    assert len(result.problems) == 8
    assert all(len(message) < 300 for _, message in result.problems)
    assert result.cursor == {}  # a since_id that is no post id is no position


def test_a_nesting_bomb_is_a_malformed_page_not_an_internal_error() -> None:
    with pytest.raises(ParseError) as caught:
        load_payload(b'{"ok": 1, "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", url="u")
    assert caught.value.reason == "malformed"
