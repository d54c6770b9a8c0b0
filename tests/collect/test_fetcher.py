"""The shared fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import timedelta

import pytest

from sentinel.collect.fetcher import Fetcher, parse_retry_after
from sentinel.errors import FetchError
from sentinel.settings import CollectConfig
from tests.support.server import Route


def fetch(url: str, config: CollectConfig | None = None, **kwargs):
    """GET ``url`` as a source configured with that URL (the loopback server is its trusted origin)."""
    kwargs.setdefault("origin", url)

    async def go():
        async with Fetcher(config or CollectConfig()) as fetcher:
            return await fetcher.get(url, **kwargs)

    return asyncio.run(go())


def failure(url: str, config: CollectConfig | None = None, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, config, **kwargs)
    return caught.value


def test_conditional_get_sends_validators_and_reads_304(http_server) -> None:
    def handler(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Route(b"", 304)
        return Route(b"<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Fri, 20 Nov 2026 02:00:00 GMT"})

    http_server.routes["/feed"] = handler
    first = fetch(http_server.url("/feed"))
    assert first.status == 200 and first.etag == '"v1"' and first.content == b"<rss/>"
    second = fetch(http_server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified
    sent = http_server.requests_to("/feed")[1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Fri, 20 Nov 2026 02:00:00 GMT"


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(b"oops", 500), "http_5xx"),
        (Route(b"gone", 404), "http_4xx"),
        (Route(b"", 429, {"Retry-After": "120"}), "rate_limited"),
        (Route(b"", 503, {"Retry-After": "30"}), "rate_limited"),
        (Route(b"", 432), "blocked"),
        (Route(reset=True), "reset"),
    ],
)
def test_failures_have_a_closed_reason(http_server, route: Route, reason: str) -> None:
    http_server.routes["/x"] = route
    assert failure(http_server.url("/x")).reason == reason


def test_retry_after_is_carried(http_server) -> None:
    http_server.routes["/x"] = Route(b"", 429, {"Retry-After": "120"})
    assert failure(http_server.url("/x")).retry_after == 120


def test_read_timeout(http_server) -> None:
    http_server.routes["/slow"] = Route(b"late", delay=1.5)
    config = CollectConfig(read_timeout=timedelta(seconds=0.3))
    started = time.monotonic()
    assert failure(http_server.url("/slow"), config).reason == "timeout"
    assert time.monotonic() - started < 1.4


def test_connection_refused() -> None:
    assert failure("http://127.0.0.1:9/").reason == "connect"


def test_body_cap_with_and_without_content_length(http_server) -> None:
    config = CollectConfig(max_body=1000)
    http_server.routes["/big"] = Route(b"x" * 5000)
    assert failure(http_server.url("/big"), config).reason == "too_large"

    # a gzip bomb: small on the wire, huge decoded
    bomb = gzip.compress(b"0" * 200_000)
    http_server.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    assert failure(http_server.url("/bomb"), CollectConfig(max_body=50_000)).reason == "too_large"


def test_gzip_bodies_are_decoded(http_server) -> None:
    http_server.routes["/z"] = Route(gzip.compress("郑州".encode()), headers={"Content-Encoding": "gzip"})
    assert fetch(http_server.url("/z")).content == "郑州".encode()


def test_redirects_are_followed_and_bounded(http_server) -> None:
    http_server.routes["/a"] = Route(b"", 302, {"Location": "/b"})
    http_server.routes["/b"] = Route(b"here")
    reply = fetch(http_server.url("/a"))
    assert reply.content == b"here" and reply.url.endswith("/b")
    http_server.routes["/loop"] = Route(b"", 302, {"Location": "/loop"})
    assert failure(http_server.url("/loop"), CollectConfig(max_redirects=3)).reason == "too_many_redirects"


def test_links_found_in_content_may_not_reach_private_addresses(http_server) -> None:
    http_server.routes["/a"] = Route(b"ok")
    # the configured source's own origin is trusted ...
    assert fetch(http_server.url("/a"), origin=http_server.url("/list")).content == b"ok"
    # ... another private address is not, nor is any private address without a configured origin
    other = f"http://127.0.0.2:{http_server.port}/a"
    assert failure(other, origin=http_server.url("/list")).reason == "private_address"
    assert failure(http_server.url("/a"), origin=None).reason == "private_address"
    assert failure("file:///etc/passwd", origin=http_server.url("/")).reason == "private_address"


def test_per_host_concurrency_is_limited(http_server) -> None:
    active = 0
    peak = 0
    import threading

    lock = threading.Lock()

    def handler(_request):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.1)
        with lock:
            active -= 1
        return Route(b"ok")

    http_server.routes["/c"] = handler

    async def go():
        async with Fetcher(CollectConfig(per_host=2)) as fetcher:
            url = http_server.url("/c")
            await asyncio.gather(*(fetcher.get(url, origin=url) for _ in range(8)))

    asyncio.run(go())
    assert peak == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (None, None), ("soon", None),
     ("Fri, 20 Nov 2026 02:02:00 GMT", 120.0)],
)
def test_parse_retry_after(value, expected) -> None:
    import httpx

    headers = httpx.Headers({"date": "Fri, 20 Nov 2026 02:00:00 GMT"})
    assert parse_retry_after(value, headers) == expected
