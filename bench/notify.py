"""Outbox benchmark: N pending messages for one webhook channel, drained into SQLite.

    python bench/notify.py [--messages 5000] [--batch 100] [--database sqlite:///PATH]

The webhook receiver runs in its own process (so it does not share the dispatcher's interpreter
lock) on 127.0.0.1 and answers 204 like a healthy receiver. The figure is messages per second from
the first claim to the last recorded outcome, through the real ``Dispatcher``: claim with a lease,
``WebhookSender`` over the daemon's shared client (``send_client``: httpx over aiohttp), and one transaction per message for its outcome
and its timeline entry. Drains run back to back (the daemon runs one a second; a backlog after an
outage is what this measures). The webhook kind has no default rate limit.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def serve(port_out: Any, received: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with received.get_lock():
                received.value += 1
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    server.serve_forever()


def fill(database_url: str, count: int) -> None:
    """An incident and ``count`` pending messages, as the engine would have queued them."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from sentinel.clock import SystemClock
    from sentinel.notify.message import Message, render_markdown
    from sentinel.notify.serialisation import message_to_json
    from sentinel.store.db import open_database
    from sentinel.store.models import Incident, OutboxMessage

    database = open_database(database_url)
    now = SystemClock().now()
    with Session(database.engine) as session:
        incident = Incident(title="郑州市中原区某化工厂发生爆炸", emerged_at=now, detected_at=now, last_item_at=now,
                            updated_at=now, grade="II")
        session.add(incident)
        session.commit()
        incident_id = incident.id
    rows = []
    for n in range(count):
        key = f"obligation:{n}:reminder:30m"
        message = Message(
            kind="reminder", title=f"郑州市中原区某化工厂发生爆炸（提醒 {n}）",
            text_markdown=render_markdown("距发布权威信息时限还有 **{left}**\n> {excerpt}", left="30分钟",
                                          excerpt="现场浓烟滚滚，已有3人死亡。"),
            text_plain="距发布权威信息时限还有 30分钟\n现场浓烟滚滚，已有3人死亡。", incident_id=str(incident_id),
            grade="II", department="应急管理局", link=f"https://sentinel.example.gov.cn/incidents/{incident_id}",
            mentions=("13800000000",), idempotency_key=key,
        )
        rows.append({
            "key": f"{key}:hook", "action_key": key, "incident_id": incident_id, "kind": "reminder", "channel": "hook",
            "recipients": [{"name": "张三", "phone": "13800000000", "role": "duty"}], "grade": "II",
            "message": message_to_json(message), "created_at": now, "not_before": now, "state": "pending",
            "attempts": 0,
        })
    with database.engine.begin() as connection:
        connection.execute(insert(OutboxMessage.__table__), rows)  # type: ignore[attr-defined]
    database.close()


async def drain(database_url: str, port: int, batch: int) -> tuple[int, int, float]:
    from sentinel.clock import SystemClock
    from sentinel.metrics import Metrics
    from sentinel.notify.base import send_client
    from sentinel.notify.config import DeliveryConfig
    from sentinel.notify.outbox import Dispatcher
    from sentinel.notify.webhook import WebhookSender
    from sentinel.store.db import open_database

    database = open_database(database_url)
    clock = SystemClock()
    delivered = failed = 0
    async with send_client() as client:
        senders = {"hook": WebhookSender("hook", f"http://127.0.0.1:{port}/hook", client, secret="whsec-bench")}
        dispatcher = Dispatcher(database, senders, DeliveryConfig(batch=batch), metrics=Metrics(), owner="bench",
                                channel_kinds={"hook": "webhook"})
        started = time.perf_counter()
        cpu_started = _cpu(resource.RUSAGE_SELF)
        while True:
            report = await dispatcher.drain(clock.now())
            delivered += report.delivered
            failed += report.failed + report.retried
            if report.claimed == 0:
                break
        elapsed = time.perf_counter() - started
        global DISPATCHER_CPU
        DISPATCHER_CPU = _cpu(resource.RUSAGE_SELF) - cpu_started
    database.close()
    return delivered, failed, elapsed


DISPATCHER_CPU = 0.0


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()
    database_url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='sentinel-bench-')) / 'notify.db'}"

    fill(database_url, args.messages)
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    received = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(ports, received), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    try:
        delivered, failed, elapsed = asyncio.run(drain(database_url, port, args.batch))
    finally:
        server.terminate()
        server.join()
    server_cpu = _cpu(resource.RUSAGE_CHILDREN)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages={args.messages} batch={args.batch} database={database_url.split(':')[0]}")
    print(f"delivered: {delivered} in {elapsed:.2f} s; retried or failed: {failed}; requests received: {received.value}")
    print(f"delivery rate: {delivered / elapsed:,.0f} messages/s (target >= 500)")
    print(f"CPU: dispatcher {DISPATCHER_CPU:.2f} s ({DISPATCHER_CPU / delivered * 1000:.2f} ms/message), "
          f"receiver {server_cpu:.2f} s, on {os.cpu_count()} cores")
    print(f"peak RSS: {peak_mb:.0f} MB")
    if delivered != args.messages or received.value != args.messages:
        print("warning: not every message was delivered exactly once", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
