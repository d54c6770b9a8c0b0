"""Private addresses: every hop of every request checked, the connection made to the address checked.

Two loopback servers stand for the two sides: ``http_server`` is the configured source (its origin is
trusted, as an intranet feed would be) and ``internal`` another service on the same machine that no
source names: nothing may reach it, by a link, a redirect or a name that rebinds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.base import CollectContext, CollectOutcome
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.guard import AddressPolicy, origin_of
from sentinel.collect.html import HtmlCollector
from sentinel.collect.rss import RssCollector
from sentinel.collect.weibo import WeiboCollector
from sentinel.errors import FetchError
from sentinel.settings import CollectConfig, HtmlSelectors, SourceConfig, SourceKind
from tests.support.feeds import numbered, rss
from tests.support.server import LoopbackServer, Route

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SECRET = b'{"AccessKeyId": "ASIA-internal", "Token": "not for feeds"}'
FAST = CollectConfig(connect_timeout=timedelta(seconds=1))


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    server.routes["/latest/meta-data/iam"] = Route(SECRET, headers={"Content-Type": "application/json"})
    try:
        yield server
    finally:
        server.stop()


def run(collector, source: SourceConfig, config: CollectConfig = FAST) -> CollectOutcome:
    async def go() -> CollectOutcome:
        async with Fetcher(config) as fetcher:
            return await collector.collect(CollectContext(source=source, fetcher=fetcher, now=NOW, zone=SH))

    return asyncio.run(go())


def redirect(to: str) -> Route:
    return Route(b"", 302, {"Location": to})


def rss_source(server: LoopbackServer, path: str = "/feed") -> SourceConfig:
    return SourceConfig(id="zz-rss", kind=SourceKind.RSS, url=server.url(path))


# --- the configured source URL ---------------------------------------------------------------------


def test_a_source_redirected_to_another_private_origin_is_refused(http_server, internal) -> None:
    http_server.routes["/feed"] = redirect(internal.url("/latest/meta-data/iam"))
    with pytest.raises(FetchError) as caught:
        run(RssCollector(), rss_source(http_server))
    assert caught.value.reason == "private_address"
    assert internal.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata
        "http://[::ffff:169.254.169.254]/latest/meta-data/",  # the same, IPv4-mapped
        "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud's metadata (shared address space)
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://10.0.0.1/",
    ],
)
def test_a_source_redirected_to_a_private_address_is_refused_without_connecting(http_server, target: str) -> None:
    http_server.routes["/feed"] = redirect(target)
    with pytest.raises(FetchError) as caught:
        run(RssCollector(), rss_source(http_server))
    assert caught.value.reason == "private_address"


def test_a_redirect_chain_is_checked_at_every_hop(http_server, internal) -> None:
    # same origin, same origin, then out: only the last hop leaves the trusted origin
    http_server.routes["/feed"] = redirect("/moved")
    http_server.routes["/moved"] = redirect(http_server.url("/moved-again"))
    http_server.routes["/moved-again"] = redirect(f"http://localhost:{internal.port}/latest/meta-data/iam")
    with pytest.raises(FetchError) as caught:
        run(RssCollector(), rss_source(http_server))
    assert caught.value.reason == "private_address"
    assert internal.requests == []
    assert [r.path for r in http_server.requests] == ["/feed", "/moved", "/moved-again"]


def test_a_redirect_within_the_configured_origin_is_followed(http_server) -> None:
    http_server.routes["/feed"] = redirect("/feed.xml")
    http_server.routes["/feed.xml"] = Route(rss(numbered("a", 2)), headers={"Content-Type": "application/rss+xml"})
    assert len(run(RssCollector(), rss_source(http_server)).items) == 2


def test_a_redirect_to_another_scheme_is_refused(http_server) -> None:
    http_server.routes["/feed"] = redirect("file:///etc/passwd")
    with pytest.raises(FetchError) as caught:
        run(RssCollector(), rss_source(http_server))
    assert caught.value.reason == "private_address"


# --- links found in content -------------------------------------------------------------------------

SELECTORS = HtmlSelectors(item="ul.news li", link="a")


def test_an_article_link_redirected_to_a_private_address_is_refused(http_server, internal) -> None:
    page = (
        '<ul class="news"><li><a href="/a/1.html">防汛工作部署会</a></li>'
        '<li><a href="/a/2.html">安全生产检查</a></li></ul>'
    ).encode()
    http_server.routes["/list.html"] = Route(page, headers={"Content-Type": "text/html; charset=utf-8"})
    http_server.routes["/a/1.html"] = Route(
        "<html><body><h1>防汛工作部署会</h1><p>会议要求压实防汛责任。</p></body></html>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    http_server.routes["/a/2.html"] = redirect(internal.url("/latest/meta-data/iam"))
    source = SourceConfig(id="zy-gov", kind=SourceKind.HTML, url=http_server.url("/list.html"), selectors=SELECTORS)
    outcome = run(HtmlCollector(), source)
    assert [item.title for item in outcome.items] == ["防汛工作部署会"]
    assert "private_address" in [reason for reason, _ in outcome.problems]
    assert internal.requests == []


def test_a_weibo_long_text_redirected_to_a_private_address_is_refused(http_server, internal) -> None:
    mblog = {
        "id": "4646131823281332", "created_at": "Fri Nov 20 09:00:00 +0800 2026", "isLongText": True,
        "text": '郑州发布：防汛工作...<a href="/status/4646131823281332">全文</a>', "user": {"id": 1},
    }
    page = {"ok": 1, "data": {"cardlistInfo": {}, "cards": [{"card_type": 9, "mblog": mblog}]}}
    http_server.routes["/api/container/getIndex"] = Route(json.dumps(page).encode())
    http_server.routes["/statuses/extend"] = redirect(internal.url("/latest/meta-data/iam"))
    source = SourceConfig(
        id="wb", kind=SourceKind.WEIBO, url=http_server.url("/api/container/getIndex?containerid=1076031")
    )
    outcome = run(WeiboCollector(), source)
    assert [item.external_id for item in outcome.items] == ["4646131823281332"]
    assert outcome.items[0].extra["long_text_expanded"] is False
    assert "private_address" in [reason for reason, _ in outcome.problems]
    assert internal.requests == []


# --- the address checked is the address connected to -------------------------------------------------


@pytest.fixture
def twin_servers() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    """A stand-in for a public server on 127.0.0.2 and an internal one on 127.0.0.1, on one port."""
    public = LoopbackServer(host="127.0.0.2").start()
    internal = LoopbackServer(host="127.0.0.1", port=public.port).start()
    public.routes["/a"] = Route(b"public answer")
    internal.routes["/a"] = Route(SECRET)
    try:
        yield public, internal
    finally:
        public.stop()
        internal.stop()


def test_a_name_that_rebinds_after_the_check_still_reaches_the_checked_address(twin_servers) -> None:
    public, internal = twin_servers
    answers = iter([["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]])
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    # 127.0.0.2 stands for a public address here; 127.0.0.1 stays private
    config = CollectConfig(allow_networks=["127.0.0.2/32"])

    async def go() -> bytes:
        async with Fetcher(config, resolver=rebinding) as fetcher:
            return (await fetcher.get(f"http://news.example.test:{public.port}/a")).content

    assert asyncio.run(go()) == b"public answer"
    assert asked == ["news.example.test"]  # one lookup, then the connection to what it answered
    assert internal.requests == []


def test_a_name_resolving_to_any_private_address_is_refused(twin_servers) -> None:
    public, internal = twin_servers

    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.2", "127.0.0.1"]

    async def go() -> None:
        async with Fetcher(CollectConfig(allow_networks=["127.0.0.2/32"]), resolver=mixed) as fetcher:
            await fetcher.get(f"http://news.example.test:{public.port}/a")

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.reason == "private_address"
    assert public.requests == [] and internal.requests == []


def test_a_pooled_connection_to_a_trusted_origin_is_not_reused_unchecked(http_server) -> None:
    http_server.routes["/feed"] = Route(b"<rss/>")
    http_server.routes["/secret"] = Route(SECRET)

    async def go() -> None:
        async with Fetcher(FAST) as fetcher:
            # source A is configured on this origin: its own request goes out, and leaves a connection
            await fetcher.get(http_server.url("/feed"), origin=http_server.url("/feed"))
            # source B is not: the same origin is private to it, pooled connection or not
            await fetcher.get(http_server.url("/secret"), origin="https://www.example.cn/rss.xml")

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.reason == "private_address"
    assert [r.path for r in http_server.requests] == ["/feed"]


def test_allow_private_links_turns_the_check_off(http_server, internal) -> None:
    http_server.routes["/feed"] = redirect(internal.url("/feed"))
    internal.routes["/feed"] = Route(rss(numbered("a", 1)), headers={"Content-Type": "application/rss+xml"})
    config = CollectConfig(allow_private_links=True)
    assert len(run(RssCollector(), rss_source(http_server), config).items) == 1


# --- the policy as a table -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "allowed", "permitted"),
    [
        ("93.184.216.34", (), True),
        ("2606:2800:220:1:248:1893:25c8:1946", (), True),
        ("127.0.0.1", (), False),
        ("10.1.2.3", (), False),
        ("172.16.0.1", (), False),
        ("192.168.1.1", (), False),
        ("169.254.169.254", (), False),
        ("100.100.100.200", (), False),  # shared address space (CGNAT), Alibaba Cloud's metadata
        ("0.0.0.0", (), False),
        ("224.0.0.1", (), False),
        ("255.255.255.255", (), False),
        ("::1", (), False),
        ("fe80::1%eth0", (), False),
        ("fd00::1", (), False),
        ("::ffff:127.0.0.1", (), False),
        ("::ffff:93.184.216.34", (), True),
        ("10.8.1.20", ("10.8.0.0/16",), True),
        ("10.9.1.20", ("10.8.0.0/16",), False),
    ],
)
def test_address_policy(address: str, allowed: tuple[str, ...], permitted: bool) -> None:
    assert AddressPolicy.of(allowed).permits(address) is permitted


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://Example.CN/a?b", ("http", "example.cn", 80)),
        ("https://example.cn:443/", ("https", "example.cn", 443)),
        ("http://127.0.0.1:8080/feed", ("http", "127.0.0.1", 8080)),
        ("file:///etc/passwd", None),
        ("not a url", None),
    ],
)
def test_origin_of(url: str, origin: tuple[str, str, int] | None) -> None:
    assert origin_of(url) == origin
