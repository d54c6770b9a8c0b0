"""Ingest benchmark: 200 feeds × 50 items on a loopback server, collected into SQLite.

    python bench/ingest.py [--feeds 200] [--items 50] [--database sqlite:///PATH]

The feed server runs in its own process so it does not share the collector's interpreter lock. The
figure is new items per second from the first request to the last committed row, through the real
fetcher, RSS parser, normaliser and store (the same ``CollectionRunner`` the daemon uses).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from memory import PeakPss  # bench/memory.py, next to this script

PHRASES = [
    "市政府召开常务会议研究部署冬季安全生产工作", "郑州地铁新线路开通试运营", "市场监管部门开展食品安全检查",
    "中原区开展老旧小区燃气管网改造", "教育局发布中小学寒假安排", "交通运输局优化公交线路",
    "卫健委提醒市民做好冬季呼吸道疾病防护", "生态环境局通报空气质量", "住建局推进保障性住房建设",
]


def render_feed(feed: int, items: int) -> bytes:
    base = datetime(2026, 11, 20, tzinfo=UTC)
    entries = []
    for n in range(items):
        title = f"{PHRASES[(feed + n) % len(PHRASES)]}（第{feed}-{n}期）"
        body = f"<p>{title}。</p><p>据了解，本次工作涉及全市{n + 3}个区县、{feed + 10}个部门，相关负责人表示将持续推进。</p>"
        when = format_datetime(base + timedelta(minutes=feed * 50 + n))
        entries.append(
            f"<item><title>{title}</title><link>http://news.example.cn/{feed}/{n}.html?utm_source=rss</link>"
            f"<guid>feed{feed}-item{n}</guid><pubDate>{when}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>http://news.example.cn/</link>{''.join(entries)}</channel></rss>"
    ).encode()


def serve(feeds: int, items: int, port_out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    bodies = {f"/feed/{f}.xml": render_feed(f, items) for f in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    server.serve_forever()


async def collect(database_url: str, port: int, feeds: int, workers: int | None = None) -> tuple[int, float]:
    from sentinel.clock import SystemClock
    from sentinel.collect.cpu import ParsePool
    from sentinel.collect.fetcher import Fetcher
    from sentinel.collect.registry import default_collectors
    from sentinel.collect.runner import CollectionRunner
    from sentinel.metrics import Metrics
    from sentinel.settings import Settings
    from sentinel.store.db import open_database

    settings = Settings.model_validate({
        "database": {"url": database_url},
        "sources": [{"id": f"feed-{f}", "kind": "rss", "url": f"http://127.0.0.1:{port}/feed/{f}.xml"}
                    for f in range(feeds)],
        "collect": {"per_host": 32, "concurrency": 32, "parse_workers": workers},
    })
    database = open_database(database_url)
    fetcher = Fetcher(settings.collect)
    pool = ParsePool(settings.collect.parse_workers)
    runner = CollectionRunner(settings, database, fetcher, SystemClock(), Metrics(), default_collectors(), cpu=pool)
    await runner.prepare()
    started = time.perf_counter()
    with PeakPss() as peak:  # this process, the fork server and the parse workers
        reports = await runner.collect_once()
    elapsed = time.perf_counter() - started
    global TREE_PEAK_PSS_MB
    TREE_PEAK_PSS_MB = peak.mb
    await fetcher.aclose()
    global WORKER_PEAK_MB
    WORKER_PEAK_MB = sum(_peak_mb(pid) for pid in pool.worker_pids())
    pool.close()
    database.close()
    failed = [r for r in reports if r.outcome != "ok"]
    if failed:
        print(f"warning: {len(failed)} polls failed, e.g. {failed[0].error}", file=sys.stderr)
    return sum(r.new for r in reports), elapsed


WORKER_PEAK_MB = 0.0
TREE_PEAK_PSS_MB = 0.0


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM) in MB, from /proc."""
    try:
        for line in open(f"/proc/{pid}/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--parse-workers", type=int, default=None,
                        help="parse processes (default: one per core; 0: parse in the collector)")
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()
    database_url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='sentinel-bench-')) / 'ingest.db'}"

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(args.feeds, args.items, ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    try:
        new, elapsed = asyncio.run(collect(database_url, port, args.feeds, args.parse_workers))
    finally:
        server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"feeds={args.feeds} items/feed={args.items} parse_workers={args.parse_workers} "
          f"database={database_url.split(':')[0]}")
    print(f"new items stored: {new} in {elapsed:.2f} s")
    print(f"ingest rate: {new / elapsed:,.0f} new items/s (target >= 1,000)")
    print(f"peak PSS of the process tree (collector, fork server, parse workers): {TREE_PEAK_PSS_MB:.0f} MB "
          f"(target <= 200 MB)")
    print(f"peak RSS, for comparison (shared pages counted in each process): collecting process {peak_mb:.0f} MB "
          f"+ parse workers {WORKER_PEAK_MB:.0f} MB = {peak_mb + WORKER_PEAK_MB:.0f} MB")


if __name__ == "__main__":
    main()
