"""Whole polls through the runner: real sources on 127.0.0.1, the real store, the metrics they count."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from sentinel.clock import SystemClock
from sentinel.collect.fetcher import Fetcher
from sentinel.collect.registry import default_collectors
from sentinel.collect.runner import CollectionRunner, PollReport
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store.db import open_database
from tests.support import feeds
from tests.support.server import Route


def settings_for(database_url: str, sources: list[dict[str, Any]], **collect: Any) -> Settings:
    return Settings.model_validate({
        "database": {"url": database_url},
        "sources": sources,
        "collect": {"jitter": 0, "read_timeout": "1s", "connect_timeout": "1s", **collect},
    })


def poll(settings: Settings, metrics: Metrics | None = None, *, times: int = 1) -> list[list[PollReport]]:
    """Poll every source ``times`` times, one round after the other."""
    async def go() -> list[list[PollReport]]:
        async with running(settings, metrics) as runner:
            return [await runner.collect_once() for _ in range(times)]

    return asyncio.run(go())


@contextlib.asynccontextmanager
async def running(settings: Settings, metrics: Metrics | None = None) -> AsyncIterator[CollectionRunner]:
    """A runner on the real store and fetcher, its sources prepared."""
    database = open_database(settings.database.url)
    fetcher = Fetcher(settings.collect)
    try:
        runner = CollectionRunner(settings, database, fetcher, SystemClock(), metrics or Metrics(process=False),
                                  default_collectors())
        await runner.prepare()
        yield runner
    finally:
        await fetcher.aclose()
        database.close()


def stored(database_url: str, source_id: str | None = None) -> list[Any]:
    database = open_database(database_url)
    try:
        return item_store.list_items(database.engine, source_id=source_id, limit=1_000_000)
    finally:
        database.close()


def count(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


# --- the poll's deadline ---------------------------------------------------------------------------


def test_a_server_dripping_its_answer_cannot_hold_a_poll_past_its_deadline(http_server, sqlite_url) -> None:
    # one byte every 0.05 s: never idle long enough for the 1 s read timeout, done only after ~50 s
    http_server.routes["/slow"] = Route(feeds.rss(feeds.numbered("slow", 3)), drip=0.05)
    http_server.routes["/fast"] = Route(feeds.rss(feeds.numbered("fast", 2)))
    settings = settings_for(
        sqlite_url,
        [{"id": "slow", "kind": "rss", "url": http_server.url("/slow")},
         {"id": "fast", "kind": "rss", "url": http_server.url("/fast")}],
        poll_deadline="2s",
    )
    metrics = Metrics(process=False)
    started = time.monotonic()
    (reports,) = poll(settings, metrics)
    elapsed = time.monotonic() - started
    outcomes = {report.source_id: report.outcome for report in reports}
    assert outcomes == {"slow": "timeout", "fast": "ok"}
    assert elapsed < 6, f"the poll took {elapsed:.1f}s"
    assert count(metrics, "sentinel_fetches_total", source="slow", kind="rss", outcome="timeout") == 1
    assert [item.external_id for item in stored(sqlite_url, "fast")] != []


def test_articles_read_before_the_deadline_are_kept(http_server, sqlite_url) -> None:
    links = "".join(f'<li><a href="/a/{n}.html">第{n}篇</a></li>' for n in (1, 2, 3))
    http_server.routes["/list.html"] = Route(f'<ul class="news">{links}</ul>'.encode(),
                                             headers={"Content-Type": "text/html; charset=utf-8"})
    for n in (1, 2, 3):
        page = f"<html><body><h1>第{n}篇</h1><p>正文{n}</p></body></html>".encode()
        http_server.routes[f"/a/{n}.html"] = Route(page, headers={"Content-Type": "text/html; charset=utf-8"},
                                                   drip=0.05 if n == 2 else 0.0)
    settings = settings_for(sqlite_url, [{"id": "site", "kind": "html", "url": http_server.url("/list.html"),
                                          "selectors": {"item": "ul.news li", "link": "a"}}], poll_deadline="2s")
    metrics = Metrics(process=False)
    ((report,),) = poll(settings, metrics)
    assert (report.outcome, report.new) == ("ok", 2)
    assert sorted(item.title for item in stored(sqlite_url)) == ["第1篇", "第3篇"]
    assert count(metrics, "sentinel_parse_problems_total", source="site", kind="html", reason="timeout") == 1


# --- hostile items: rejected one by one, counted by reason, nothing the database cannot hold ------------


def test_hostile_items_are_rejected_one_by_one_and_nul_never_reaches_the_database(
    http_server, database_url, caplog
) -> None:
    from tests.collect.test_weibo import hostile_page

    http_server.routes["/api/container/getIndex"] = Route(hostile_page(), headers={"Content-Type": "application/json"})
    feed = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
        '{"id": "ok-1", "title": "郑州\\u0000发布", "content_text": "正文", "url": "http://news.example.cn/a\\u0000b",'
        ' "tags": ["政务\\u0000要闻"], "authors": [{"name": "市\\u0000政府"}]},'
        '{"id": "bad\\u0000id", "content_text": "NUL in the id"},'
        '{"id": ' + "7" * 5000 + ', "content_text": "a 5,000-digit id"},'
        '{"id": "ok-2", "content_text": "第二条"}]}'
    ).encode()
    http_server.routes["/feed.json"] = Route(feed, headers={"Content-Type": "application/feed+json"})
    bomb = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    http_server.routes["/bomb.json"] = Route(bomb, headers={"Content-Type": "application/feed+json"})
    http_server.routes["/refusal"] = Route(b'{"ok": 0, "msg": "\\u0000bad\\u0000"}', headers={"Content-Type": "application/json"})
    settings = settings_for(database_url, [
        {"id": "wb", "kind": "weibo", "url": http_server.url("/api/container/getIndex?containerid=1076031")},
        {"id": "jf", "kind": "jsonfeed", "url": http_server.url("/feed.json")},
        {"id": "bomb", "kind": "jsonfeed", "url": http_server.url("/bomb.json")},
        {"id": "refusal", "kind": "weibo", "url": http_server.url("/refusal?containerid=1")},  # NUL in the error
    ])
    metrics = Metrics(process=False)
    (reports,) = poll(settings, metrics)
    outcomes = {report.source_id: (report.outcome, report.new) for report in reports}
    assert outcomes == {"wb": ("ok", 7), "jf": ("ok", 2), "bomb": ("malformed", 0), "refusal": ("malformed", 0)}

    rows = stored(database_url)
    assert sorted(row.external_id for row in rows if row.source_id == "jf") == ["ok-1", "ok-2"]
    for row in rows:
        assert "\x00" not in repr(row.model_dump())
    first = next(row for row in rows if row.external_id == "ok-1")
    assert (first.title, first.author, first.extra["tags"]) == ("郑州发布", "市政府", ["政务要闻"])

    assert count(metrics, "sentinel_parse_problems_total", source="wb", kind="weibo", reason="malformed") == 8
    assert count(metrics, "sentinel_parse_problems_total", source="jf", kind="jsonfeed", reason="malformed") == 2
    assert count(metrics, "sentinel_fetches_total", source="bomb", kind="jsonfeed", outcome="malformed") == 1
    assert not [record for record in caplog.records if record.exc_info]  # no traceback: a reason, counted
    database = open_database(database_url)
    try:
        from sentinel.store import sources as source_store

        state = source_store.get_state(database.engine, "refusal")
        assert state.last_error_reason == "malformed" and "\x00" not in state.last_error
    finally:
        database.close()


# --- the cap on new items per poll ----------------------------------------------------------------------


def test_a_poll_stores_at_most_the_cap_and_leaves_the_rest_for_the_next(http_server, sqlite_url) -> None:
    etag = '"v1"'

    def feed(request):
        if request.headers.get("if-none-match") == etag:
            return Route(b"", 304)
        return Route(feeds.rss(feeds.numbered("n", 25)), headers={"Content-Type": "application/rss+xml", "ETag": etag})

    http_server.routes["/feed"] = feed
    settings = settings_for(sqlite_url, [{"id": "big", "kind": "rss", "url": http_server.url("/feed")}],
                            max_items_per_poll=10)
    metrics = Metrics(process=False)
    rounds = poll(settings, metrics, times=4)
    assert [(r.outcome, r.new) for (r,) in rounds] == [("ok", 10), ("ok", 10), ("ok", 5), ("not_modified", 0)]
    # the feed's order (newest first) decides which items wait
    assert sorted(int(item.external_id.split("-")[1]) for item in stored(sqlite_url)) == list(range(25))
    assert count(metrics, "sentinel_items_deferred_total", source="big", kind="rss") == 15 + 5
    # while items waited, the validators were not kept: every poll read the whole feed again
    sent = [request.headers.get("if-none-match") for request in http_server.requests_to("/feed")]
    assert sent == [None, None, None, etag]


def test_a_capped_weibo_poll_keeps_its_cursor_until_nothing_waits(http_server, sqlite_url) -> None:
    posts = [(f"49000000000000{n:02d}", f"第{n}条") for n in range(5, 0, -1)]  # newest first
    http_server.routes["/api/container/getIndex"] = Route(feeds.weibo_page(posts),
                                                          headers={"Content-Type": "application/json"})
    settings = settings_for(
        sqlite_url, [{"id": "wb", "kind": "weibo", "url": http_server.url("/api/container/getIndex?containerid=1")}],
        max_items_per_poll=2)
    rounds = poll(settings, times=3)
    assert [r.new for (r,) in rounds] == [2, 2, 1]
    database = open_database(sqlite_url)
    try:
        from sentinel.store import sources as source_store

        assert source_store.get_state(database.engine, "wb").cursor == {"since_id": "4900000000000005"}
    finally:
        database.close()


# --- the stop ----------------------------------------------------------------------------------------


def test_a_tick_whose_lease_was_in_flight_when_the_stop_began_starts_no_poll(http_server, sqlite_url) -> None:
    # a poll started then would outlive the database it writes to (its ERROR traceback at every stop)
    from sentinel.store import sources as source_store

    http_server.routes["/feed"] = Route(feeds.rss(feeds.numbered("late", 2)))
    settings = settings_for(sqlite_url, [{"id": "late", "kind": "rss", "url": http_server.url("/feed")}])

    async def go() -> tuple[int, int, Any]:
        async with running(settings) as runner:
            tick = asyncio.create_task(runner.tick())
            await asyncio.sleep(0)  # the tick is in its lease write
            await runner.drain()
            started = await tick
            after_stop = await runner.tick()
            await runner.drain()
            return started, after_stop, await runner.db.read(source_store.get_state, runner.db.engine, "late")

    started, after_stop, state = asyncio.run(go())
    assert (started, after_stop) == (0, 0)
    assert state.lease_owner is None  # the next run (or another process) takes the source at once
    assert http_server.requests_to("/feed") == []
    assert stored(sqlite_url) == []
