"""Alert latency: from an item pushed to the real daemon to its new-incident message at the channel.

    python bench/latency.py [--stories 50] [--gap 0.8] [--tick 5s] [--database sqlite:///PATH]

A ``sentinel run`` process (the configured engine tick, 5 s by default, and the default look at the
outbox every second) with one push source, a watch rule and a webhook channel on 127.0.0.1 served
by this process. ``--stories`` accident reports, each in another city (so each opens its own
incident), are pushed one at a time through ``POST /api/items``, ``--gap`` seconds apart (±50 %,
so the pushes fall anywhere in the engine's tick). The figure is the time from the start of a push
to the webhook receiving that story's 【新舆情】 message: p50, p95 and the longest, and how many
arrived. Before wake-ups the message waited for the next engine tick (p95 near the tick).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

TOKEN = "bench-ingest"
CITIES = ["汕头", "佛山", "韶关", "清远", "深圳", "东莞", "珠海", "江门", "湛江", "茂名", "肇庆", "惠州", "梅州", "汕尾",
          "河源", "阳江", "中山", "潮州", "揭阳", "云浮", "南宁", "柳州", "桂林", "梧州", "北海", "钦州", "贵港", "玉林",
          "百色", "贺州", "河池", "来宾", "崇左", "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界",
          "益阳", "郴州", "永州", "怀化", "娄底", "南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安"]
EVENTS = [("一化工厂发生爆炸", "爆炸"), ("一居民楼发生火灾", "火灾"), ("一在建工地发生坍塌", "坍塌"),
          ("高速公路发生多车相撞事故", "相撞")]


class Receiver:
    """The webhook: when each message arrived (monotonic seconds), by its title."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, str, str]] = []  # (when, kind, title)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                now = time.monotonic()
                document = json.loads(body)
                with receiver.lock:
                    receiver.arrived.append((now, str(document.get("kind")), str(document.get("title"))))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def first(self, marker: str) -> float | None:
        with self.lock:
            return next((when for when, kind, title in self.arrived if kind == "new_incident" and marker in title),
                        None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(directory: Path, database: str, port: int, hook: str, tick: str) -> Path:
    path = directory / "sentinel.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": database},
        "http": {"listen": f"127.0.0.1:{port}",
                 "tokens": [{"name": "crawler", "role": "ingest", "token_env": "T_INGEST", "sources": ["crawler"]}]},
        "collect": {"parse_workers": 0},
        "sources": [{"id": "crawler", "kind": "push", "authority": "provincial"}],
        "watch": [{"id": "safety", "department": "应急管理局",
                   "groups": {"region": CITIES, "event": [event for _, event in EVENTS] + ["死亡"]}}],
        "channels": [{"id": "hook", "kind": "webhook", "url": hook}],
        "roster": {"duty": [{"name": "张伟", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                             "start": "00:00", "end": "24:00"}]},
        "engine": {"tick": tick},
    }, allow_unicode=True), encoding="utf-8")
    return path


def story(n: int) -> dict[str, Any]:
    city = CITIES[n % len(CITIES)]
    what, _ = EVENTS[n % len(EVENTS)]
    deaths = 3 + n % 7
    title = f"{city}市{what} 已致{deaths}人死亡"
    return {"id": f"latency-{n}", "title": title, "published_at": datetime.now(UTC).isoformat(),
            "text": f"记者从{city}市应急管理局获悉，{city}市{what}，截至目前已造成{deaths}人死亡，多人受伤，"
                    "伤者已送医救治，事故原因正在调查中。"}


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the daemon exited before it served /healthz")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the daemon did not serve /healthz in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.8, help="seconds between pushes (±50 %%)")
    parser.add_argument("--tick", default="5s", help="the engine's scheduled tick (engine.tick)")
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="sentinel-latency-") as tmp:
        directory = Path(tmp)
        port = free_port()
        database = args.database or f"sqlite:///{directory / 'sentinel.db'}"
        config = write_config(directory, database, port, receiver.url(), args.tick)
        log = (directory / "daemon.log").open("wb")
        env = {**os.environ, "T_INGEST": TOKEN, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen([sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_healthy(port, process)
            pushed: list[tuple[float, str]] = []
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                              headers={"Authorization": f"Bearer {TOKEN}"}) as client:
                for n in range(args.stories):
                    item = story(n)
                    started = time.monotonic()
                    answer = client.post("/api/items", json={"source": "crawler", "items": [item]})
                    answer.raise_for_status()
                    pushed.append((started, item["title"]))
                    time.sleep(args.gap * rng.uniform(0.5, 1.5))
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and any(receiver.first(title) is None for _, title in pushed):
                time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(timeout=60)
            log.close()
    waits = [arrived - started for started, title in pushed if (arrived := receiver.first(title)) is not None]
    print(f"sentinel run, engine tick {args.tick}, webhook on 127.0.0.1, {len(pushed)} stories pushed "
          f"{args.gap:g} s ± 50 % apart")
    print(f"  new-incident messages received: {len(waits)} of {len(pushed)}")
    if waits:
        ordered = sorted(waits)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
        print(f"  item pushed → message at the webhook: p50 {statistics.median(ordered) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms (target p95 ≤ 1000 ms)")


if __name__ == "__main__":
    main()
