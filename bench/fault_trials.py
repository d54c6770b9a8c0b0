"""The real daemon killed again and again while it announces incidents: what is lost, what is repeated.

    python bench/fault_trials.py [--kills 60] [--stories 2] [--receiver-delay 0.3] [--outage 20]
                                 [--postgres [--db-outage 120]] [--disk-full 120 [--disk-mb 32]] [--log PATH]

Starts ``sentinel run`` (SQLite in a temporary folder, one push source, one watch rule, a duty
officer on a signed webhook) on 127.0.0.1, with a webhook receiver in this process that answers
after ``--receiver-delay`` seconds, so that sends are in flight when the daemon dies. Then, ``--kills``
times: start the daemon, push ``--stories`` new stories (each a different city's accident with
deaths, so each opens its own incident and is announced at once), wait a random 0.3–2.5 s and
SIGKILL it. After the last kill the receiver is down (503) for ``--outage`` seconds while a last
daemon runs, then it comes back; the daemon is given a minute to deliver everything and is stopped
with SIGTERM.

Then, with ``--postgres --db-outage SECONDS`` (the daemon on a PostgreSQL server the bench starts
as the tests do, tests/support/postgres.py) the server is stopped (``pg_ctl stop -m immediate``) just
after two more stories are pushed, for SECONDS, and started again; with ``--disk-full SECONDS``
(SQLite on a tmpfs of ``--disk-mb`` MB, so root only) the filesystem is filled just after two more
stories, for SECONDS, and freed. Meanwhile /healthz is asked every second and a story is pushed
every 10 s (a refused one is pushed again once the fault ends, as a client told 503 does). Printed
for the fault: /healthz's answers and reasons, the log's growth (KB and lines a minute, tracebacks,
the WARNING and ERROR lines by kind), how long until /healthz said 200 again and until everything
was delivered.

Prints: incidents opened, new-incident alerts expected and received, lost (an incident whose
announcement never arrived), repeated (deliveries of one idempotency key beyond the first) and how
many of those said 重发, alerts marked 迟发, outbox rows still pending, the daemon's worker processes
left alive after the kills, and the log's size. Nothing is lost is the guarantee; a repeat is
possible only for a send in flight at the moment of a kill, and then it says 重发.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy
import sqlalchemy.exc
import yaml
from sqlalchemy.pool import NullPool

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


class Store:
    """The daemon's database as the bench sees it: where it is, and the few counts it reads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sqlalchemy.create_engine(url, poolclass=NullPool)  # nothing held open between looks

    def _scalar(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sqlalchemy.text(sql)).scalar() or 0)

    def new_incident_keys(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(connection.execute(sqlalchemy.text("SELECT key FROM outbox WHERE kind = 'new_incident'"))
                       .scalars())

    def incidents(self) -> int:
        return self._scalar("SELECT count(*) FROM incident")

    def pending(self) -> int:
        return self._scalar("SELECT count(*) FROM outbox WHERE state = 'pending'")

    def unannounced(self) -> int:
        """Incidents no outbox row speaks of yet (announced, or folded into a 研判 question)."""
        return self._scalar("SELECT count(*) FROM incident WHERE id NOT IN "
                            "(SELECT incident_id FROM outbox WHERE incident_id IS NOT NULL)")

    def items(self) -> int:
        return self._scalar("SELECT count(*) FROM item")


@dataclass
class Fault:
    """One fault of the store while the daemon runs: how to cause it, how to end it, its name."""

    name: str
    seconds: float
    cause: Callable[[], None]
    end: Callable[[], None]


@dataclass
class Trial:
    base: str
    log_path: Path
    store: Store
    receiver: Receiver
    pushed: int = 0
    accepted: list[int] = field(default_factory=list)  # stories the daemon took (a 2xx answer)

    def push(self, n: int | None = None, *, tries: int = 3) -> bool:
        """Push story ``n`` (the next new one when None); whether the daemon took it."""
        if n is None:
            n = self.pushed
            self.pushed += 1
        if _push(self.base, n, tries=tries):
            self.accepted.append(n)
            return True
        return False

    def settle(self, limit: float = 180) -> float:
        """Wait until every queued new-incident alert has arrived and nothing is pending; the seconds it took."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            try:
                received = {d["key"] for d in self.receiver.deliveries}
                if (not self.store.pending() and not self.store.unannounced()
                        and self.store.new_incident_keys() <= received):
                    break
            except sqlalchemy.exc.SQLAlchemyError:
                pass
            time.sleep(1)
        return time.monotonic() - began

    def fault(self, fault: Fault) -> None:
        """Push stories, cause ``fault`` at once (their announcements are being decided and sent), keep
        pushing and asking /healthz for ``fault.seconds``, end it, and print what was seen."""
        for _ in range(2):
            self.push()
        time.sleep(0.3)
        size_before = self.log_path.stat().st_size
        fault.cause()
        began = time.monotonic()
        answers: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        refused: list[int] = []
        tried = 0
        slowest = 0.0
        next_push = began + 5
        while time.monotonic() - began < fault.seconds:
            asked = time.monotonic()
            try:
                answer = httpx.get(self.base + "/healthz", timeout=10)
                answers[str(answer.status_code)] += 1
                body = answer.json()
                for reason in body.get("reasons") or ([body["database"]] if "database" in body else []):
                    reasons[_shape(reason)] += 1
            except httpx.HTTPError as exc:
                answers[type(exc).__name__] += 1
            slowest = max(slowest, time.monotonic() - asked)
            if time.monotonic() >= next_push:
                next_push += 10
                tried += 1
                story = self.pushed
                if not self.push(tries=1):
                    refused.append(story)
            time.sleep(max(0.0, 1 - (time.monotonic() - asked)))
        lasted = time.monotonic() - began
        during = self.log_path.read_bytes()[size_before:]
        fault.end()
        ended = time.monotonic()
        healthy_after = None
        while time.monotonic() - ended < 180:
            try:
                if httpx.get(self.base + "/healthz", timeout=10).status_code == 200:
                    healthy_after = time.monotonic() - ended
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        for story in refused:  # the client is told when a push is refused: it sends it again
            self.push(story)
        settled = self.settle()
        lines = during.decode("utf-8", "replace").splitlines()
        per_minute = 60 / max(lasted, 1)
        print(f"{fault.name} for {lasted:.0f} s: /healthz answered {dict(answers)} (slowest {slowest:.2f} s)")
        for reason, count in reasons.most_common(4):
            print(f"  reason x{count}: {reason}")
        print(f"  log during it: {len(during) / 1024:.1f} KB, {len(lines)} lines "
              f"({len(during) / 1024 * per_minute:.1f} KB and {len(lines) * per_minute:.0f} lines a minute), "
              f"{sum('Traceback' in line for line in lines)} tracebacks")
        print(f"  of which INFO {sum(' INFO ' in line for line in lines)}, WARNING "
              f"{sum(' WARNING ' in line for line in lines)}, ERROR {sum(' ERROR ' in line for line in lines)}")
        for shape, count in Counter(_shape(line) for line in lines
                                    if " ERROR " in line or " WARNING " in line).most_common(8):
            print(f"    x{count}: {shape}")
        print(f"  pushes refused while it lasted: {len(refused)} of {tried} (sent again afterwards); /healthz 200 again {_seconds(healthy_after)} after it ended; "
              f"everything delivered {settled:.0f} s after that")


def _shape(line: str) -> str:
    """A log line without its time, numbers and addresses: lines that differ only there count as one."""
    line = re.sub(r"^\S+ \S+ ", "", line.strip())
    return re.sub(r"\d+", "N", line)[:160]


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--stories", type=int, default=2, help="new stories pushed after each start")
    parser.add_argument("--receiver-delay", type=float, default=0.3)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the receiver is down at the end")
    parser.add_argument("--postgres", action="store_true",
                        help="run the daemon on a throwaway PostgreSQL server (tests/support/postgres.py)")
    parser.add_argument("--db-outage", type=float, default=0.0, metavar="SECONDS",
                        help="with --postgres: stop the server for SECONDS while the daemon runs, then start it")
    parser.add_argument("--disk-full", type=float, default=0.0, metavar="SECONDS",
                        help="SQLite on a small tmpfs (root only) filled for SECONDS while the daemon runs, then freed")
    parser.add_argument("--disk-mb", type=int, default=64, help="the tmpfs's size for --disk-full")
    parser.add_argument("--log", type=Path, default=None, help="keep the daemon's log in this file")
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    if args.db_outage and not args.postgres:
        parser.error("--db-outage needs --postgres")
    if args.disk_full and args.postgres:
        parser.error("--disk-full is a trial of the SQLite store")
    rng = random.Random(args.seed)
    receiver = Receiver(args.receiver_delay)
    with contextlib.ExitStack() as cleanup:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        faults: list[Fault] = []
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
            from tests.support.postgres import PostgresServer

            server = PostgresServer().start()
            cleanup.callback(server.stop)
            url = server.create_database("bench_faults")
            if args.db_outage:
                faults.append(Fault("PostgreSQL stopped", args.db_outage, server.halt, server.resume))
        elif args.disk_full:
            disk = folder / "disk"
            disk.mkdir()
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.disk_mb}m", "tmpfs", str(disk)], check=True)
            cleanup.callback(subprocess.run, ["umount", "-l", str(disk)], check=False)
            url = f"sqlite:///{disk / 'sentinel.db'}"
            filler = disk / "filler"
            faults.append(Fault("disk full", args.disk_full, functools.partial(_fill, filler), filler.unlink))
        else:
            url = f"sqlite:///{folder / 'sentinel.db'}"
        store = Store(url)
        port = _free_port()
        config = folder / "sentinel.yaml"
        config.write_text(yaml.safe_dump(_config(url, port, receiver.url), allow_unicode=True), encoding="utf-8")
        log_path = args.log or folder / "daemon.log"
        log = log_path.open("wb")
        env = {**os.environ, "BENCH_INGEST": TOKEN, "BENCH_HOOK": "bench-hook-secret", "PYTHONUNBUFFERED": "1"}
        trial = Trial(f"http://127.0.0.1:{port}", log_path, store, receiver)

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

        orphans_seen = 0
        started = time.monotonic()
        for kill in range(args.kills):
            daemon = start()
            _wait_healthy(trial.base, daemon)
            for _ in range(args.stories):
                trial.push()
            time.sleep(rng.uniform(0.3, 2.5))
            children = _children(daemon.pid)
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            time.sleep(0.5)
            orphans_seen += sum(1 for pid in children if _alive(pid))
            print(
                f"\rkill {kill + 1}/{args.kills}: {trial.pushed} stories pushed, "
                f"{len(receiver.deliveries)} deliveries",
                end="",
                flush=True,
            )
        print()
        receiver.down = True
        daemon = start()
        _wait_healthy(trial.base, daemon)
        time.sleep(args.outage)
        receiver.down = False
        trial.settle(120)
        for fault in faults:
            trial.fault(fault)
        time.sleep(2)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        log.close()
        elapsed = time.monotonic() - started
        incidents = store.incidents()
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
        expected = store.new_incident_keys()
        lost = sorted(expected - set(by_key))
        late = sum("迟发" in d["title"] + d["text"] for d in receiver.deliveries)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{backend}: {args.kills} SIGKILLs, {elapsed:.0f} s in all, {trial.pushed} stories pushed "
            f"({len(trial.accepted)} accepted, {store.items()} items stored), {incidents} incidents opened"
        )
        print(f"incidents no alert speaks of: {store.unannounced()}")
        print(f"new-incident alerts: {len(expected)} queued, {len({d['key'] for d in announced})} received")
        print(
            f"all alerts: {len(by_key)} distinct received, lost {len(lost)}, repeated {repeated} "
            f"({len({d['key'] for d in repeats})} alerts), of the repeats marked 重发: {marked}"
        )
        print(
            f"after a {args.outage:.0f} s receiver outage: marked 迟发 {late}; outbox rows still pending: "
            f"{store.pending()}"
        )
        print(
            f"worker processes alive after a kill: {orphans_seen}; daemon log {log_path.stat().st_size / 1024:.0f} KB"
        )
        if lost:
            print("lost:", ", ".join(lost[:10]))


def _fill(path: Path) -> None:
    """Write ``path`` until the filesystem has no room left."""
    chunk = b"\0" * 65536
    with path.open("wb") as handle:
        try:
            while True:
                handle.write(chunk)
                handle.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    with contextlib.suppress(OSError), path.open("ab") as handle:  # the last few bytes too
        while True:
            handle.write(b"\0")
            handle.flush()


def _config(url: str, port: int, hook: str) -> dict[str, Any]:
    return {
        "database": {"url": url},
        "http": {
            "listen": f"127.0.0.1:{port}",
            "tokens": [{"name": "crawler", "role": "ingest", "token_env": "BENCH_INGEST", "sources": ["crawler"]}],
        },
        "sources": [{"id": "crawler", "kind": "push", "authority": "provincial"}],
        "watch": [
            {
                "id": "safety",
                "department": "应急管理局",
                "groups": {"region": CITIES, "event": [event for _, event in EVENTS] + ["死亡"]},
            }
        ],
        "channels": [{"id": "hook", "kind": "webhook", "url": hook, "secret_env": "BENCH_HOOK"}],
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
    }


def _push(base: str, n: int, *, tries: int = 3) -> bool:
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
    for attempt in range(tries):
        try:
            response = httpx.post(
                f"{base}/api/items",
                json={"source": "crawler", "items": [item]},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            response.raise_for_status()
            return True
        except httpx.HTTPError:
            if attempt + 1 < tries:
                time.sleep(0.5)
    if tries > 1:
        raise SystemExit(f"the daemon refused story {n}")
    return False


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
