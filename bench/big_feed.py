"""One poll of one huge feed: time and peak memory with and without the cap on new items per poll.

    python bench/big_feed.py [--items 100000] [--cap 500] [--parse-workers 0]

A feed of ``--items`` entries (about 450 bytes each, as bench/ingest.py writes them) is served on 127.0.0.1 by a separate process;
the collector polls it once through the real fetcher, parser, normaliser and store (SQLite), with
``collect.max_items_per_poll`` set to ``--cap`` (``--cap 0``: no cap, every item stored in one poll)
and ``collect.max_body`` raised so the body is read whole. Peak RSS is the collecting process's
plus its parse workers'. Run once per setting: the peak of a process never goes down.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

from ingest import _peak_mb, serve  # type: ignore[import-not-found]


async def poll_once(database_url: str, port: int, items: int, cap: int, workers: int) -> tuple[str, int, float, float]:
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
        "sources": [{"id": "huge", "kind": "rss", "url": f"http://127.0.0.1:{port}/feed/0.xml"}],
        "collect": {"max_body": items * 1000, "max_items_per_poll": cap or items, "parse_workers": workers,
                    "poll_deadline": "10m", "read_timeout": "60s"},
    })
    database = open_database(database_url)
    fetcher = Fetcher(settings.collect)
    pool = ParsePool(settings.collect.parse_workers)
    metrics = Metrics()
    runner = CollectionRunner(settings, database, fetcher, SystemClock(), metrics, default_collectors(), cpu=pool)
    await runner.prepare()
    started = time.perf_counter()
    (report,) = await runner.collect_once()
    elapsed = time.perf_counter() - started
    await fetcher.aclose()
    workers_mb = sum(_peak_mb(pid) for pid in pool.worker_pids())
    pool.close()
    database.close()
    deferred = metrics.registry.get_sample_value("sentinel_items_deferred_total", {"source": "huge", "kind": "rss"})
    return f"{report.outcome}, {report.new} new, {deferred or 0:.0f} deferred", report.new, elapsed, workers_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--cap", type=int, default=500, help="collect.max_items_per_poll (0: no cap)")
    parser.add_argument("--parse-workers", type=int, default=0, help="parse processes (0: in the collector)")
    args = parser.parse_args()
    database_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='sentinel-bench-')) / 'big.db'}"

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(1, args.items, ports), daemon=True)
    server.start()
    port = ports.get(timeout=120)
    try:
        outcome, _new, elapsed, workers_mb = asyncio.run(
            poll_once(database_url, port, args.items, args.cap, args.parse_workers)
        )
    finally:
        server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"feed of {args.items:,} items (~450 bytes each), max_items_per_poll={args.cap or 'none'}, "
          f"parse_workers={args.parse_workers}")
    print(f"poll: {outcome} in {elapsed:.1f} s")
    print(f"peak RSS: collecting process {peak_mb:.0f} MB + parse workers {workers_mb:.0f} MB")


if __name__ == "__main__":
    main()
