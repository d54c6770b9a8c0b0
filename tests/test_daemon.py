"""The daemon end to end: real sources on 127.0.0.1, the real pipeline, a real SQLite store."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from sentinel.app import Daemon, Timing
from sentinel.metrics import Metrics
from sentinel.settings import Settings
from sentinel.store import items as item_store
from sentinel.store import sources as source_store
from sentinel.store.db import open_database
from tests.support import feeds
from tests.support.daemon import daemon_in_thread
from tests.support.server import Route


def settings_for(database_url: str, sources: list[dict[str, Any]], **extra: Any) -> Settings:
    pushed_into = [source["id"] for source in sources if source["kind"] == "push"]
    ingest = [{"name": "crawler", "role": "ingest", "token_env": "T_INGEST", "sources": pushed_into}] if pushed_into else []
    return Settings.model_validate({
        "database": {"url": database_url},
        "http": {"listen": "127.0.0.1:0", "tokens": [*ingest, {"name": "viewer", "role": "readonly", "token_env": "T_READ"}]},
        "sources": sources,
        "collect": {"jitter": 0, "read_timeout": "1s", "connect_timeout": "1s", "max_body": "2MB",
                    **extra.pop("collect", {})},
        **extra,
    })


def run_daemon(settings: Settings, until: Callable[[Daemon], bool], *, timeout: float = 20,
               serve_http: bool = False, during: Callable[[Daemon], Any] | None = None) -> Metrics:
    """Run the daemon until ``until(daemon)`` holds (checked every 50 ms), then stop it."""
    metrics = Metrics(process=False)

    async def go() -> None:
        daemon = Daemon(settings, metrics=metrics, serve_http=serve_http,
                        timing=Timing(collect_tick=0.05, health_tick=0.2))
        task = asyncio.create_task(daemon.run())
        await daemon.wait_ready()
        try:
            deadline = time.monotonic() + timeout
            while not until(daemon):
                if task.done():
                    task.result()
                if time.monotonic() > deadline:
                    raise AssertionError("the daemon did not get there in time")
                if during is not None:
                    await during(daemon)
                await asyncio.sleep(0.05)
        finally:
            daemon.request_stop()
            await task

    asyncio.run(go())
    return metrics


def count(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def stored(database_url: str) -> list[Any]:
    database = open_database(database_url)
    try:
        return item_store.list_items(database.engine, limit=100000)
    finally:
        database.close()


def test_every_kind_of_source_is_collected_into_the_store(http_server, sqlite_url) -> None:
    http_server.routes["/rss"] = Route(feeds.rss(feeds.numbered("r", 5)), headers={"Content-Type": "application/rss+xml"})
    http_server.routes["/json"] = Route(feeds.jsonfeed(feeds.numbered("j", 4)), headers={"Content-Type": "application/feed+json"})
    http_server.routes["/api/container/getIndex"] = Route(
        feeds.weibo_page([("4900000000000001", "中原区发生火灾"), ("4900000000000002", "已扑灭")]),
        headers={"Content-Type": "application/json"})
    page = ('<html><head><meta charset="gb2312"></head><body><ul>'
            '<li class="n"><a href="/a/1.html">关于朱镕基同志题词的通报</a><span>2026-11-20 09:00</span></li>'
            "</ul></body></html>").encode("gb18030")
    article = ('<html><head><meta charset="gb2312"><title>t</title></head><body><h1>关于朱镕基同志题词的通报</h1>'
               '<div class="c"><p>堃喆珺等同志出席。</p></div></body></html>').encode("gb18030")
    http_server.routes["/list.html"] = Route(page, headers={"Content-Type": "text/html"})
    http_server.routes["/a/1.html"] = Route(article, headers={"Content-Type": "text/html"})
    settings = settings_for(sqlite_url, [
        {"id": "r", "kind": "rss", "url": http_server.url("/rss"), "interval": "1h"},
        {"id": "j", "kind": "jsonfeed", "url": http_server.url("/json"), "interval": "1h"},
        {"id": "w", "kind": "weibo", "url": http_server.url("/api/container/getIndex?containerid=1076031"),
         "interval": "1h"},
        {"id": "h", "kind": "html", "url": http_server.url("/list.html"), "interval": "1h",
         "selectors": {"item": "li.n", "link": "a", "date": "span", "body": "div.c"}},
    ])
    metrics = run_daemon(settings, lambda d: len(stored(sqlite_url)) >= 12)
    rows = stored(sqlite_url)
    by_source = {sid: [r for r in rows if r.source_id == sid] for sid in "rjwh"}
    assert [len(by_source[s]) for s in "rjwh"] == [5, 4, 2, 1]
    gov = by_source["h"][0]
    assert "朱镕基" in gov.title and "堃喆珺" in gov.text  # GBK-only characters came out right
    assert by_source["w"][0].comments in (12000, None) or by_source["w"][1].comments == 12000
    assert count(metrics, "sentinel_items_new_total", source="r", kind="rss") == 5


def test_bad_inputs_are_counted_by_reason_and_never_stop_the_others(http_server, sqlite_url) -> None:
    good = feeds.rss(feeds.numbered("g", 3))
    http_server.routes["/good"] = Route(good)
    broken = {
        "truncated": Route(good[: len(good) // 2]),
        "html-as-feed": Route(b"<html><head><title>404</title></head><body><p>page moved</p></body></html>",
                              headers={"Content-Type": "text/html"}),
        "empty": Route(b""),
        "huge": Route(b"<rss>" + b"x" * (3 * 1024 * 1024)),
        "error": Route(b"boom", 500),
        "reset": Route(reset=True),
        "slow": Route(good, delay=3),
        "weibo-432": Route(b"", 432),
        "gbk-as-utf8": Route(feeds.rss([("x-1", "朱镕基", "堃喆")], encoding="gb18030", declared="utf-8")),
        "gbk-as-gb2312": Route(feeds.rss([("x-1", "朱镕基", "堃喆")], encoding="gb18030", declared="gb2312")),
    }
    sources = [{"id": "good", "kind": "rss", "url": http_server.url("/good"), "interval": "1h"}]
    for name, route in broken.items():
        http_server.routes[f"/{name}"] = route
        kind = "weibo" if name.startswith("weibo") else "rss"
        path = f"/{name}" + ("?containerid=1076031" if kind == "weibo" else "")
        sources.append({"id": name, "kind": kind, "url": http_server.url(path), "interval": "1h"})
    settings = settings_for(sqlite_url, sources)

    def polled_all(daemon: Daemon) -> bool:
        assert daemon.database is not None
        states = source_store.all_states(daemon.database.engine)
        return all(s.last_attempt_at is not None for s in states.values())

    metrics = run_daemon(settings, polled_all)
    rows = stored(sqlite_url)
    assert len([r for r in rows if r.source_id == "good"]) == 3
    reasons = {name: _failure_reason(metrics, name) for name in broken}
    assert reasons["error"] == "http_5xx"
    assert reasons["reset"] == "reset"
    assert reasons["slow"] == "timeout"
    assert reasons["huge"] == "too_large"
    assert reasons["weibo-432"] == "blocked"
    assert reasons["empty"] == "empty"
    assert reasons["html-as-feed"] == "not_a_feed"
    # a truncated feed is parsed as far as it goes and counted, not dropped
    assert reasons["truncated"] == "ok"
    assert count(metrics, "sentinel_parse_problems_total", source="truncated", kind="rss", reason="malformed") >= 1
    # charsets that lie still come out right
    for name in ("gbk-as-utf8", "gbk-as-gb2312"):
        texts = [r.title + r.text for r in rows if r.source_id == name]
        assert texts and "朱镕基" in texts[0] and "堃喆" in texts[0], name
    assert count(metrics, "sentinel_source_blocked", source="weibo-432", kind="weibo") == 1
    health = {state: count(metrics, "sentinel_source_health", source=name, kind=kind, sentinel_source_health=state)
              for name, kind, state in (("weibo-432", "weibo", "blocked"), ("error", "rss", "failing"), ("good", "rss", "up"))}
    assert set(health.values()) == {1.0}, health


def _failure_reason(metrics: Metrics, source: str) -> str:
    for family in metrics.registry.collect():
        if family.name != "sentinel_fetches":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels["source"] == source and sample.value:
                return sample.labels["outcome"]
    return "none"


def test_a_dead_source_does_not_slow_the_schedule_of_the_others(http_server, sqlite_url) -> None:
    http_server.routes["/fast"] = Route(feeds.rss(feeds.numbered("f", 1)))
    http_server.routes["/dead"] = Route(b"", delay=2.5)
    sources = [{"id": "fast", "kind": "rss", "url": http_server.url("/fast"), "interval": "200ms"}]
    sources += [{"id": f"dead{n}", "kind": "rss", "url": http_server.url("/dead"), "interval": "200ms"}
                for n in range(6)]
    settings = settings_for(sqlite_url, sources, collect={"per_host": 8, "concurrency": 16, "read_timeout": "5s"})
    ready_at: list[float] = []

    def after_two_seconds(_daemon: Daemon) -> bool:
        ready_at[:] = ready_at or [time.monotonic()]  # the first check comes when the daemon is ready
        return time.monotonic() - ready_at[0] > 2.0

    run_daemon(settings, after_two_seconds)
    fast_polls = len(http_server.requests_to("/fast"))
    # six sources hang for 2.5 s each; the fast one is still polled every ~0.2 s meanwhile
    assert fast_polls >= 6, fast_polls


def test_conditional_get_a_304_stores_nothing(http_server, sqlite_url) -> None:
    body = feeds.rss(feeds.numbered("c", 2))

    def handler(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Route(b"", 304)
        return Route(body, headers={"ETag": '"v1"'})

    http_server.routes["/c"] = handler
    settings = settings_for(sqlite_url, [{"id": "c", "kind": "rss", "url": http_server.url("/c"), "interval": "100ms"}])
    metrics = run_daemon(settings, lambda d: len(http_server.requests_to("/c")) >= 4)
    assert len(stored(sqlite_url)) == 2
    assert count(metrics, "sentinel_fetches_total", source="c", kind="rss", outcome="not_modified") >= 2
    assert count(metrics, "sentinel_items_duplicate_total", source="c", kind="rss") == 0


def test_http_metrics_healthz_and_push(http_server, sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("T_INGEST", "ingest-secret")
    monkeypatch.setenv("T_READ", "read-secret")
    settings = settings_for(sqlite_url, [{"id": "crawler", "kind": "push"}])
    results: dict[str, Any] = {}

    async def exercise(daemon: Daemon) -> None:
        if results:
            return
        base = f"http://127.0.0.1:{daemon.http_port}"
        async with httpx.AsyncClient(base_url=base) as client:
            results["healthz"] = (await client.get("/healthz")).status_code
            batch = {"source": "crawler", "items": [
                {"id": "p1", "text": "中原区燃气爆炸", "published_at": "2026-11-20T09:40:00+08:00", "likes": 3},
                {"id": "p2", "text": "no time"},
                {"id": "p3", "text": "bad count", "published_at": "2026-11-20T09:40:00+08:00", "likes": "many"},
                {"id": "p4", "text": "naive", "published_at": "2026-11-20T09:40:00"},
                "not an object",
                {"id": "p1", "text": "again", "published_at": "2026-11-20T09:41:00+08:00"},
            ]}
            results["none"] = (await client.post("/api/items", json=batch)).status_code
            results["wrong"] = (await client.post("/api/items", json=batch,
                                                  headers={"Authorization": "Bearer nope"})).status_code
            results["role"] = (await client.post("/api/items", json=batch,
                                                 headers={"Authorization": "Bearer read-secret"})).status_code
            ok = await client.post("/api/items", json=batch, headers={"Authorization": "Bearer ingest-secret"})
            results["push"] = (ok.status_code, ok.json())
            bad = await client.post("/api/items", json={"source": "crawler"},
                                    headers={"Authorization": "Bearer ingest-secret"})
            results["malformed"] = (bad.status_code, bad.json())
            results["metrics"] = (await client.get("/metrics")).text

    run_daemon(settings, lambda d: bool(results), serve_http=True, during=exercise)
    assert results["healthz"] == 200
    assert (results["none"], results["wrong"], results["role"]) == (401, 401, 403)
    status, body = results["push"]
    assert status == 200 and body["new"] == 1 and body["duplicates"] == 1
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3, 4]
    assert "published_at" in body["rejected"][0]["reason"] and "likes" in body["rejected"][1]["reason"]
    assert results["malformed"][0] == 422 and "items" in str(results["malformed"][1])
    assert 'sentinel_push_items_total{outcome="rejected"} 4.0' in results["metrics"]
    rows = stored(sqlite_url)
    assert [(r.external_id, r.likes) for r in rows] == [("p1", 3)]


def test_healthz_answers_before_the_open_incidents_memory_is_rebuilt(sqlite_url, monkeypatch) -> None:
    """The rebuild of the open incidents' memory and the catch-up run behind the HTTP server: with
    the rebuild held, /healthz answers 200 and a push is stored; once it ends, the pushed item and
    the one stored before the start without analysis are analysed."""
    from sentinel.incidents.flows import IncidentStage
    from sentinel.store.models import Item, ItemAnalysis

    monkeypatch.setenv("T_INGEST", "ingest-secret")
    settings = settings_for(sqlite_url, [{"id": "crawler", "kind": "push"}],
                            watch=[{"id": "safety", "groups": {"event": ["爆炸"]}}])
    database = open_database(sqlite_url)
    with database.engine.begin() as connection:  # stored before a crash, never analysed
        connection.execute(Item.__table__.insert(), [{  # type: ignore[attr-defined]
            "source_id": "crawler", "external_id": "old", "title": "金水区燃气爆炸", "text": "金水区燃气爆炸",
            "published_at": datetime.now(UTC), "fetched_at": datetime.now(UTC), "content_hash": "0" * 32,
            "extra": {}}])
    release, loading = threading.Event(), threading.Event()
    load = IncidentStage.load

    def held_load(stage: IncidentStage, now: datetime) -> None:
        loading.set()
        release.wait(30)
        load(stage, now)

    monkeypatch.setattr(IncidentStage, "load", held_load)
    daemon = Daemon(settings, metrics=Metrics(process=False), timing=Timing(collect_tick=0.05, health_tick=0.2))

    def analysed() -> int:
        with database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(ItemAnalysis)).scalar_one())

    try:
        with daemon_in_thread(daemon, start_within=20) as base:
            assert loading.wait(10)
            assert httpx.get(base + "/healthz", timeout=5).status_code == 200
            pushed = httpx.post(base + "/api/items", timeout=5, headers={"Authorization": "Bearer ingest-secret"},
                                json={"source": "crawler", "items": [
                                    {"id": "new", "text": "中原区燃气爆炸", "published_at": datetime.now(UTC).isoformat()}]})
            assert pushed.json()["new"] == 1
            assert analysed() == 0  # the analysis thread is rebuilding the memory
            release.set()
            deadline = time.monotonic() + 20
            while analysed() < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert analysed() == 2
    finally:
        release.set()
        database.close()
