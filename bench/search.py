"""Items search through the full-text index at 10k, 100k and 1M items, on SQLite and PostgreSQL.

    python bench/search.py [--sizes 10000,100000,1000000] [--postgres] [--database-url URL] [--repeat 7]
                           [--daemon [--backlog 15000] [--open-incidents 10000]] [--prune]

Run it from the repository root (``--postgres`` starts a server with tests/support/postgres.py).
The store is filled, through sentinel's migrations and index, with headlines and texts made from a
small set of real-looking Chinese news templates (places, subjects, numbers varied at random), to
each size in turn; at each size the script times ``search_items`` (first page of 100, newest first)
for words that are rare (planted in 20 items), absent, and common, of two and four characters,
with and without a source filter. Times are the median of ``--repeat`` runs after one warm-up.

With ``--daemon``, the largest store is given ``--open-incidents`` open incidents with their items
and obligations and ``--backlog`` items without analysis, and ``sentinel run`` is started on it:
the time to ``/healthz`` 200, until the backlog is analysed, and the peak PSS of its process tree.

Target: rare and absent words ≤ 50 ms at 1M items on both stores, flat from 100k to 1M; ``/healthz``
≤ 5 s after the start at 1M items with a 15k backlog and 10k open incidents.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx  # noqa: E402
import yaml  # noqa: E402
from memory import PeakPss, pss_mb, tree_pss_mb  # noqa: E402  (bench/memory.py, next to this script)
from sqlalchemy import insert, text  # noqa: E402

from sentinel.settings import Settings  # noqa: E402
from sentinel.store import retention  # noqa: E402
from sentinel.store import search as item_search  # noqa: E402
from sentinel.store.db import open_database  # noqa: E402
from sentinel.store.models import Item, ItemAnalysis  # noqa: E402

TARGET_MS = 50.0
START = datetime(2025, 1, 1, tzinfo=UTC)
PLACES = ["郑州市", "中原区", "金水区", "洛阳", "开封", "新乡县", "南阳市", "信阳", "周口", "许昌", "平顶山", "安阳",
          "驻马店", "商丘", "焦作", "濮阳", "漯河", "三门峡", "鹤壁", "济源", "登封", "巩义", "荥阳", "新郑"]
SUBJECTS = ["居民楼", "小区", "学校", "医院", "菜市场", "高速公路", "化工厂", "地铁站", "幼儿园", "养老院", "建筑工地",
            "商场", "景区", "农贸市场", "派出所", "街道办", "卫生院", "公交车", "水库", "煤矿"]
EVENTS = ["发生燃气爆炸", "突发火灾", "发生交通事故", "出现食物中毒", "发生坍塌", "遭遇暴雨内涝", "发生群体性纠纷",
          "被曝拖欠工资", "拆迁补偿引发不满", "出现停水停电", "发生踩踏", "被投诉乱收费", "环境污染遭举报"]
TAILS = ["已造成{n}人受伤", "{n}人被送医救治", "相关部门已介入调查", "现场已得到控制", "网友质疑处置不力",
         "官方通报称{n}人死亡", "事故原因正在调查中", "村民聚集讨要说法", "记者多方核实", "当地回应称将妥善处理"]
BODIES = ["据现场目击者称，{place}{subject}附近浓烟滚滚，消防救援人员迅速赶到。", "记者从{place}应急管理局获悉，",
          "网传视频显示，{subject}门口聚集了大量群众。", "截至发稿时，{n}名伤者已转入{place}人民医院。",
          "{place}市场监管部门表示已成立专班。", "多名居民反映，问题已持续{n}个月之久。"]
WATCH = [{"id": "safety", "department": "应急管理局", "groups": {"event": ["爆炸", "坍塌", "火灾", "死亡", "事故"]}},
         {"id": "livelihood", "department": "信访局", "groups": {"subject": ["医院", "学校", "工资", "拆迁"],
                                                              "tone": ["投诉", "不满", "讨要", "质疑"]}}]
RARE = {"rare 2-char": "钼矿", "rare 4-char": "钼矿透水"}  # planted in 20 items at each size
SEARCHES = {**{name: word for name, word in RARE.items()}, "absent 2-char": "瑶琴", "absent 4-char": "琥珀蜜蜂",
            "absent Latin": "zeppelin", "common 2-char": "爆炸", "common AND/NOT": "火灾 受伤 -死亡"}


CJK_RUN = re.compile(r"[\u4e00-\u9fff0-9，。、！？：；“”（）《》]{8,300}")


def corpus_sentences(path: Path) -> list[str]:
    """Runs of Chinese text of 8-300 characters from a file or every file of a folder (csv, jsonl, txt),
    without the words the searches look for, so that rare words stay rare and absent ones absent."""
    files = sorted(p for p in path.iterdir() if p.suffix in {".csv", ".jsonl", ".txt"}) if path.is_dir() else [path]
    sought = list(SEARCHES.values()) + ["钼矿"]
    found: set[str] = set()
    for file in files:
        text = file.read_text(encoding="utf-8", errors="replace")
        if file.suffix == ".jsonl":
            text = text.encode("ascii", "backslashreplace").decode("unicode_escape", errors="replace")
        found.update(run for run in CJK_RUN.findall(text) if not any(word in run for word in sought))
    return sorted(found)


def texts(count: int, rng: random.Random, corpus: list[str] | None) -> Iterator[tuple[str, str]]:
    for _ in range(count):
        place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
        n = rng.randint(1, 60)
        title = f"{place}{subject}{rng.choice(EVENTS)}，{rng.choice(TAILS).format(n=n)}"
        if corpus:  # a real sentence or two of the corpus around a templated one
            body = rng.choice(corpus) + rng.choice(BODIES).format(place=place, subject=subject, n=n)
            body += "".join(rng.choice(corpus) for _ in range(rng.randint(0, 2)))
            if rng.random() < 0.5:
                title = rng.choice(corpus)[:60]
        else:
            body = "".join(rng.choice(BODIES).format(place=place, subject=subject, n=n)
                           for _ in range(rng.randint(1, 4)))
        yield title, body


def text_pool(count: int, rng: random.Random, corpus: list[str] | None) -> list[tuple[str, str, dict[str, Any]]]:
    """``count`` distinct items' title and text with their analysis row as the daemon writes it (the
    real analyser, watch rules :data:`WATCH`), which the fill draws from: a store of 1M items is
    analysed, so the daemon started on it has no catch-up to do and its size counts the analysis."""
    from sentinel.analyse.pipeline import Analyzer
    from sentinel.incidents.flows import _analysis_row
    from sentinel.settings import Settings

    analyzer = Analyzer(Settings.model_validate({"watch": WATCH}))
    pool = []
    for title, body in texts(count, rng, corpus):
        row = _analysis_row(Item(id=0), analyzer.analyze(title, body), START)
        del row["item_id"]
        pool.append((title, body, row))
    return pool


def rows(start: int, count: int, rng: random.Random, planted: set[int],
         pool: list[tuple[str, str, dict[str, Any]]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for i in range(start, start + count):
        title, body, analysis = rng.choice(pool)
        if i in planted:
            body += "另据了解，附近钼矿透水一事仍在处置。"
        published = START + timedelta(seconds=i * 30 + rng.randint(0, 600))
        yield ({"source_id": f"src{i % 40}", "external_id": f"e{i}", "title": title, "text": body, "url": None,
                "canonical_url": None, "author": None, "author_verified_type": None, "published_at": published,
                "published_at_estimated": False, "fetched_at": published, "reposts": None, "comments": None,
                "likes": None, "content_hash": f"{i:032x}", "extra": {}},
               {**analysis, "analysed_at": published})


def fill(engine: Any, have: int, size: int, rng: random.Random, pool: list[tuple[str, str, dict[str, Any]]],
         batch: int = 5000) -> None:
    """Bulk inserts of ``batch`` items, their index rows and their analysis rows per transaction."""
    planted = set(rng.sample(range(have, size), 20))
    for start in range(have, size, batch):
        insert_chunk(engine, list(rows(start, min(batch, size - start), rng, planted, pool)))


def insert_chunk(engine: Any, chunk: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> list[int]:
    """One transaction: the items, their index rows and their analysis rows (none where it is None)."""
    items, analyses = Item.__table__, ItemAnalysis.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        ids = connection.execute(insert(items).returning(items.c.id), [item for item, _ in chunk]).scalars().all()
        item_search.index_items(connection, [(i, item["title"], item["text"])
                                             for i, (item, _) in zip(ids, chunk, strict=True)])
        analysed = [{**analysis, "item_id": i} for i, (_, analysis) in zip(ids, chunk, strict=True) if analysis]
        if analysed:
            connection.execute(insert(analyses), analysed)
    return list(ids)


def open_incidents(engine: Any, have: int, count: int, rng: random.Random,
                   pool: list[tuple[str, str, dict[str, Any]]], now: datetime) -> int:
    """``count`` open grade II incidents with their obligations, responses and engine actions as
    bench/engine.py draws them at ``now`` (opened 20 min to 24 h ago, announced, clocks running),
    each with 2-8 relevant items published between its emergence and its last item, analysed and
    placed in it; returns the items added (``have`` is the next item number)."""
    from engine import ROSTER, ZONE, incident_rows, insert_fill  # bench/engine.py, next to this script

    from sentinel.escalation.clocks import Rules
    from sentinel.escalation.policy import Policy
    from sentinel.escalation.roster import Roster

    drawn = incident_rows(Rules(Policy(), Roster(ROSTER, ZONE), ZONE), count, timedelta(0), announced=True,
                          seed=18, t0=now)
    relevant = [entry for entry in pool if entry[2]["relevant"]] or pool
    chunk: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for incident in drawn.incidents:
        members = rng.randint(2, 8)
        incident["item_count"], incident["source_count"] = members, min(members, incident["source_count"])
        span = (incident["last_item_at"] - incident["emerged_at"]).total_seconds()
        for n, (item, analysis) in enumerate(rows(have + len(chunk), members, rng, set(), relevant)):
            at = incident["last_item_at"] if n == members - 1 else \
                incident["emerged_at"] + timedelta(seconds=rng.uniform(0, span))
            item.update(published_at=at, fetched_at=at + timedelta(minutes=rng.uniform(0, 5)),
                        source_id=f"src{rng.randrange(incident['source_count'])}")
            chunk.append((item, {**analysis, "analysed_at": item["fetched_at"], "incident_id": incident["id"]}))
        if rng.random() < 0.5:  # titled by its last item
            incident["title"] = chunk[-1][0]["title"]
    insert_fill(engine, drawn)
    for start in range(0, len(chunk), 5000):
        insert_chunk(engine, chunk[start:start + 5000])
    return len(chunk)


def backlog(engine: Any, have: int, count: int, rng: random.Random,
            pool: list[tuple[str, str, dict[str, Any]]], now: datetime) -> range:
    """``count`` items fetched over the hour before ``now`` and never analysed (no ``item_analysis``
    row: a crash or a long outage of analysis): the catch-up's work at start. Returns their ids."""
    ids: list[int] = []
    for start in range(have, have + count, 5000):
        chunk = list(rows(start, min(5000, have + count - start), rng, set(), pool))
        for item, _ in chunk:
            at = now - timedelta(seconds=rng.uniform(0, 3600))
            item.update(published_at=at - timedelta(minutes=rng.uniform(0, 30)), fetched_at=at)
        ids += insert_chunk(engine, [(item, None) for item, _ in chunk])
    return range(min(ids), max(ids) + 1) if ids else range(0)


def timed(engine: Any, query: str, repeat: int, **filters: Any) -> tuple[float, int]:
    found = item_search.search_items(engine, query=query, limit=100, **filters)  # warm-up
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        item_search.search_items(engine, query=query, limit=100, **filters)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds) * 1000, len(found)


def storage(engine: Any) -> str:
    """The store's size: SQLite's file (with its WAL) and the pages in use; on PostgreSQL the item,
    index and analysis tables with their indexes and TOAST (``pg_total_relation_size``)."""
    with engine.connect() as connection:
        items = connection.exec_driver_sql("SELECT count(*) FROM item").scalar()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            page = connection.exec_driver_sql("PRAGMA page_size").scalar()
            used = page * (connection.exec_driver_sql("PRAGMA page_count").scalar()
                           - connection.exec_driver_sql("PRAGMA freelist_count").scalar())
            path = Path(engine.url.database)
            on_disk = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        else:
            on_disk = used = connection.exec_driver_sql(
                "SELECT sum(pg_total_relation_size(t))::bigint FROM unnest(ARRAY['item', 'item_search', 'item_analysis']) t"
            ).scalar()
    return (f"{items:,} items: {on_disk / 2**20:,.0f} MB on disk, {used / 2**20:,.0f} MB in use "
            f"({used / 2**20 / items * 1e6:,.0f} MB per million items)")


@dataclass
class DaemonState:
    """What the store holds besides the analysed items when the daemon starts on it."""

    backlog: int = 0  # items stored but not analysed
    incidents: int = 0  # open incidents, with their items and obligations


def run(backend: str, url: str, sizes: list[int], repeat: int, pool: list[tuple[str, str, dict[str, Any]]],
        *, daemon: bool, prune: bool, state: DaemonState) -> list[str]:
    database = open_database(url)
    engine = database.engine
    rng = random.Random(18)
    lines, have = [], 0
    try:
        for size in sizes:
            began = time.perf_counter()
            fill(engine, have, size, rng, pool)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE item; ANALYZE item_search; ANALYZE item_analysis")
            filled = time.perf_counter() - began
            have = size
            print(f"{backend}: {size:,} items (+{filled:.0f} s to fill); {storage(engine)}", flush=True)
            lines.append(f"{backend:<11} {size:>10,} storage: {storage(engine)}")
            lines += searches(engine, backend, size, repeat)
        if daemon:
            now = datetime.now(UTC)
            began = time.perf_counter()
            added = open_incidents(engine, have, state.incidents, rng, pool, now) if state.incidents else 0
            waiting = backlog(engine, have + added, state.backlog, rng, pool, now)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
            line = (f"{backend:<11} {have:>10,} state: {state.incidents:,} open incidents ({added:,} items), "
                    f"{len(waiting):,} items not analysed, +{time.perf_counter() - began:.0f} s")
            print(line, flush=True)
            lines.append(line)
            lines.append(f"{backend:<11} {have:>10,} daemon: {daemon_memory(url, engine, waiting)}")
            print(lines[-1], flush=True)
        if prune:
            lines += pruned(engine, backend, have, repeat)
    finally:
        database.close()
    return lines


def searches(engine: Any, backend: str, size: int, repeat: int) -> list[str]:
    lines = []
    for name, query in SEARCHES.items():
        for label, filters in (("", {}), (" +source", {"source_id": "src3"})):
            ms, hits = timed(engine, query, repeat, **filters)
            verdict = ""
            if not name.startswith("common"):
                verdict = "met" if ms <= TARGET_MS else "MISSED"
            line = f"{backend:<11} {size:>10,} {name + label:<24} {query:<14} {hits:>5} {ms:>9.1f}  {verdict}"
            print(line, flush=True)
            lines.append(line)
    return lines


def pruned(engine: Any, backend: str, size: int, repeat: int) -> list[str]:
    """Prune the older half (every bench item is in no incident), then VACUUM, with the sizes between."""
    cut = START + timedelta(seconds=size * 30 // 2)
    began = time.perf_counter()
    gone = retention.prune(engine, before=cut)
    took = time.perf_counter() - began
    left = size - gone
    lines = [f"{backend:<11} {size:>10,} prune: {gone:,} items in {took:.0f} s ({gone / took:,.0f} items/s); "
             f"{left:,} left; {storage(engine)}"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
    lines.append(f"{backend:<11} {left:>10,} after VACUUM: {storage(engine)}")
    for line in lines:
        print(line, flush=True)
    return lines + searches(engine, backend, left, repeat)


def daemon_memory(url: str, engine: Any, waiting: range, push: int = 2000, settle: float = 30.0) -> str:
    """``sentinel run`` on the filled store (one push source, the bench's watch rules, the HTTP API):
    the time to its first ``/healthz``, then ``push`` items pushed 100 at a time and ``settle``
    seconds more, and at least until the items ``waiting`` have their analysis (the catch-up); the
    peak and final PSS of its whole process tree (bench/memory.py)."""
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        config = Path(folder) / "sentinel.yaml"
        config.write_text(yaml.safe_dump({
            "database": {"url": url},
            "http": {"listen": f"127.0.0.1:{port}", "tokens": [
                {"name": "crawler", "role": "ingest", "token_env": "BENCH_INGEST", "sources": ["crawler"]},
                {"name": "reader", "role": "readonly", "token_env": "BENCH_READ"}]},
            "sources": [{"id": "crawler", "kind": "push", "authority": "local"}],
            "watch": WATCH,
            "delivery": {"digest_at": _digest_passed()},
        }, allow_unicode=True), encoding="utf-8")
        src = str(Path(__file__).resolve().parents[1] / "src")  # the daemon runs in the temporary folder
        env = {**os.environ, "PYTHONPATH": src, "BENCH_INGEST": "bench-ingest-token-0123456789abcdef",
               "BENCH_READ": "bench-read-token-0123456789abcdef", "PYTHONUNBUFFERED": "1"}
        with (Path(folder) / "daemon.log").open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "sentinel", "--config", str(config), "run"],
                                       stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
            base = f"http://127.0.0.1:{port}"
            try:
                with PeakPss(process.pid) as peak:
                    began = launched = time.perf_counter()
                    caught_up = CatchUp(engine, waiting, began)
                    _wait_healthy(base, process)
                    started = time.perf_counter() - began
                    rng = random.Random(7)
                    pushed = list(texts(push, rng, None))
                    now = datetime.now(UTC)
                    for start in range(0, push, 100):
                        batch = {"source": "crawler", "items": [
                            {"id": f"d{start + n}", "title": title, "text": body,
                             "published_at": (now - timedelta(minutes=n)).isoformat()}
                            for n, (title, body) in enumerate(pushed[start:start + 100])]}
                        httpx.post(base + "/api/items", json=batch, timeout=60,
                                   headers={"Authorization": f"Bearer {env['BENCH_INGEST']}"}).raise_for_status()
                    began = time.perf_counter()
                    httpx.get(base + "/api/items", params={"q": "钼矿", "limit": 100}, timeout=60,
                              headers={"Authorization": f"Bearer {env['BENCH_READ']}"}).raise_for_status()
                    api_ms = (time.perf_counter() - began) * 1000
                    time.sleep(settle)
                    caught_up.wait(process)
                    briefed = _briefing_archived(Path(folder), launched, process)
                    rest = tree_pss_mb(process.pid)
                    main = pss_mb(process.pid)
            finally:
                process.terminate()
                process.wait(timeout=60)
        return (f"/healthz {started:.1f} s after start; {len(waiting):,} items not analysed at start, all analysed "
                f"{caught_up.seconds:.1f} s after start; daily briefing PDF archived {briefed:.0f} s after "
                f"start; {push:,} items pushed; peak PSS {peak.said()} "
                f"(target <= 300), {rest:.0f} MB {settle:.0f} s after ({main:.0f} MB the daemon, the rest its parse "
                f"workers, fork server and resource tracker); GET /api/items?q=钼矿 {api_ms:.0f} ms")


def _briefing_archived(folder: Path, began: float, process: subprocess.Popen[bytes], limit: float = 600) -> float:
    """Wait until the daemon has archived the day's briefing as PDF (the format that takes long): seconds
    from ``began``, the daemon's start."""
    deadline = time.monotonic() + limit
    while not list((folder / "var" / "reports").glob("*/daily-*.pdf")):
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"the daily briefing was not archived within {limit:.0f} s (see the daemon's log)")
        time.sleep(0.5)
    return time.perf_counter() - began


def _digest_passed() -> str:
    """A digest time a minute or two past, so that every run builds the daily briefing and digest at
    its first operator-alerts tick, 30 s after the start (the tree's peak: bench/README.md), whatever
    the hour it is run at."""
    local = datetime.now(Settings().zone)  # the config keeps the default timezone
    return max(local - timedelta(minutes=2), local.replace(hour=0, minute=0)).strftime("%H:%M")


class CatchUp:
    """Counts, every half second from another thread, the items of ``waiting`` still without
    analysis; ``seconds``: from ``began`` until none is left."""

    def __init__(self, engine: Any, waiting: range, began: float) -> None:
        self.engine, self.waiting, self.began = engine, waiting, began
        self.seconds = 0.0 if not waiting else -1.0
        self._thread = threading.Thread(target=self._watch, name="catch-up", daemon=True)
        if waiting:
            self._thread.start()

    def _left(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM item WHERE id BETWEEN :low AND :high AND NOT EXISTS "
                "(SELECT 1 FROM item_analysis WHERE item_analysis.item_id = item.id)"),
                {"low": self.waiting.start, "high": self.waiting.stop - 1}).scalar())

    def _watch(self) -> None:
        while self._left():
            time.sleep(0.5)
        self.seconds = time.perf_counter() - self.began

    def wait(self, process: subprocess.Popen[bytes], limit: float = 1800) -> None:
        if self.waiting:
            self._thread.join(limit)
        if self.seconds < 0:
            raise SystemExit(f"the backlog was not analysed within {limit:.0f} s (daemon exit code {process.poll()})")


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the daemon did not answer /healthz (see its log)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_url() -> tuple[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    return server.create_database("bench_search"), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated, ascending")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--database-url", default=None, help="run only on this empty database")
    parser.add_argument("--corpus", type=Path, help="a file or folder of Chinese text (csv, jsonl, txt) to draw "
                        "sentences from, around the templates")
    parser.add_argument("--pool", type=int, default=20000, help="distinct analysed texts the fill draws from")
    parser.add_argument("--daemon", action="store_true", help="at the largest size, start `sentinel run` on the "
                        "store: time to /healthz, PSS of its process tree")
    parser.add_argument("--backlog", type=int, default=None, help="with --daemon, items stored but not analysed "
                        "when it starts (default 15000)")
    parser.add_argument("--open-incidents", type=int, default=None, help="with --daemon, open incidents with their "
                        "items and obligations when it starts (default 10000)")
    parser.add_argument("--prune", action="store_true", help="at the end, prune the older half, VACUUM, "
                        "and search again")
    args = parser.parse_args()
    state = DaemonState(backlog=15000 if args.backlog is None else args.backlog,
                        incidents=10000 if args.open_incidents is None else args.open_incidents)
    sizes = sorted(int(size.replace("_", "")) for size in args.sizes.split(","))
    targets: list[tuple[str, str]] = []
    server = scratch = None
    lines: list[str] = []
    try:
        if args.database_url:
            targets.append((args.database_url.split(":")[0].split("+")[0], args.database_url))
        else:
            if not args.no_sqlite:
                scratch = Path(tempfile.mkdtemp(prefix="sentinel-bench-"))
                targets.append(("sqlite", f"sqlite:///{scratch / 'search.db'}"))
            if args.postgres:
                url, server = postgres_url()
                targets.append(("postgresql", url))
        began = time.perf_counter()
        corpus = corpus_sentences(args.corpus) if args.corpus else None
        pool = text_pool(args.pool, random.Random(20), corpus)
        print(f"pool: {len(pool):,} analysed texts in {time.perf_counter() - began:.0f} s"
              + (f" ({len(corpus):,} corpus sentences)" if corpus else ""), flush=True)
        for backend, url in targets:
            lines += run(backend, url, sizes, args.repeat, pool, daemon=args.daemon, prune=args.prune, state=state)
    finally:
        if server is not None:
            server.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{'store':<11} {'items':>10} {'search':<24} {'query':<14} {'hits':>5} {'ms (med)':>9}")
    for line in lines:
        print(line)
    print(f"\nhits: items on the first page (at most 100); target: rare and absent words <= {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    main()
