"""``sentinel demo``: a newcomer's first run, entirely on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
from pathlib import Path

import click

from sentinel.app import Daemon, Timing
from sentinel.clock import SystemClock
from sentinel.demo.server import WEIBO_CONTAINER, DemoFeedServer
from sentinel.settings import Settings
from sentinel.store import items as item_store


def demo_settings(base: str, database_url: str, port: int) -> Settings:
    return Settings.model_validate({
        "timezone": "Asia/Shanghai",
        "database": {"url": database_url},
        "http": {"listen": f"127.0.0.1:{port}"},
        "sources": [
            {"id": "city-news", "kind": "rss", "url": f"{base}/rss/city-news.xml", "interval": "3s",
             "authority": "local", "official": True},
            {"id": "hn-daily", "kind": "jsonfeed", "url": f"{base}/json/hn-daily.json", "interval": "3s",
             "authority": "provincial"},
            {"id": "city-weibo", "kind": "weibo", "interval": "3s", "authority": "self_media",
             "url": f"{base}/api/container/getIndex?containerid={WEIBO_CONTAINER}"},
            {"id": "gov-site", "kind": "html", "url": f"{base}/gov/list.html", "interval": "3s",
             "authority": "local", "official": True,
             "selectors": {"item": "li.news", "link": "a", "date": "span.date", "body": "div.content"}},
        ],
        "collect": {"jitter": 0.0},
        "watch": [
            {"id": "safety", "department": "郑州市应急管理局",
             "groups": {"region": ["郑州", "中原区"], "event": ["爆炸", "坍塌", "火灾", "死亡", "伤亡"]},
             "exclude": ["演练", "演习"]},
        ],
    })


async def _show_incidents(daemon: Daemon, settings: Settings) -> None:
    """Print each incident as it opens and each grade change, from the store."""
    from sentinel.incidents import service

    seen: dict[int, str | None] = {}
    while True:
        await asyncio.sleep(0.5)
        if daemon.database is None:
            continue
        rows = await daemon.database.read(service.list_incidents, daemon.database.engine)
        for row in sorted(rows, key=lambda r: r.id or 0):
            assert row.id is not None
            if row.id not in seen:
                click.echo(f"  ▶ 新舆情事件 incident #{row.id} opened: {row.title[:40]}  "
                           f"[{row.department}] grade {row.grade or '-'}")
            elif seen[row.id] != row.grade:
                reason = (row.grade_reasons or [""])[0].split(" / ")[0]
                click.echo(f"  ▲ incident #{row.id} graded {row.grade}: {reason}")
            seen[row.id] = row.grade


def _free(port: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            return 0


async def run_demo(*, seconds: float | None = None, port: int = 8470) -> None:
    logging.getLogger("sentinel").setLevel(logging.ERROR)  # the demo prints its own account
    clock = SystemClock()
    feeds = DemoFeedServer(clock).start()
    workdir = Path(tempfile.mkdtemp(prefix="sentinel-demo-"))
    settings = demo_settings(feeds.base, f"sqlite:///{workdir / 'demo.db'}", _free(port))
    daemon: Daemon

    async def show(source_id: str, ids: list[int]) -> None:
        assert daemon.database is not None
        rows = await daemon.database.read(item_store.items_by_ids, daemon.database.engine, ids)
        for row in rows:
            when = row.published_at.astimezone(settings.zone).strftime("%H:%M:%S")
            click.echo(f"  {when}  [{source_id:10}] {row.title[:60]}")

    daemon = Daemon(settings, clock=clock, timing=Timing(collect_tick=0.5, health_tick=5), on_new_items=show)
    task = asyncio.create_task(daemon.run())
    ready = asyncio.create_task(daemon.wait_ready())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
        return
    watcher = asyncio.create_task(_show_incidents(daemon, settings))
    url = f"http://127.0.0.1:{daemon.http_port}"
    click.echo("sentinel demo: four bundled feeds (RSS, JSON Feed, Weibo, a GBK government site) on "
               f"{feeds.base}\n  metrics  {url}/metrics\n  health   {url}/healthz\n  API      {url}/api/docs\n"
               f"  database {workdir / 'demo.db'}\nNew items as they are collected (Ctrl-C to stop):")
    try:
        if seconds is None:
            await task
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=seconds)
    finally:
        watcher.cancel()
        daemon.request_stop()
        await task
        feeds.stop()
        click.echo("sentinel demo: stopped.")
