"""Hot-list adapters: every platform's fixtures parsed exactly (entries, ranks, heat values, pinned
and ad rows dropped), a changed shape reported as ``malformed`` (never an empty list), refusals as
blocked; then whole polls through the real fetcher against a server on 127.0.0.1. Fixtures and
their origin: ``fixtures/hotlist/README.md``."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.base import CollectContext, CollectOutcome
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.hotlist.archive import parse_rows
from sentinel.collect.hotlist.board import heat_value
from sentinel.collect.hotlist.collector import HotlistCollector, parse_board
from sentinel.collect.hotlist.newsnow import list_name
from sentinel.errors import FetchError, ParseError, SourceBlocked
from sentinel.settings import CollectConfig, SourceConfig
from tests.support.server import LoopbackServer, Route

FIXTURES = Path(__file__).parent / "fixtures" / "hotlist"
NOW = datetime(2026, 8, 8, 10, 0, tzinfo=UTC)
SH = ZoneInfo("Asia/Shanghai")


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def board(platform: str, name: str, url: str = "https://example.test/api/s?id=x"):
    return parse_board(platform, raw(name), url)


def rows(found) -> list[tuple[int | None, str, int | None]]:
    return [(entry.rank, entry.key, entry.heat) for entry in found.entries]


# --- heat values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (1315270, 1315270), ("1315270", 1315270), ("1,315,270", 1315270), (1.5e6, 1500000), ("1.2万", 12000),
    ("411 万热度", 4110000), ("热搜指数：4998888", 4998888), ("综艺 850468", 850468), ("剧集 92.8万", 928000),
    ("3亿", 300000000), ("１２３", 123), (None, None), ("", None), ("  ", None), (0, 0),
])
def test_heat_values_in_every_form_the_platforms_write(value: Any, expected: int | None) -> None:
    assert heat_value(value) == expected


@pytest.mark.parametrize("value", ["热", True, [1], {"n": 1}, float("nan")])
def test_a_heat_value_without_a_number_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        heat_value(value)


# --- each platform's fixtures, exactly -----------------------------------------------------------------


def test_weibo_side_panel() -> None:
    found = board("weibo", "weibo_side.json")
    assert found.list_name == "weibo" and found.problems == []
    assert rows(found) == [
        (1, "台风白海豚", 1392326), (2, "峰哥实名举报汪海林偷税漏税", 1226750), (3, "2026我们的家园幸福美丽西藏", 1022383),
        (4, "西村力演唱会的状态", 1011255), (5, "小夜灯 性早熟", 998358), (6, "虞书欣古子成大婚路透", 928352),
        (7, "两个淡人谈恋爱是极其美味的", 446892), (8, "男子因噪音狂斩邻居30多刀后坠楼", 348769),
        (9, "费大厨塌房了吗", 327799),  # num as a digit string
        (10, "王楚钦马龙张怡宁丁宁同框", 324725),
    ]
    assert "美年达小黄人新包装官宣联动" not in {e.key for e in found.entries}  # the ad (is_ad, 商/荐) is dropped
    labels = {e.key: (e.label, e.category) for e in found.entries}
    assert labels["台风白海豚"] == ("沸", "社会") and labels["虞书欣古子成大婚路透"] == ("热", "电视剧")
    assert labels["小夜灯 性早熟"] == ("新", None)  # flag_desc "" and no category
    knife = found.entries[7]
    assert knife.published_at == datetime.fromtimestamp(1786153020, tz=UTC)  # onboard_time
    assert knife.url == "https://s.weibo.com/weibo?q=%23%E7%94%B7%E5%AD%90%E5%9B%A0%E5%99%AA%E9%9F%B3%E7%8B%82%E6%96%A9%E9%82%BB%E5%B1%8530%E5%A4%9A%E5%88%80%E5%90%8E%E5%9D%A0%E6%A5%BC%23"
    assert [(p.rank, p.key, p.title) for p in found.pinned] == [(None, "习近平心系体育强国建设", "习近平心系体育强国建设")]


def test_weibo_mobile_container() -> None:
    found = board("weibo", "weibo_container.json")
    assert found.problems == []
    assert rows(found) == [
        (1, "台风白海豚", 1392326), (2, "峰哥实名举报汪海林偷税漏税", 1226750), (3, "2026我们的家园幸福美丽西藏", 1022383),
        (4, "西村力演唱会的状态", 1011255), (5, "小夜灯 性早熟", 998358), (6, "虞书欣古子成大婚路透", 928352),
        (7, "两个淡人谈恋爱是极其美味的", 446892), (8, "男子因噪音狂斩邻居30多刀后坠楼", 348769),
    ]
    by_key = {e.key: e for e in found.entries}
    assert (by_key["虞书欣古子成大婚路透"].category, by_key["虞书欣古子成大婚路透"].label) == ("剧集", "热")
    assert by_key["峰哥实名举报汪海林偷税漏税"].label == "爆" and by_key["小夜灯 性早熟"].label == "新"
    assert by_key["台风白海豚"].label is None  # no badge image this adapter knows
    assert by_key["台风白海豚"].url.startswith("https://m.weibo.cn/search?containerid=100103type%3D1")
    assert [p.key for p in found.pinned] == ["习近平心系体育强国建设"]


@pytest.mark.parametrize("name", ["baidu_realtime.html", "baidu_nowrap.html"])
def test_baidu_with_and_without_the_data_wrapper(name: str) -> None:
    found = board("baidu", name)
    expected = [(1, "台风白海豚将登陆浙江", 4998888), (2, "男子因噪音狂斩邻居30多刀后坠楼", 4826514),
                (3, "以色列驻成都总领事馆正式关闭", 4710332), (4, "金饰克价一夜涨回1300元", 4592207),
                (5, "上半年34.63亿人次出游", 4471090), (6, "两名海警去年南海黄岩岛维权牺牲", 4350118),
                (7, "峰哥实名举报汪海林偷税漏税", 4233075), (8, "北京地铁新款雨衣别随意丢弃", 4111524)]
    assert rows(found) == (expected if name == "baidu_realtime.html" else expected[:3])
    assert "习近平心系体育强国建设" not in {e.key for e in found.entries}  # isTop: dropped
    assert found.pinned == [] and found.problems == []
    first = found.entries[0]
    assert first.description == "台风白海豚预计9日下午至10日早晨在浙江到福建北部沿海登陆。"
    assert first.url == "https://www.baidu.com/s?wd=%E5%8F%B0%E9%A3%8E%E7%99%BD%E6%B5%B7%E8%B1%9A%E5%B0%86%E7%99%BB%E9%99%86%E6%B5%99%E6%B1%9F"
    assert first.extra == {"index": 0, "hotTag": "3", "hotChange": "up"}


def test_zhihu() -> None:
    found = board("zhihu", "zhihu_hot_list_web.json")
    assert rows(found) == [(1, "712345678901", 12_080_000), (2, "712345678902", 8_110_000), (3, "712345678903", 4_110_000),
                           (4, "712345678904", 3_560_000), (5, "712345678905", 2_980_000)]
    first = found.entries[0]
    assert first.title == "如何看待台风「白海豚」将正面袭击浙江？会带来哪些影响？"
    assert first.url == "https://www.zhihu.com/question/712345678901"
    assert first.description == "台风白海豚8日6时位于温岭东南方向约545公里的海面上。"
    assert found.entries[1].description is None  # an empty excerpt
    assert found.problems == []


def test_douyin() -> None:
    found = board("douyin", "douyin_hot_search.json")
    assert rows(found) == [(1, "2089011", 12163511), (2, "2089207", 11548372), (3, "2089306", 10210988),
                           (4, "2089115", 9802117), (5, "2089018", 9544003)]  # numbers and digit strings
    assert [e.title for e in found.entries][:2] == ["台风白海豚逼近浙江", "男子因噪音狂斩邻居后坠楼"]
    assert found.entries[0].url == "https://www.douyin.com/hot/2089011"
    assert found.entries[0].published_at == datetime.fromtimestamp(1786152000, tz=UTC)
    assert "2089001" not in {e.key for e in found.entries}  # trending_list is not the list
    assert found.problems == []


def test_toutiao() -> None:
    found = board("toutiao", "toutiao_hot_board.json")
    assert rows(found) == [(1, "7536981234567890001", 12458930), (2, "7536981234567890002", 11302417),
                           (3, "7536981234567890003", 10284411), (4, "7536981234567890004", 9120388),
                           (5, "7536981234567890005", 8841230)]
    assert [(e.label, e.category) for e in found.entries] == [
        ("热", "society"), ("新", "society,law"), (None, "politics,military"), ("辟谣", "entertainment"),
        (None, "finance")]
    assert [p.key for p in found.pinned] == ["7536980000000000000"]
    assert found.problems == []


def test_newsnow_serving_weibo_and_baidu() -> None:
    weibo = board("newsnow", "newsnow_weibo.json")
    assert weibo.list_name == "weibo"
    assert rows(weibo) == [(1, "台风白海豚", 1392000), (2, "峰哥实名举报汪海林偷税漏税", 1227000),
                           (3, "虞书欣古子成大婚路透", 928000), (4, "男子因噪音狂斩邻居30多刀后坠楼", 349000)]
    assert [(e.label, e.category) for e in weibo.entries] == [(None, None), ("爆", None), (None, "剧集"), ("新", None)]
    baidu = board("newsnow", "newsnow_baidu.json")
    assert baidu.list_name == "baidu"
    assert [(e.rank, e.title, e.heat) for e in baidu.entries] == [(1, "台风白海豚将登陆浙江", 4998888),
                                                                 (2, "男子因噪音狂斩邻居30多刀后坠楼", 4826514)]
    assert baidu.entries[1].description == "据报道，一男子因噪音纠纷持刀砍伤邻居后坠楼。"


def test_a_newsnow_list_without_an_id_in_the_answer_takes_the_urls() -> None:
    payload = json.loads(raw("newsnow_weibo.json"))
    del payload["id"]
    found = parse_board("newsnow", json.dumps(payload).encode(), "http://newsnow.local/api/s?id=zhihu&latest")
    assert found.list_name == "zhihu"
    assert list_name("http://newsnow.local/api/s") == "newsnow"


def test_an_archived_snapshot_keeps_its_ranks_and_drops_ads() -> None:
    found = parse_rows("weibo", [
        {"rank": 34, "title": "男子因噪音狂斩邻居30多刀后坠楼", "category": "社会", "hot": 241912},
        {"rank": 1, "title": "台风白海豚", "category": "社会", "hot": 1392326, "description": None},
        {"rank": 51, "title": "美年达小黄人新包装官宣联动", "hot": 0, "ads": True},
        {"rank": 2, "title": "", "hot": 1},
    ])
    assert rows(found) == [(1, "台风白海豚", 1392326), (34, "男子因噪音狂斩邻居30多刀后坠楼", 241912)]
    assert found.problems == [("malformed", "weibo archive: row 4 has no title; skipped")]


# --- changed shapes: malformed, never an empty list ---------------------------------------------------------


def _json(name: str) -> Any:
    return json.loads(raw(name))


def _changed(name: str, change) -> bytes:
    payload = copy.deepcopy(_json(name))
    change(payload)
    return json.dumps(payload, ensure_ascii=False).encode()


CHANGED = [
    ("weibo", lambda: _changed("weibo_side.json", lambda p: p["data"].update(band_list=p["data"].pop("realtime"))),
     "data.realtime"),
    ("weibo", lambda: _changed("weibo_side.json", lambda p: p["data"].update(realtime={"rows": []})), "data.realtime as a list"),
    ("weibo", lambda: _changed("weibo_container.json", lambda p: p["data"]["cards"][0].pop("card_group")),
     "card_group"),
    ("weibo", lambda: _changed("weibo_side.json", lambda p: p.update(data=[])), "data as an object"),
    ("baidu", lambda: raw("baidu_realtime.html").replace(b"<!--s-data:", b"<!--sdata:"), "s-data"),
    ("baidu", lambda: raw("baidu_realtime.html").replace(b'"cards":', b'"boards":'), "cards"),
    ("baidu", lambda: raw("baidu_realtime.html").replace(b'"content":', b'"items":'), "content list"),
    ("zhihu", lambda: _changed("zhihu_hot_list_web.json", lambda p: p.update(list=p.pop("data"))), "data as a list"),
    ("douyin", lambda: _changed("douyin_hot_search.json", lambda p: p["data"].update(words=p["data"].pop("word_list"))),
     "data.word_list"),
    ("toutiao", lambda: _changed("toutiao_hot_board.json", lambda p: p.update(data={"list": p["data"]})), "data as a list"),
    ("newsnow", lambda: _changed("newsnow_weibo.json", lambda p: p.update(entries=p.pop("items"))), "items as a list"),
]


@pytest.mark.parametrize(("platform", "body", "names"), CHANGED)
def test_a_changed_shape_is_malformed_and_says_what_is_missing(platform: str, body, names: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_board(platform, body(), "https://example.test/list")
    assert caught.value.reason == "malformed"
    assert names in str(caught.value)


@pytest.mark.parametrize(("platform", "name"), [
    ("weibo", "weibo_side.json"), ("zhihu", "zhihu_hot_list_web.json"), ("douyin", "douyin_hot_search.json"),
    ("toutiao", "toutiao_hot_board.json"), ("newsnow", "newsnow_weibo.json")])
def test_not_json_is_malformed(platform: str, name: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_board(platform, raw(name)[:-40], "https://example.test/list")
    assert caught.value.reason == "malformed"


def test_an_entry_without_a_word_is_skipped_and_the_rest_kept() -> None:
    body = _changed("weibo_side.json", lambda p: [p["data"]["realtime"][0].pop(k) for k in ("word", "word_scheme")])
    found = parse_board("weibo", body, "https://weibo.com/ajax/side/hotSearch")
    # the others keep the ranks Weibo gave them: the skipped row still held rank 1
    assert [e.rank for e in found.entries] == list(range(2, 11)) and found.entries[0].key == "峰哥实名举报汪海林偷税漏税"
    assert found.problems == [("malformed", "Weibo hot search: row 1 has no word; skipped")]


def test_an_unreadable_heat_keeps_the_entry_without_heat() -> None:
    body = _changed("toutiao_hot_board.json", lambda p: p["data"][0].update(HotValue="很热"))
    found = parse_board("toutiao", body, "https://www.toutiao.com/hot-event/hot-board/")
    assert (found.entries[0].rank, found.entries[0].heat) == (1, None)
    assert found.problems[0][0] == "malformed" and "HotValue" in found.problems[0][1]


def test_ranks_out_of_order_fall_back_to_positions() -> None:
    body = _changed("weibo_side.json", lambda p: p["data"]["realtime"][0].update(rank=5))
    found = parse_board("weibo", body, "https://weibo.com/ajax/side/hotSearch")
    assert [e.rank for e in found.entries] == list(range(1, 11))
    assert any("out of order" in message for _, message in found.problems)


def test_a_repeated_entry_is_kept_once() -> None:
    body = _changed("douyin_hot_search.json", lambda p: p["data"]["word_list"].append(
        {**p["data"]["word_list"][0], "position": 6}))
    found = parse_board("douyin", body, "https://www.douyin.com/aweme/v1/web/hot/search/list/")
    assert [e.key for e in found.entries].count("2089011") == 1
    assert any("appears twice" in message for _, message in found.problems)


# --- refusals: blocked, not empty ---------------------------------------------------------------------------


@pytest.mark.parametrize(("platform", "body"), [
    ("weibo", b"<!DOCTYPE html><html><title>Sina Visitor System</title></html>"),
    ("weibo", b'{"ok": -100, "url": "https://passport.weibo.com/visitor/visitor"}'),
    ("zhihu", '{"error": {"code": 10003, "message": "请求参数异常，请升级客户端后重试"}}'.encode()),
    ("douyin", b""),
    ("douyin", b'{"status_code": 8, "status_msg": "login required"}'),
    ("baidu", "<html><title>百度安全验证</title><a href='https://wappass.baidu.com/static/captcha'></a></html>".encode()),
])
def test_refusals_are_blocked(platform: str, body: bytes) -> None:
    with pytest.raises(SourceBlocked):
        parse_board(platform, body, "https://example.test/list")


def test_weibo_throttle_is_rate_limited() -> None:
    with pytest.raises(FetchError) as caught:
        parse_board("weibo", '{"ok": 0, "msg": "请求过于频繁"}'.encode(), "https://weibo.com/ajax/side/hotSearch")
    assert caught.value.reason == "rate_limited"


@pytest.mark.parametrize("platform", ["weibo", "zhihu", "toutiao", "newsnow", "baidu"])
def test_an_empty_body_is_empty_not_an_empty_list(platform: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_board(platform, b"  \n", "https://example.test/list")
    assert caught.value.reason == "empty"


# --- whole polls through the real fetcher, against 127.0.0.1 ------------------------------------------------

ENDPOINTS = [
    ("weibo", "/ajax/side/hotSearch", "weibo_side.json", "application/json", 10, "台风白海豚"),
    ("weibo", "/api/container/getIndex", "weibo_container.json", "application/json; charset=utf-8", 8, "台风白海豚"),
    ("baidu", "/board", "baidu_realtime.html", "text/html; charset=utf-8", 8, "台风白海豚将登陆浙江"),
    ("zhihu", "/api/v3/feed/topstory/hot-list-web", "zhihu_hot_list_web.json", "application/json", 5,
     "如何看待台风「白海豚」将正面袭击浙江？会带来哪些影响？"),
    ("douyin", "/aweme/v1/web/hot/search/list/", "douyin_hot_search.json", "application/json", 5, "台风白海豚逼近浙江"),
    ("toutiao", "/hot-event/hot-board/", "toutiao_hot_board.json", "application/json", 5, "台风“白海豚”将正面袭击浙江"),
    ("newsnow", "/api/s", "newsnow_weibo.json", "application/json", 4, "台风白海豚"),
]


def source(server: LoopbackServer, platform: str, path: str, **extra: Any) -> SourceConfig:
    query = "?id=weibo" if platform == "newsnow" else ""
    return SourceConfig.model_validate({"id": f"{platform}-hot", "kind": "hotlist", "platform": platform,
                                        "url": server.url(path) + query, **extra})


def poll(src: SourceConfig, *, cookie: str | None = None, etag: str | None = None) -> CollectOutcome:
    from sentinel.collect.base import Validators

    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig(allow_private_links=True)) as fetcher:
            ctx = CollectContext(source=src, fetcher=fetcher, now=NOW, zone=SH, cookie=cookie,
                                 validators=Validators(etag=etag))
            return await HotlistCollector().collect(ctx)

    return asyncio.run(go())


@pytest.mark.parametrize(("platform", "path", "name", "content_type", "count", "first"), ENDPOINTS)
def test_a_poll_against_a_loopback_server(http_server: LoopbackServer, platform: str, path: str, name: str,
                                           content_type: str, count: int, first: str) -> None:
    http_server.routes[path] = Route(raw(name), headers={"Content-Type": content_type, "ETag": '"v1"'})
    cookie_env = {"cookie_env": "DOUYIN_COOKIE"} if platform == "douyin" else {}
    outcome = poll(source(http_server, platform, path, **cookie_env), cookie="ttwid=abc; sessionid=xyz")
    assert outcome.listing is not None
    assert [row.rank for row in outcome.listing.rows] == list(range(1, count + 1))
    assert outcome.items[0].title == first
    facts = outcome.items[0].extra["hotlist"]
    assert facts["rank"] == 1 and facts["list"] == ("weibo" if platform == "newsnow" else platform)
    assert outcome.validators.etag == '"v1"' and outcome.problems == []
    request = http_server.requests_to(path)[0]
    assert request.headers["cookie"] == "ttwid=abc; sessionid=xyz"
    assert "Mozilla/5.0" in request.headers["user-agent"]


def test_pinned_rows_are_items_but_not_ranked(http_server: LoopbackServer) -> None:
    http_server.routes["/ajax/side/hotSearch"] = Route(raw("weibo_side.json"), headers={"Content-Type": "application/json"})
    outcome = poll(source(http_server, "weibo", "/ajax/side/hotSearch"))
    assert outcome.listing is not None and outcome.listing.pinned == ("习近平心系体育强国建设",)
    assert "习近平心系体育强国建设" not in {row.external_id for row in outcome.listing.rows}
    pinned = [item for item in outcome.items if item.extra["hotlist"]["pinned"]]
    assert [item.external_id for item in pinned] == ["习近平心系体育强国建设"]
    assert len(outcome.items) == 11


def test_conditional_get_not_modified(http_server: LoopbackServer) -> None:
    def handler(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Route(b"", 304)
        return Route(raw("weibo_side.json"), headers={"ETag": '"v1"'})

    http_server.routes["/ajax/side/hotSearch"] = handler
    outcome = poll(source(http_server, "weibo", "/ajax/side/hotSearch"), etag='"v1"')
    assert outcome.not_modified and outcome.listing is None


@pytest.mark.parametrize("status", [401, 403, 418, 432])
def test_refusing_statuses_are_blocked(http_server: LoopbackServer, status: int) -> None:
    http_server.routes["/api/v3/feed/topstory/hot-list-web"] = Route(b"{}", status)
    with pytest.raises(SourceBlocked):
        poll(source(http_server, "zhihu", "/api/v3/feed/topstory/hot-list-web"))


def test_a_redirect_to_a_login_page_is_blocked(http_server: LoopbackServer) -> None:
    http_server.routes["/ajax/side/hotSearch"] = Route(b"", 302, headers={"Location": http_server.url("/signin?r=1")})
    http_server.routes["/signin"] = Route(b"<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(SourceBlocked):
        poll(source(http_server, "weibo", "/ajax/side/hotSearch"))


def test_a_server_error_is_a_fetch_failure_not_an_empty_list(http_server: LoopbackServer) -> None:
    http_server.routes["/board"] = Route(b"oops", 502)
    with pytest.raises(FetchError) as caught:
        poll(source(http_server, "baidu", "/board"))
    assert caught.value.reason == "http_5xx"


def test_an_oversized_body_is_cut_off(http_server: LoopbackServer) -> None:
    http_server.routes["/hot-event/hot-board/"] = Route(b"{" + b" " * 6_000_000 + b"}")
    with pytest.raises(FetchError) as caught:
        poll(source(http_server, "toutiao", "/hot-event/hot-board/"))
    assert caught.value.reason == "too_large"


# --- configuration ---------------------------------------------------------------------------------------


def test_the_url_defaults_to_the_platforms_endpoint() -> None:
    src = SourceConfig.model_validate({"id": "wb", "kind": "hotlist", "platform": "weibo"})
    assert src.url == "https://weibo.com/ajax/side/hotSearch"
    baidu = SourceConfig.model_validate({"id": "bd", "kind": "hotlist", "platform": "baidu", "url": "http://mirror.local/b"})
    assert baidu.url == "http://mirror.local/b"


@pytest.mark.parametrize(("data", "problem"), [
    ({"kind": "hotlist"}, "needs platform"),
    ({"kind": "hotlist", "platform": "newsnow"}, "needs url"),
    ({"kind": "hotlist", "platform": "douyin"}, "cookie_env"),
    ({"kind": "hotlist", "platform": "kuaishou"}, "platform"),
    ({"kind": "rss", "url": "https://x.test/rss", "platform": "weibo"}, "platform is for hotlist sources"),
])
def test_bad_hotlist_sources_are_refused(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        SourceConfig.model_validate({"id": "x", **data})
    assert problem in str(caught.value)
