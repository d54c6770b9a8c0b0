"""The real daemon killed again and again while it announces incidents: what is lost, what is repeated.

    python bench/fault_trials.py [--kills 60] [--stories 2] [--receiver-delay 0.3] [--outage 20]

Starts ``sentinel run`` (SQLite in a temporary folder, one push source, one watch rule, a duty
officer on a signed webhook) on 127.0.0.1, with a webhook receiver in this process that answers
after ``--receiver-delay`` seconds, so that sends are in flight when the daemon dies. Then, ``--kills``
times: start the daemon, push ``--stories`` new stories (each a different city's accident with
deaths, so each opens its own incident and is announced at once), wait a random 0.3–2.5 s and
SIGKILL it. After the last kill the receiver is down (503) for ``--outage`` seconds while a last
daemon runs, then it comes back; the daemon is given a minute to deliver everything and is stopped
with SIGTERM.

Prints: incidents opened, new-incident alerts expected and received, lost (an incident whose
announcement never arrived), repeated (deliveries of one idempotency key beyond the first) and how
many of those said 重发, alerts marked 迟发, outbox rows still pending, the daemon's worker processes
left alive after the kills, and the log's size. Nothing is lost is the guarantee; a repeat is
possible only for a send in flight at the moment of a kill, and then it says 重发.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import yaml

TOKEN = "bench-ingest-token-0123456789abcdef"
CITIES = [
    "汕头",
    "郑州",
    "洛阳",
    "南宁",
    "昆明",
    "兰州",
    "银川",
    "西宁",
    "拉萨",
    "海口",
    "贵阳",
    "长沙",
    "南昌",
    "合肥",
    "福州",
    "济南",
    "太原",
    "石家庄",
    "呼和浩特",
    "沈阳",
    "长春",
    "哈尔滨",
    "成都",
    "西安",
]
EVENTS = [("一化工厂发生爆炸", "爆炸"), ("一居民楼发生火灾", "火灾"), ("一在建工地发生坍塌", "坍塌")]


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every delivery; can be slow, or down."""

    def __init__(self, delay: float) -> None:
        self.delay, self.down = delay, False
        self.deliveries: list[dict[str, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(receiver.delay)
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                data = json.loads(body)
                with receiver.lock:
                    receiver.deliveries.append(
                        {
                            "key": data.get("idempotency_key") or "",
                            "kind": data.get("kind") or "",
                            "title": data.get("title") or "",
                            "text": data.get("text") or "",
                        }
                    )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--stories", type=int, default=2, help="new stories pushed after each start")
    parser.add_argument("--receiver-delay", type=float, default=0.3)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the receiver is down at the end")
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    receiver = Receiver(args.receiver_delay)
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        database = Path(folder) / "sentinel.db"
        config = Path(folder) / "sentinel.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "database": {"url": f"sqlite:///{database}"},
                    "http": {
                        "listen": f"127.0.0.1:{port}",
                        "tokens": [
                            {
                                "name": "crawler",
                                "role": "ingest",
                                "token_env": "BENCH_INGEST",
                                "sources": ["crawler"],
                            }
                        ],
                    },
                    "sources": [{"id": "crawler", "kind": "push", "authority": "provincial"}],
                    "watch": [
                        {
                            "id": "safety",
                            "department": "应急管理局",
                            "groups": {"region": CITIES, "event": [event for _, event in EVENTS] + ["死亡"]},
                        }
                    ],
                    "channels": [
                        {"id": "hook", "kind": "webhook", "url": receiver.url, "secret_env": "BENCH_HOOK"}
                    ],
                    "roster": {
                        "duty": [
                            {
                                "name": "张伟",
                                "phone": "13800000001",
                                "channels": ["hook"],
                                "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                "start": "00:00",
                                "end": "24:00",
                            }
                        ]
                    },
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        log_path = Path(folder) / "daemon.log"
        log = log_path.open("wb")
        env = {
            **os.environ,
            "BENCH_INGEST": TOKEN,
            "BENCH_HOOK": "bench-hook-secret",
            "PYTHONUNBUFFERED": "1",
        }
        base = f"http://127.0.0.1:{port}"

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

        pushed = 0
        orphans_seen = 0
        started = time.monotonic()
        for kill in range(args.kills):
            daemon = start()
            _wait_healthy(base, daemon)
            for _ in range(args.stories):
                _push(base, pushed)
                pushed += 1
            time.sleep(rng.uniform(0.3, 2.5))
            children = _children(daemon.pid)
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            time.sleep(0.5)
            orphans_seen += sum(1 for pid in children if _alive(pid))
            print(
                f"\rkill {kill + 1}/{args.kills}: {pushed} stories pushed, {len(receiver.deliveries)} deliveries",
                end="",
                flush=True,
            )
        print()
        receiver.down = True
        daemon = start()
        _wait_healthy(base, daemon)
        time.sleep(args.outage)
        receiver.down = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _pending(database):
            time.sleep(1)
        time.sleep(2)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        log.close()
        elapsed = time.monotonic() - started
        incidents = _incidents(database)
        announced = [d for d in receiver.deliveries if d["kind"] == "new_incident"]
        by_key = Counter(d["key"] for d in receiver.deliveries)
        repeats = [d for d in receiver.deliveries if by_key[d["key"]] > 1]
        first_seen: set[str] = set()
        repeated, marked = 0, 0
        for delivery in receiver.deliveries:
            if delivery["key"] in first_seen:
                repeated += 1
                marked += "重发" in delivery["title"] + delivery["text"]
            first_seen.add(delivery["key"])
        expected = {row[0] for row in _new_incident_keys(database)}
        lost = sorted(expected - set(by_key))
        late = sum("迟发" in d["title"] + d["text"] for d in receiver.deliveries)
        print(
            f"{args.kills} SIGKILLs in {elapsed:.0f} s, {pushed} stories pushed, {incidents} incidents opened"
        )
        print(f"new-incident alerts: {len(expected)} queued, {len({d['key'] for d in announced})} received")
        print(
            f"all alerts: {len(by_key)} distinct received, lost {len(lost)}, repeated {repeated} "
            f"({len({d['key'] for d in repeats})} alerts), of the repeats marked 重发: {marked}"
        )
        print(
            f"after a {args.outage:.0f} s receiver outage: marked 迟发 {late}; outbox rows still pending: "
            f"{_pending(database)}"
        )
        print(
            f"worker processes alive after a kill: {orphans_seen}; daemon log {log_path.stat().st_size / 1024:.0f} KB"
        )
        if lost:
            print("lost:", ", ".join(lost[:10]))


def _push(base: str, n: int) -> None:
    city = CITIES[n % len(CITIES)]
    where, _ = EVENTS[(n // len(CITIES)) % len(EVENTS)]
    deaths = 3 + n % 9
    title = f"{city}{where} 已致{deaths}人死亡（{n}）"
    item = {
        "id": f"story-{n}",
        "title": title,
        "text": f"{title}。据{city}市应急管理局通报，事故造成{deaths}人死亡，原因正在调查。",
        "published_at": datetime.now(UTC).isoformat(),
    }
    for _ in range(3):
        try:
            response = httpx.post(
                f"{base}/api/items",
                json={"source": "crawler", "items": [item]},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            response.raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"the daemon refused story {n}")


def _new_incident_keys(database: Path) -> list[tuple[str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT key FROM outbox WHERE kind = 'new_incident'").fetchall()


def _incidents(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM incident").fetchone()[0])


def _pending(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_healthy(base: str, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise SystemExit(f"the daemon exited with {daemon.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the daemon did not answer /healthz within a minute")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
