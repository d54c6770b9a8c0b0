"""The daemon's memory and liveness under hostile HTTP clients, as issue "hostile input" measured them.

    python bench/http_attacks.py [--big-mb 250] [--bodies 4] [--idle 300] [--half 400]

Starts ``sentinel run`` (SQLite in a temporary folder, one ingest token, no sources) on 127.0.0.1
and, one after the other:

- sends ``--bodies`` bodies of ``--big-mb`` MB each to ``POST /api/items`` without a token, at once,
  both with a Content-Length and chunked (no length), and reads what the daemon answered;
- opens ``--idle`` sockets that send nothing, and ``--half`` that send half a request's headers;
- meanwhile asks ``/healthz`` every 0.2 s and records the slowest answer.

The daemon runs under an open-file limit of ``--daemon-files`` (256 by default, as measured in the
issue); this script raises its own limit so that it can open the sockets.

Prints, for each phase, the daemon's peak resident memory (``VmHWM`` of the process and its
children, from /proc), the slowest ``/healthz``, and the answers the attackers got. The limits are
the ``http:`` keys (``max_push_body``, ``header_timeout``, ``max_connections``).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

TOKEN = "bench-ingest-token-0123456789abcdef"
CHUNK = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mb", type=int, default=250)
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--half", type=int, default=400)
    parser.add_argument("--log", type=Path, help="keep the daemon's log here")
    parser.add_argument("--daemon-files", type=int, default=256, help="the daemon's open-file limit (RLIMIT_NOFILE)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * (args.idle + args.half))), hard))

    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        config = Path(folder) / "sentinel.yaml"
        config.write_text(yaml.safe_dump({
            "database": {"url": f"sqlite:///{Path(folder) / 'sentinel.db'}"},
            "http": {"listen": f"127.0.0.1:{port}",
                     "tokens": [{"name": "crawler", "role": "ingest", "token_env": "BENCH_INGEST",
                                 "sources": ["crawler"]}]},
            "sources": [{"id": "crawler", "kind": "push", "authority": "local"}],
        }, allow_unicode=True), encoding="utf-8")
        log = (Path(folder) / "daemon.log").open("wb")
        daemon = subprocess.Popen([sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                                  stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "BENCH_INGEST": TOKEN, "PYTHONUNBUFFERED": "1"},
                                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                                        (args.daemon_files, args.daemon_files)))
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base)
            print(f"daemon pid {daemon.pid}, open-file limit {args.daemon_files}; at rest: {_rss_mb(daemon.pid):.0f} MB resident")
            watch = _HealthWatch(base)
            watch.start()
            answers = _big_bodies(base, args.bodies, args.big_mb)
            print(f"{args.bodies} × {args.big_mb} MB bodies without a token: answers {answers}; "
                  f"peak {_peak_mb(daemon.pid):.0f} MB; slowest /healthz {watch.take():.2f} s")
            held = _idle_and_half(port, args.idle, args.half)
            print(f"{args.idle} idle and {args.half} half-sent connections: {held}; "
                  f"peak {_peak_mb(daemon.pid):.0f} MB; slowest /healthz {watch.take():.2f} s")
            watch.stop()
            print(f"still serving: /healthz {httpx.get(base + '/healthz', timeout=5).status_code}; "
                  f"the daemon's log: {(Path(folder) / 'daemon.log').stat().st_size / 1024:.0f} KB")
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
            log.close()
            if args.log:
                args.log.write_bytes((Path(folder) / "daemon.log").read_bytes())


def _big_bodies(base: str, count: int, megabytes: int) -> list[str]:
    answers: list[str] = []

    def send(chunked: bool) -> None:
        def body():  # a generator has no length: httpx sends it chunked
            for _ in range(megabytes):
                yield b"x" * CHUNK
        try:
            if chunked:
                response = httpx.post(base + "/api/items", content=body(), timeout=60)
            else:
                response = httpx.post(base + "/api/items", content=body(), timeout=60,
                                      headers={"Content-Length": str(megabytes * CHUNK)})
            answers.append(f"{'chunked' if chunked else 'sized'} {response.status_code}")
        except httpx.HTTPError as exc:  # the server may close the connection mid-body
            answers.append(f"{'chunked' if chunked else 'sized'} {type(exc).__name__}")

    threads = [threading.Thread(target=send, args=(n % 2 == 1,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


def _idle_and_half(port: int, idle: int, half: int) -> str:
    sockets: list[socket.socket] = []
    refused = 0
    for n in range(idle + half):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            refused += 1
            continue
        if n >= idle:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(s)
    time.sleep(15)  # longer than the header timeout
    dropped = 0  # closed by the daemon, or answered (a 408 or 503) and closed
    for s in sockets:
        s.settimeout(0.2)
        try:
            s.recv(1)
            dropped += 1
        except ConnectionError:
            dropped += 1
        except (TimeoutError, OSError):
            pass
        s.close()
    return f"{len(sockets)} opened, {refused} refused at connect, {dropped} dropped by the daemon within 15 s"


class _HealthWatch(threading.Thread):
    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.slowest, self.running = base, 0.0, True

    def run(self) -> None:
        while self.running:
            began = time.perf_counter()
            try:
                httpx.get(self.base + "/healthz", timeout=10)
            except httpx.HTTPError:
                pass
            self.slowest = max(self.slowest, time.perf_counter() - began)
            time.sleep(0.2)

    def take(self) -> float:
        slowest, self.slowest = self.slowest, 0.0
        return slowest

    def stop(self) -> None:
        self.running = False


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the daemon did not answer /healthz within 60 s")


def _status(pid: int, field: str) -> float:
    """A /proc/PID/status field in MB (VmRSS, VmHWM), 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    return _status(pid, "VmRSS") + sum(_status(child, "VmRSS") for child in _children(pid))


def _peak_mb(pid: int) -> float:
    return _status(pid, "VmHWM") + sum(_status(child, "VmHWM") for child in _children(pid))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
