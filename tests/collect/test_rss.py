"""RSS and Atom: recorded fixtures, feedparser held safely, and the collector end to end."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from sentinel.collect.base import CollectContext, CollectOutcome, Validators
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.rss import RssCollector, parse_feed
from sentinel.errors import CollectError, FetchError, ParseError
from sentinel.normalise.item import normalise
from sentinel.settings import CollectConfig, SourceConfig, SourceKind
from tests.support.server import Route

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 6, 3, 4, 0, tzinfo=UTC)
BASE = "https://feeds.example.cn/zz/rss.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - a zone-less time as the feed wrote it


# ---------------------------------------------------------------- the formats


def test_rss20() -> None:
    result = parse_feed(fixture("rss20.xml"), {"content-type": "application/rss+xml; charset=utf-8"}, BASE)
    assert result.problems == []
    first, second, third = result.items

    assert first.external_id == "zzgov-81234"
    assert first.title == "郑州市召开2024年防汛工作部署会"
    assert (
        first.url
        == "https://www.zhengzhou.gov.cn/news/2024-06/01/content_81234.htm?utm_source=rss&utm_medium=feed"
    )
    assert first.author == "市政府办公厅"
    assert first.published_at == datetime(2024, 6, 1, 10, 20, tzinfo=CST)
    assert first.body_is_html and "<b>全力保障</b>" in first.body  # content:encoded, not the description
    assert first.extra == {"tags": ["政务要闻"]}

    # a relative link is resolved against the feed's URL and stands in for the missing guid
    assert second.url == "https://feeds.example.cn/news/2024-06/02/content_81240.htm"
    assert second.external_id == second.url
    assert second.author == "中原区融媒体中心"
    assert second.published_at == datetime(2024, 6, 2, 1, 0, tzinfo=UTC)

    # neither guid nor link: a hash of title and content, stable from one poll to the next
    assert third.external_id.startswith("sha1:") and len(third.external_id) == 45
    assert third.external_id == parse_feed(fixture("rss20.xml"), None, BASE).items[2].external_id
    assert third.url is None and third.published_at is None


def test_rss20_normalised() -> None:
    items = [
        normalise(raw, zone=SHANGHAI, fetched_at=NOW)
        for raw in parse_feed(fixture("rss20.xml"), None, BASE).items
    ]
    assert items[0].text == (
        "6月1日上午,郑州市召开2024年防汛工作部署会,安排部署今年防汛工作。\n"
        "会议要求,各区县(市)要压实防汛责任,全力保障人民群众生命财产安全。"
    )  # the <script> is gone
    assert items[0].canonical_url == "https://www.zhengzhou.gov.cn/news/2024-06/01/content_81234.htm"
    assert items[0].published_at == datetime(2024, 6, 1, 2, 20, tzinfo=UTC)
    assert (
        items[1].text
        == "连日来,中原区组织住建、城管等部门对辖区下穿隧道、低洼路段开展内涝隐患排查。\n共排查点位 46 处。"
    )
    assert items[2].published_at == NOW and items[2].published_at_estimated


def test_rss091_with_its_doctype() -> None:
    result = parse_feed(fixture("rss091.xml"), None, BASE)
    assert result.problems == []
    assert [(item.external_id, item.title, item.published_at) for item in result.items] == [
        (
            "http://www.zhongyuan.gov.cn/tzgg/2024/0601/1001.html",
            "关于做好2024年汛期地质灾害防治工作的通知",
            None,
        ),
        (
            "http://www.zhongyuan.gov.cn/tzgg/2024/0602/1002.html",
            "中原区2024年第二季度政府信息公开工作情况",
            None,
        ),
    ]


def test_rss10_rdf() -> None:
    result = parse_feed(fixture("rss10.rdf"), None, BASE)
    assert result.problems == []
    first, second = result.items
    assert first.external_id == "http://yjglt.henan.gov.cn/2024/06-01/2960001.html"
    assert first.title == "省应急管理厅部署汛期安全生产工作"
    assert first.author == "省应急管理厅办公室"
    assert first.published_at == datetime(2024, 6, 1, 16, 5, tzinfo=CST)
    assert second.published_at == datetime(2024, 6, 2, 0, 30, tzinfo=UTC)
    assert second.author is None


def test_atom() -> None:
    result = parse_feed(fixture("atom.xml"), None, BASE)
    assert result.problems == []
    first, second = result.items
    assert first.external_id == "tag:henan.gov.cn,2024:zcjd/3001"
    assert first.title == "《河南省防汛应急预案》政策解读"  # type="html" title: markup removed
    assert first.url == "https://www.henan.gov.cn/zcjd/2024/06-02/3001.html"  # xml:base
    assert first.author == "省水利厅"
    assert first.published_at == datetime(2024, 6, 2, 9, 0, tzinfo=CST)  # published, not updated
    assert first.body_is_html and first.body.startswith("<p>近日")  # content, not the summary
    assert second.published_at == datetime(2024, 6, 3, 0, 15, tzinfo=UTC)  # only updated
    text = normalise(second, zone=SHANGHAI, fetched_at=NOW).text
    assert text == "6月3日上午,省政府新闻办举行新闻发布会,介绍全省防汛准备情况。\n发布人回答了记者提问。"


def test_dates_without_a_zone_are_left_naive_and_read_in_the_source_zone() -> None:
    items = parse_feed(fixture("no_timezone.xml"), None, BASE).items
    assert [item.published_at for item in items] == [
        naive(2024, 6, 1, 10, 20),
        naive(2024, 6, 1, 18, 45),
        naive(2024, 6, 2, 7, 5),  # "CST" is China Standard Time, not US Central
    ]
    normal = [normalise(item, zone=SHANGHAI, fetched_at=NOW).published_at for item in items]
    assert normal == [
        datetime(2024, 6, 1, 2, 20, tzinfo=UTC),
        datetime(2024, 6, 1, 10, 45, tzinfo=UTC),
        datetime(2024, 6, 1, 23, 5, tzinfo=UTC),
    ]


def test_feedparser_alone_reads_zoneless_dates_as_utc() -> None:
    # why parse_feed reads the raw date strings itself
    parsed = feedparser.parse(io.BytesIO(fixture("no_timezone.xml")))
    assert parsed.entries[0].published_parsed[3] == 10  # 10:20 taken as UTC: 8 hours late in Beijing
    assert parsed.entries[1].get("published_parsed") is None  # RFC 822 without a zone: lost


# ---------------------------------------------------------------- encodings

GBK_TITLES = ["二七区召开防汛工作会议 区长王堃部署汛期安全工作", "刘镕带队检查建筑工地汛期安全"]


def test_gb2312_declared_feed_with_gbk_characters() -> None:
    raw = fixture("gb2312_declared_gbk.xml")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")  # the fixture really is outside gb2312
    result = parse_feed(raw, {"content-type": "text/xml"}, BASE)
    assert [item.title for item in result.items] == GBK_TITLES
    assert "副区长李喆、张珺出席" in result.items[0].body
    assert result.problems == []


def test_gbk_feed_behind_a_header_that_says_utf8() -> None:
    raw = fixture("gbk_undeclared.xml")
    result = parse_feed(raw, {"content-type": "text/xml; charset=utf-8"}, BASE)
    assert [item.title for item in result.items] == GBK_TITLES
    assert [reason for reason, _ in result.problems] == ["encoding"]


def test_utf8_feed_with_a_wrong_gb2312_declaration() -> None:
    raw = fixture("rss20.xml").replace(b'encoding="utf-8"', b'encoding="gb2312"')
    result = parse_feed(raw, None, BASE)
    assert result.items[0].title == "郑州市召开2024年防汛工作部署会"
    assert [reason for reason, _ in result.problems] == ["encoding"]


def test_utf16_feed_with_bom() -> None:
    raw = (
        fixture("rss10.rdf").decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    )
    assert parse_feed(raw, None, BASE).items[0].title == "省应急管理厅部署汛期安全生产工作"


# ---------------------------------------------------------------- broken input


def test_a_bozo_feed_keeps_what_came_before_the_break() -> None:
    result = parse_feed(fixture("bozo_truncated.xml"), None, BASE)
    assert [item.external_id for item in result.items] == ["jinshui-7001", "jinshui-7002"]
    assert result.items[0].title == "金水区开展燃气安全专项整治 & 入户检查"
    assert result.problems and {reason for reason, _ in result.problems} == {"malformed"}


def test_guids_do_not_depend_on_where_the_feed_was_fetched() -> None:
    # feedparser would "resolve" a plain guid against a base URI, in a bozo feed even more eagerly
    a = parse_feed(fixture("bozo_truncated.xml"), None, "https://a.example.cn/feed.xml")
    b = parse_feed(fixture("bozo_truncated.xml"), None, "https://b.example.cn/x/feed.xml")
    assert (
        [item.external_id for item in a.items]
        == [item.external_id for item in b.items]
        == ["jinshui-7001", "jinshui-7002"]
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(fixture("html_page.html"), id="portal page"),
        pytest.param(b"<html><body><p>404 Not Found</p></body></html>", id="bare html"),
        pytest.param(b"\n\n<!-- cms -->\n<HTML><HEAD></HEAD><BODY>x</BODY></HTML>", id="comment first"),
        pytest.param(
            b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
            id="xhtml",
        ),
        pytest.param(b'<?xml version="1.0"?><note><to>x</to><body>hello</body></note>', id="other xml"),
    ],
)
def test_not_a_feed(content: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(content, {"content-type": "text/html"}, BASE)
    assert caught.value.reason == "not_a_feed"


@pytest.mark.parametrize("content", [b"", b"   \n\t "])
def test_empty(content: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(content, None, BASE)
    assert caught.value.reason == "empty"


def test_cut_off_before_the_first_item_is_malformed() -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(fixture("rss20.xml")[:300], None, BASE)
    assert caught.value.reason == "malformed"


def test_an_empty_feed_is_no_items_and_no_problem() -> None:
    result = parse_feed(b'<rss version="2.0"><channel><title>t</title></channel></rss>', None, BASE)
    assert result.items == [] and result.problems == []


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Caf&eacute; municipal</title>'
        b"<link>http://www.example.cn/</link><description>&nbsp;</description></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>R&eacute;sum&eacute;</title></feed>\n<!-- cms -->\n',
    ],
)
def test_an_empty_feed_with_html_entities_is_empty_not_broken(content: bytes) -> None:
    # undefined entities make the document "bozo" for feedparser, which still reads all of it
    result = parse_feed(content, None, BASE)
    assert result.items == []
    assert [reason for reason, _ in result.problems] == ["malformed"]
    assert "breaks part way" not in result.problems[0][1]


def test_entries_with_only_a_title_are_kept_unless_the_document_was_cut_inside_them() -> None:
    def feed(tail: str) -> bytes:
        return ('<rss version="2.0"><channel><title>t</title>'
                "<item><title>Caf&eacute; 一</title></item><item><title>只有标题 二</title></item>" + tail).encode()

    whole = parse_feed(feed("</channel></rss>"), None, BASE)
    assert [item.title for item in whole.items] == ["Café 一", "只有标题 二"]
    # cut off inside the last item: its title may be cut too, so only the closed one is kept
    cut = parse_feed(feed("<item><title>只有标题 三 被截"), None, BASE)
    assert [item.title for item in cut.items] == ["Café 一", "只有标题 二"]
    assert "breaks part way" in cut.problems[0][1]


def test_long_guids_are_hashed() -> None:
    guid = "https://www.a.cn/x?" + "session=abc&" * 100
    content = f'<rss version="2.0"><channel><item><title>t</title><guid>{guid}</guid></item></channel></rss>'.encode()
    (item,) = parse_feed(content, None, BASE).items
    assert item.external_id.startswith("sha1:") and len(item.external_id) <= 512


# ---------------------------------------------------------------- untrusted content


def test_external_entities_are_not_expanded() -> None:
    content = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>&xxe;</title><guid>1</guid><description>&xxe;</description></item></channel></rss>"""
    result = parse_feed(content, None, BASE)
    for item in result.items:
        assert "root:" not in item.body and "root:" not in (item.title or "")


def test_billion_laughs_is_not_expanded() -> None:
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    content = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&l9;</title><guid>1</guid></item></channel></rss>'
    ).encode()
    started = time.perf_counter()
    result = parse_feed(content, None, BASE)
    assert time.perf_counter() - started < 5
    assert all(len(item.title or "") < 1000 for item in result.items)


def test_no_dtd_or_entity_is_fetched(http_server) -> None:
    http_server.routes["/rss-0.91.dtd"] = Route(b'<!ENTITY leak "LEAKED">')
    http_server.routes["/evil.dtd"] = Route(b'<!ENTITY leak "LEAKED">')
    http_server.routes["/secret"] = Route(b"LEAKED")
    for content in (
        f'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        f'"{http_server.url("/rss-0.91.dtd")}"><rss version="0.91"><channel><title>t</title>'
        f"<item><title>a &leak;</title><link>http://a.cn/1</link></item></channel></rss>",
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "{http_server.url("/evil.dtd")}"> %p;]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>a &leak;</title><guid>1</guid></item></channel></rss>',
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY leak SYSTEM "{http_server.url("/secret")}">]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>a &leak;</title><guid>1</guid></item></channel></rss>',
    ):
        try:
            result = parse_feed(content.encode(), None, BASE)
        except ParseError:
            continue
        assert all("LEAKED" not in (item.title or "") for item in result.items)
    assert http_server.requests == []


def test_content_that_looks_like_a_url_or_a_path_is_never_opened(http_server, tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(fixture("rss20.xml"))
    for content in (http_server.url("/feed").encode(), str(secret).encode()):
        with pytest.raises(ParseError):
            parse_feed(content, None, BASE)
    assert http_server.requests == []


# ---------------------------------------------------------------- the collector, end to end


def context(url: str, fetcher: Fetcher, validators: Validators | None = None) -> CollectContext:
    source = SourceConfig(id="zz-gov", kind=SourceKind.RSS, url=url)
    return CollectContext(
        source=source, fetcher=fetcher, now=NOW, zone=SHANGHAI, validators=validators or Validators()
    )


def poll(url: str, validators: Validators | None = None) -> CollectOutcome:
    async def go() -> CollectOutcome:
        async with Fetcher(CollectConfig()) as fetcher:
            return await RssCollector().collect(context(url, fetcher, validators))

    return asyncio.run(go())


def test_collector_conditional_get(http_server) -> None:
    etag = '"rss-v1"'
    modified = "Mon, 03 Jun 2024 01:30:00 GMT"

    def handler(request):
        if (
            request.headers.get("if-none-match") == etag
            or request.headers.get("if-modified-since") == modified
        ):
            return Route(b"", 304, {"ETag": etag})
        return Route(
            fixture("rss20.xml"),
            headers={
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": etag,
                "Last-Modified": modified,
            },
        )

    http_server.routes["/rss/news.xml"] = handler
    url = http_server.url("/rss/news.xml")

    first = poll(url)
    assert not first.not_modified
    assert [item.title for item in first.items][:2] == [
        "郑州市召开2024年防汛工作部署会",
        "中原区开展城市内涝隐患排查",
    ]
    assert first.items[1].url == http_server.url(
        "/news/2024-06/02/content_81240.htm"
    )  # resolved against the feed URL
    assert first.validators == Validators(etag=etag, last_modified=modified)

    second = poll(url, first.validators)
    assert second.not_modified and second.items == []
    assert second.validators == first.validators
    sent = http_server.requests_to("/rss/news.xml")[1].headers
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == modified
    assert "if-none-match" not in http_server.requests_to("/rss/news.xml")[0].headers


def test_collector_without_validators_from_the_server(http_server) -> None:
    http_server.routes["/feed"] = Route(fixture("atom.xml"), headers={"Content-Type": "application/atom+xml"})
    outcome = poll(http_server.url("/feed"), Validators(etag='"old"'))
    assert len(outcome.items) == 2 and outcome.validators == Validators()


def test_collector_gbk_feed(http_server) -> None:
    http_server.routes["/feed"] = Route(
        fixture("gbk_undeclared.xml"), headers={"Content-Type": "text/xml; charset=utf-8"}
    )
    outcome = poll(http_server.url("/feed"))
    assert [item.title for item in outcome.items] == GBK_TITLES
    assert [reason for reason, _ in outcome.problems] == ["encoding"]


@pytest.mark.parametrize(
    ("route", "error", "reason"),
    [
        (Route(fixture("html_page.html"), headers={"Content-Type": "text/html"}), ParseError, "not_a_feed"),
        (Route(b""), ParseError, "empty"),
        (Route(b"busy", 500), FetchError, "http_5xx"),
    ],
)
def test_collector_failures(http_server, route: Route, error: type[CollectError], reason: str) -> None:
    http_server.routes["/feed"] = route
    with pytest.raises(error) as caught:
        poll(http_server.url("/feed"))
    assert caught.value.reason == reason
