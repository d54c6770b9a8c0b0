"""News sites without feeds: list pages, article pages, and the collector end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.html import HtmlCollector, ListEntry, check_selectors, parse_article, parse_list
from sentinel.errors import ParseError
from sentinel.normalise.item import normalise
from sentinel.settings import CollectConfig, HtmlSelectors, SourceConfig, SourceKind
from tests.support.server import Route

FIXTURES = Path(__file__).parent / "fixtures" / "html"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 3, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
SITE = "http://www.zhongyuan.gov.cn"
LIST_URL = f"{SITE}/zwdt/index.html"
SELECTORS = HtmlSelectors(item="ul.news-list li", link="a", date="span.date", body="div.TRS_Editor")

TITLE_1 = "中原区召开安全生产工作会议 区长王堃出席并讲话"
TITLE_2 = "区应急管理局开展防汛应急演练 副区长李喆带队检查"
TITLE_3 = "张珺调研社区养老服务中心建设"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_fixtures_are_gbk_that_gb2312_cannot_read() -> None:
    for name in ("list_gbk.html", "article_1001_gbk.html", "article_1002_gbk.html", "article_1003_gbk.html"):
        with pytest.raises(UnicodeDecodeError):
            fixture(name).decode("gb2312")


# ---------------------------------------------------------------- list pages


def test_parse_list() -> None:
    problems: list[tuple[str, str]] = []
    entries = parse_list(
        fixture("list_gbk.html"), {"content-type": "text/html"}, LIST_URL, SELECTORS, problems=problems
    )
    assert problems == []
    assert entries == [
        # the link text is cut ("...") and the full title is in its title attribute
        ListEntry(f"{SITE}/zwdt/202406/t20240601_1001.html", TITLE_1, "2024-06-01"),
        ListEntry(f"{SITE}/zwdt/202406/t20240602_1002.html", TITLE_2, "2024-06-02"),
        ListEntry(f"{SITE}/zwdt/202406/t20240603_1003.html?spm=zy.list.0.3&from=timeline", TITLE_3, "06-03"),
        # the javascript: link and the repeated first link are left out
    ]
    assert entries[2].external_id == f"{SITE}/zwdt/202406/t20240603_1003.html"


@pytest.mark.parametrize(
    ("page", "selectors", "expected"),
    [
        # the item is the link itself; no date selector: a date is looked for in the item's text
        (
            '<div class="lb"><a href="/a/1.html">甲 2024-06-01</a><a href="/a/2.html">乙</a></div>',
            HtmlSelectors(item="div.lb a"),
            [
                ListEntry(f"{SITE}/a/1.html", "甲 2024-06-01", "2024-06-01"),
                ListEntry(f"{SITE}/a/2.html", "乙", None),
            ],
        ),
        # a title selector; absolute and protocol-relative links; an item without a link
        (
            "<table><tr class=r><td><a href='//news.a.cn/1'>详情</a></td><td class=t>标题一</td><td>[06-02]</td></tr>"
            "<tr class=r><td><a href='https://news.a.cn/2'>详情</a></td><td class=t> 标题二 </td></tr>"
            "<tr class=r><td>没有链接</td></tr></table>",
            HtmlSelectors(item="tr.r", title="td.t"),
            [
                ListEntry("http://news.a.cn/1", "标题一", "06-02"),
                ListEntry("https://news.a.cn/2", "标题二", None),
            ],
        ),
        # a date selector that finds nothing gives no date; a link selector narrower than "a"
        (
            '<ul><li><a href="/c/x.html">栏目</a><a class="tit" href="/n/1.html">新闻</a></li></ul>',
            HtmlSelectors(item="ul li", link="a.tit", date="span.time"),
            [ListEntry(f"{SITE}/n/1.html", "新闻", None)],
        ),
        # nothing matches
        ("<p>改版中</p>", HtmlSelectors(item="ul.news-list li"), []),
    ],
)
def test_parse_list_cases(page: str, selectors: HtmlSelectors, expected: list[ListEntry]) -> None:
    assert (
        parse_list(page.encode(), {"content-type": "text/html; charset=utf-8"}, LIST_URL, selectors)
        == expected
    )


# ---------------------------------------------------------------- article pages


def article(name: str, entry: ListEntry | None, problems: list[tuple[str, str]] | None = None):
    url = entry.url if entry else f"{SITE}/zwdt/x.html"
    return parse_article(
        fixture(name),
        {"content-type": "text/html"},
        url,
        SELECTORS,
        zone=SHANGHAI,
        reference=NOW,
        entry=entry,
        problems=problems,
    )


def test_article_with_meta_tags() -> None:
    entry = ListEntry(
        f"{SITE}/zwdt/202406/t20240601_1001.html?utm_source=list",
        "中原区召开安全生产工作会议 区长王堃出...",
        "2024-06-01",
    )
    problems: list[tuple[str, str]] = []
    raw = article("article_1001_gbk.html", entry, problems)
    assert problems == []
    assert raw.external_id == f"{SITE}/zwdt/202406/t20240601_1001.html"
    assert raw.url == entry.url
    # the list cut the title and the <h1> is the site's logo: the <title> continues the cut one
    assert raw.title == TITLE_1
    assert raw.published_at == datetime(2024, 6, 1, 1, 30, tzinfo=UTC)  # <meta name="PubDate"> 09:30 Beijing
    assert raw.author == "中原区应急管理局"
    item = normalise(raw, zone=SHANGHAI, fetched_at=NOW)
    assert item.text == (
        "6月1日上午,中原区召开安全生产工作会议,区长王堃出席并讲话。\n"
        "会议通报了今年以来全区安全生产形势,部署了汛期安全生产重点工作。\n"
        "王堃强调,要坚持“人民至上、生命至上”,压紧压实安全生产责任,深入开展燃气、消防、建筑施工等领域隐患排查整治。"
    )
    assert item.published_at_estimated is False


def test_article_with_a_labelled_date_in_the_text() -> None:
    raw = article(
        "article_1002_gbk.html", ListEntry(f"{SITE}/zwdt/202406/t20240602_1002.html", TITLE_2, "2024-06-02")
    )
    assert raw.title == TITLE_2
    # "发布日期：2024年06月02日 15时45分" beats the list's date-only "2024-06-02"
    assert raw.published_at == datetime(2024, 6, 2, 7, 45, tzinfo=UTC)
    assert raw.author == "区应急管理局"
    text = normalise(raw, zone=SHANGHAI, fetched_at=NOW).text
    assert text.startswith("6月2日下午,区应急管理局在须水河沿线组织开展防汛应急演练。\n副区长李喆带队检查")


def test_article_without_the_body_selector_uses_the_largest_block() -> None:
    problems: list[tuple[str, str]] = []
    entry = ListEntry(f"{SITE}/zwdt/202406/t20240603_1003.html", TITLE_3, "06-03")
    raw = article("article_1003_gbk.html", entry, problems)
    assert [reason for reason, _ in problems] == ["malformed"]  # the selector matched nothing
    assert raw.published_at == datetime(
        2024, 6, 2, 16, 0, tzinfo=UTC
    )  # the list's "06-03", midnight in Beijing
    text = normalise(raw, zone=SHANGHAI, fetched_at=NOW).text
    assert text.splitlines() == [
        "6月3日,副区长张珺到林山寨街道、建设路街道调研社区养老服务中心建设情况。",
        "张珺指出,要聚焦老年人助餐、助医、助洁等需求,加快推进社区养老服务设施建设,确保年底前全部投入运营。",
        "区民政局、区卫健委负责同志参加调研。",
    ]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("article_1001_gbk.html", TITLE_1),
        ("article_1002_gbk.html", TITLE_2),
        ("article_1003_gbk.html", TITLE_3),
    ],
)
def test_article_title_without_a_list_entry(name: str, title: str) -> None:
    assert article(name, None).title == title


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-06-01T10:20:00+08:00">',
            "",
            datetime(2024, 6, 1, 2, 20, tzinfo=UTC),
        ),
        ('<meta name="publishdate" content="2024-06-01">', "", datetime(2024, 5, 31, 16, 0, tzinfo=UTC)),
        ("", "<div>发布时间：2024-06-02 08:00</div>", datetime(2024, 6, 2, 0, 0, tzinfo=UTC)),
        ("", "<div>时间: 昨天 09:15</div>", datetime(2024, 6, 2, 1, 15, tzinfo=UTC)),
        (
            "",
            "<div>办公时间：工作日 上午</div><div>发布日期：2024/06/01</div>",
            datetime(2024, 5, 31, 16, 0, tzinfo=UTC),
        ),
        ("", "<div>文中提到2024-06-01的会议，但页面没有发布时间标签</div>", None),
        ("", "<div>发布时间：2099-01-01 08:00</div>", None),  # far future: not believed
    ],
)
def test_article_dates(head: str, body: str, expected: datetime | None) -> None:
    page = f"<html><head>{head}</head><body><h1>标题</h1>{body}<p>正文</p></body></html>"
    raw = parse_article(
        page.encode(),
        {"content-type": "text/html; charset=utf-8"},
        f"{SITE}/a.html",
        HtmlSelectors(item="li"),
        zone=SHANGHAI,
        reference=NOW,
    )
    assert raw.published_at == expected


def test_an_empty_page_is_malformed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_article(
            b"<html><body></body></html>", None, f"{SITE}/a.html", SELECTORS, zone=SHANGHAI, reference=NOW
        )
    assert caught.value.reason == "malformed"


# ---------------------------------------------------------------- the collector, end to end


def serve_site(http_server, *, list_headers: dict[str, str] | None = None) -> None:
    etag = '"list-v1"'

    def list_page(request):
        if request.headers.get("if-none-match") == etag:
            return Route(b"", 304)
        return Route(
            fixture("list_gbk.html"),
            headers={"Content-Type": "text/html", "ETag": etag, **(list_headers or {})},
        )

    http_server.routes["/zwdt/index.html"] = list_page
    for number, day in (("1001", "01"), ("1002", "02"), ("1003", "03")):
        http_server.routes[f"/zwdt/202406/t202406{day}_{number}.html"] = Route(
            fixture(f"article_{number}_gbk.html"), headers={"Content-Type": "text/html"}
        )


def poll(
    http_server,
    *,
    known: Iterable[str] | None = (),
    validators: Validators | None = None,
    max_articles: int = 30,
    list_path: str = "/zwdt/index.html",
) -> CollectOutcome:
    stored = set(known) if known is not None else None
    asked: list[list[str]] = []

    async def known_ids(ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        asked.append(ids)
        return {i for i in ids if stored is not None and i in stored}

    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig()) as fetcher:
            source = SourceConfig(
                id="zy-gov",
                kind=SourceKind.HTML,
                url=http_server.url(list_path),
                selectors=SELECTORS,
                max_articles=max_articles,
            )
            ctx = CollectContext(
                source=source,
                fetcher=fetcher,
                now=NOW,
                zone=SHANGHAI,
                validators=validators or Validators(),
                known=known_ids if stored is not None else None,
            )
            return await HtmlCollector().collect(ctx)

    outcome = asyncio.run(go())
    if stored is not None:
        # one question for the whole list; none when the list did not change
        assert len(asked) == (0 if outcome.not_modified else 1)
    return outcome


def article_requests(http_server) -> list[str]:
    return sorted(r.path for r in http_server.requests if not r.path.endswith("/index.html"))


def test_collector_fetches_only_unknown_articles(http_server) -> None:
    serve_site(http_server)
    known = {http_server.url("/zwdt/202406/t20240601_1001.html")}
    outcome = poll(http_server, known=known)
    assert article_requests(http_server) == [
        "/zwdt/202406/t20240602_1002.html",
        "/zwdt/202406/t20240603_1003.html",
    ]
    assert [item.title for item in outcome.items] == [TITLE_2, TITLE_3]
    assert outcome.items[1].external_id == http_server.url(
        "/zwdt/202406/t20240603_1003.html"
    )  # tracking query gone
    assert (
        "副区长李喆带队检查了防汛物资储备" in normalise(outcome.items[0], zone=SHANGHAI, fetched_at=NOW).text
    )
    assert outcome.requests == 3
    assert outcome.validators == Validators(etag='"list-v1"')
    # article 1003 has no div.TRS_Editor: a survivable problem
    assert [reason for reason, _ in outcome.problems] == ["malformed"]


def test_collector_second_poll_is_a_304(http_server) -> None:
    serve_site(http_server)
    first = poll(http_server)
    assert len(first.items) == 3
    second = poll(http_server, validators=first.validators)
    assert second.not_modified and second.items == []
    list_requests = http_server.requests_to("/zwdt/index.html")
    assert len(list_requests) == 2 and list_requests[1].headers["if-none-match"] == '"list-v1"'
    assert len(article_requests(http_server)) == 3  # no article fetched again


def test_collector_with_everything_known_fetches_no_article(http_server) -> None:
    serve_site(http_server)
    known = [
        http_server.url(p)
        for p in (
            "/zwdt/202406/t20240601_1001.html",
            "/zwdt/202406/t20240602_1002.html",
            "/zwdt/202406/t20240603_1003.html",
        )
    ]
    outcome = poll(http_server, known=known)
    assert outcome.items == [] and article_requests(http_server) == []
    assert outcome.validators.etag == '"list-v1"'


def test_collector_without_a_known_callback_fetches_all(http_server) -> None:
    serve_site(http_server)
    outcome = poll(http_server, known=None)
    assert [item.title for item in outcome.items] == [TITLE_1, TITLE_2, TITLE_3]


def test_a_failing_article_is_a_problem_and_keeps_the_list_unvalidated(http_server) -> None:
    serve_site(http_server)
    http_server.routes["/zwdt/202406/t20240602_1002.html"] = Route(b"gone", 404)
    outcome = poll(http_server)
    assert [item.title for item in outcome.items] == [TITLE_1, TITLE_3]
    assert "http_4xx" in [reason for reason, _ in outcome.problems]
    # no validators: the next poll reads the list again and retries the failed article
    assert outcome.validators == Validators()


def test_max_articles_caps_fetches_and_keeps_the_list_unvalidated(http_server) -> None:
    serve_site(http_server)
    outcome = poll(http_server, max_articles=2)
    assert [item.title for item in outcome.items] == [TITLE_1, TITLE_2]
    assert len(article_requests(http_server)) == 2
    assert outcome.validators == Validators()


def test_links_to_private_addresses_on_another_origin_are_refused(http_server) -> None:
    # the list (served from 127.0.0.1) links to "localhost", another origin on a private address
    page = (
        '<ul class="news-list"><li><a href="/zwdt/202406/t20240601_1001.html">本站文章</a></li>'
        f'<li><a href="http://localhost:{http_server.port}/zwdt/202406/t20240602_1002.html">外部链接</a></li></ul>'
    ).encode()
    serve_site(http_server)
    http_server.routes["/other/index.html"] = Route(
        page, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    outcome = poll(http_server, list_path="/other/index.html")
    assert [item.title for item in outcome.items] == ["本站文章"]
    assert "private_address" in [reason for reason, _ in outcome.problems]
    assert article_requests(http_server) == ["/zwdt/202406/t20240601_1001.html"]


def test_check_selectors() -> None:
    check_selectors(SELECTORS)
    with pytest.raises(ValueError, match="selectors.date"):
        check_selectors(HtmlSelectors(item="li", date="span["))


def test_a_bad_selector_fails_the_poll_with_a_reason(http_server) -> None:
    serve_site(http_server)

    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig()) as fetcher:
            source = SourceConfig(
                id="zy-gov",
                kind=SourceKind.HTML,
                url=http_server.url("/zwdt/index.html"),
                selectors=HtmlSelectors(item="ul["),
            )
            return await HtmlCollector().collect(
                CollectContext(source=source, fetcher=fetcher, now=NOW, zone=SHANGHAI)
            )

    with pytest.raises(ParseError) as caught:
        asyncio.run(go())
    assert caught.value.reason == "internal" and "selectors.item" in str(caught.value)


def test_a_list_page_without_items_fails_the_poll(http_server) -> None:
    http_server.routes["/zwdt/index.html"] = Route(
        "<html><body><p>网站改版中</p></body></html>".encode("gb18030")
    )
    with pytest.raises(ParseError) as caught:
        poll(http_server)
    assert caught.value.reason == "malformed"
