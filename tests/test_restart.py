"""SIGKILL the real daemon in the middle of collection, restart it, and lose or repeat nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from sentinel.store import items as item_store
from sentinel.store.db import open_database
from tests.support import feeds
from tests.support.server import Route

FEEDS = 6
TOTAL = 60  # items each feed publishes by the end
RATE = 20.0  # items per second per feed


def test_sigkill_during_collection_loses_and_repeats_nothing(http_server, tmp_path: Path) -> None:
    started = time.monotonic()
    lock = threading.Lock()

    def feed(n: int):
        def handler(request):
            with lock:
                visible = min(TOTAL, int((time.monotonic() - started) * RATE) + 1)
            etag = f'"{n}-{visible}"'
            if request.headers.get("if-none-match") == etag:
                return Route(b"", 304)
            entries = feeds.numbered(f"f{n}", visible)[::-1]  # newest first, as feeds are
            return Route(feeds.rss(entries), headers={"ETag": etag, "Content-Type": "application/rss+xml"})

        return handler

    sources = []
    for n in range(FEEDS):
        http_server.routes[f"/feed{n}"] = feed(n)
        sources.append({"id": f"feed{n}", "kind": "rss", "url": http_server.url(f"/feed{n}"), "interval": "150ms"})
    database_url = f"sqlite:///{tmp_path / 'sentinel.db'}"
    config = tmp_path / "sentinel.yaml"
    config.write_text(yaml.safe_dump({
        "database": {"url": database_url},
        "http": {"listen": "127.0.0.1:0"},
        "sources": sources,
        "collect": {"jitter": 0},
    }), encoding="utf-8")

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "sentinel", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    rng = random.Random(20261123)
    kills = 0
    while time.monotonic() - started < TOTAL / RATE:
        process = start()
        time.sleep(rng.uniform(0.8, 1.6))  # start-up takes most of a second; then polls are in flight
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
    process = start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(_stored(database_url)) >= FEEDS * TOTAL:
                break
            time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    assert kills >= 2
    rows = _stored(database_url)
    keys = [(row.source_id, row.external_id) for row in rows]
    assert len(keys) == len(set(keys))  # none stored twice
    expected = {(f"feed{n}", f"f{n}-{i}") for n in range(FEEDS) for i in range(TOTAL)}
    assert set(keys) == expected  # none lost
    assert _unanalysed(database_url) == []  # and every one analysed, those stored just before a kill too


def _unanalysed(database_url: str) -> list[int]:
    from sentinel.incidents.service import unanalysed_item_ids

    database = open_database(database_url)
    try:
        return unanalysed_item_ids(database.engine)
    finally:
        database.close()


def _stored(database_url: str):
    database = open_database(database_url)
    try:
        return item_store.list_items(database.engine, limit=100000)
    finally:
        database.close()
