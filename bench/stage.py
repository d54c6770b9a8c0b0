"""Incidents stage benchmark: the whole stage against analysis alone on the same items, SQLite.

    python bench/stage.py --data DIR [--items 5000] [--batch N] [--database sqlite:///PATH]

DIR is the folder of labelled corpora (weibo_senti_100k_recovered.csv, smp2020_ewect_train_eval.jsonl,
cnews_fulltext_sample.csv, thucnews_titles_dev.csv, cec_emergency_dev.jsonl). The items are a mix
as an office sees it: posts and news that mostly raise nothing, headlines, and emergency reports
(CEC), each of those carried by three sources of different standing (so stories grow, are graded
and get their clocks). They are stored first, published over the last hours; then measured on the
same items, one core:

- analysis alone: :meth:`Analyzer.analyze` for every item, as the stage calls it;
- the stage: :meth:`IncidentStage.process` in batches of ``--batch`` (default the daemon's), analysis,
  clustering, incidents, grades, clocks and timeline, committed;
- their ratio (target ≥ 0.6), the SQL statements per batch, and the longest wait of a push made
  meanwhile from another thread every 20 ms (``save_pushed`` of one item, as ``POST /api/items``
  does; target ≤ 50 ms) with its p99;
- how long the stage held the SQLite write lock: each of its write transactions, from its first
  statement that writes to its commit (what a push waits behind), and the longest per batch; and
  how much of the longest push overlapped them (the rest is the push's own work, the busy
  handler's sleeps between tries, and the CPU the pushing thread shares with the stage).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("OMP_NUM_THREADS", "1")

ZONE = ZoneInfo("Asia/Shanghai")
SOURCES = [
    {"id": "weibo", "kind": "push", "authority": "self_media"},
    {"id": "portal", "kind": "push", "authority": "commercial"},
    {"id": "daily", "kind": "push", "authority": "provincial"},
    {"id": "gov", "kind": "push", "authority": "local", "official": True},
    {"id": "crawler", "kind": "push", "authority": "local"},
]
WATCH = [
    {"id": "safety", "department": "应急管理局",
     "groups": {"event": ["爆炸", "坍塌", "火灾", "死亡", "事故", "相撞", "地震", "中毒", "遇难"]}},
    {"id": "livelihood", "department": "信访局", "groups": {"subject": ["医院", "学校", "物业", "房价", "工资"],
                                                         "tone": ["投诉", "曝光", "无人管", "维权"]}},
    {"id": "city", "department": "市委宣传部", "groups": {"region": ["武汉", "北京", "上海", "郑州", "广州"]}},
]


def load_items(data: Path, count: int) -> list[tuple[str, str | None, str]]:
    """(source, title, text) for ``count`` items: a fifth emergency reports (three sources each),
    the rest posts, headlines and news."""
    reports: list[tuple[str | None, str]] = []
    with (data / "cec_emergency_dev.jsonl").open(encoding="utf-8") as handle:
        reports = [(row["title"], row["text"]) for row in map(json.loads, handle)]
    background: list[tuple[str, str | None, str]] = []
    with (data / "weibo_senti_100k_recovered.csv").open(encoding="utf-8") as handle:
        background += [("weibo", None, row["review"]) for row in itertools.islice(csv.DictReader(handle), count // 3)]
    with (data / "smp2020_ewect_train_eval.jsonl").open(encoding="utf-8") as handle:
        background += [("weibo", None, json.loads(line)["content"]) for line in itertools.islice(handle, count // 4)]
    with (data / "cnews_fulltext_sample.csv").open(encoding="utf-8") as handle:
        background += [("portal", row["text"][:30], row["text"][:1500]) for row in csv.DictReader(handle)]
    with (data / "thucnews_titles_dev.csv").open(encoding="utf-8") as handle:
        background += [("crawler", row["title"], row["title"]) for row in csv.DictReader(handle)]
    wanted_reports = min(len(reports), count // 5 // 3)
    items: list[tuple[str, str | None, str]] = []
    step = max(1, len(background) // max(1, count - 3 * wanted_reports))
    for n, (title, text) in enumerate(reports[:wanted_reports]):
        # the same story by three sources: a self-media post, the provincial daily, the government
        items += [("weibo", None, f"转发：{text[:200]}"), ("daily", title, text), ("gov", title, f"通报：{text}")]
        items += background[n * 12 * step:(n * 12 + 12) * step:step]
    items += background[len(items):][: max(0, count - len(items))]
    return items[:count]


def fill(database_url: str, items: list[tuple[str, str | None, str]], now: datetime) -> list[int]:
    from sentinel.normalise.item import RawItem, normalise
    from sentinel.settings import Settings
    from sentinel.store import items as item_store
    from sentinel.store import sources as source_store
    from sentinel.store.db import open_database

    database = open_database(database_url)
    settings = Settings.model_validate({"database": {"url": database_url}, "sources": SOURCES})
    source_store.ensure_sources(database.engine, settings.sources, now=now)
    ids: list[int] = []
    start = now - timedelta(hours=6)
    spread = timedelta(hours=6) / max(1, len(items))
    for n, (source, title, text) in enumerate(items):
        raw = RawItem(external_id=f"bench-{n}", body=text, title=title, published_at=start + n * spread)
        ids += item_store.save_pushed(database.engine, source, [normalise(raw, zone=ZONE, fetched_at=now)],
                                      now=now).new_ids
    database.close()
    return ids


class Pusher(threading.Thread):
    """Pushes one item every 20 ms, as the API does, and times each push."""

    def __init__(self, database_url: str, now: datetime) -> None:
        super().__init__(daemon=True)
        from sentinel.store.db import open_database

        self.database = open_database(database_url, migrate_schema=False)
        self.now = now
        self.waits: list[float] = []
        self.spans: list[tuple[float, float]] = []  # (began, ended) of each push
        self.halt = threading.Event()

    def run(self) -> None:
        from sentinel.normalise.item import RawItem, normalise
        from sentinel.store import items as item_store

        n = 0
        while not self.halt.is_set():
            raw = RawItem(external_id=f"push-{n}", body=f"第{n}条推送的普通帖子，没什么特别。", published_at=self.now)
            item = normalise(raw, zone=ZONE, fetched_at=self.now)
            began = time.perf_counter()
            item_store.save_pushed(self.database.engine, "crawler", [item], now=self.now)
            self.waits.append(time.perf_counter() - began)
            self.spans.append((began, began + self.waits[-1]))
            n += 1
            self.halt.wait(0.02)
        self.database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="folder of the labelled corpora")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--batch", type=int, help="items per batch (default: the daemon's, "
                        "sentinel.incidents.worker.BATCH)")
    parser.add_argument("--database", help="an empty SQLite database URL (default: a fresh file)")
    parser.add_argument("--switch-interval", type=float, help="the interpreter's thread switch interval in seconds "
                        "(default: the daemon's, sentinel.app.SWITCH_INTERVAL)")
    args = parser.parse_args()
    from sentinel.app import SWITCH_INTERVAL
    from sentinel.heap import freeze_survivors
    from sentinel.incidents.worker import BATCH

    sys.setswitchinterval(args.switch_interval or SWITCH_INTERVAL)  # as the daemon runs
    args.batch = args.batch or BATCH

    from sqlalchemy import event
    from sqlmodel import Session, select

    from sentinel.analyse.pipeline import Analyzer
    from sentinel.analyse.sentiment import register_of_source
    from sentinel.incidents.flows import IncidentStage
    from sentinel.settings import Settings
    from sentinel.store.db import open_database
    from sentinel.store.models import Item

    with tempfile.TemporaryDirectory(prefix="sentinel-stage-") as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'sentinel.db'}"
        now = datetime.now(UTC).replace(microsecond=0)
        items = load_items(args.data, args.items)
        ids = fill(url, items, now)
        settings = Settings.model_validate({"database": {"url": url}, "sources": SOURCES, "watch": WATCH})
        analyzer = Analyzer(settings)
        analyzer.analyze(None, "预热")
        database = open_database(url, migrate_schema=False)
        with Session(database.engine) as session:
            rows = list(session.exec(select(Item).where(Item.id.in_(ids))).all())  # type: ignore[union-attr]
        kinds = {source["id"]: settings.sources[n] for n, source in enumerate(SOURCES)}

        # analysis alone, on the same items, as the stage calls it
        began = time.perf_counter()
        for row in rows:
            source = kinds[row.source_id]
            analyzer.analyze(row.title, row.text, register=register_of_source(source.kind, source.authority))
        alone = time.perf_counter() - began

        stage = IncidentStage(settings, analyzer, database.engine)
        stage.load(now)
        freeze_survivors()  # as the daemon does once the models and the open incidents are loaded
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        writing: dict[int, float] = {}  # connection → when its transaction first wrote
        holds: list[float] = []
        spans: list[tuple[float, float]] = []  # (began, ended) of each of the stage's write transactions

        def wrote(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if id(connection) not in writing and not statement.lstrip().upper().startswith("SELECT"):
                writing[id(connection)] = time.perf_counter()

        def ended(connection: Any) -> None:
            began = writing.pop(id(connection), None)
            if began is not None:
                holds.append(time.perf_counter() - began)
                spans.append((began, began + holds[-1]))

        event.listen(database.engine, "before_cursor_execute", count)
        event.listen(database.engine, "before_cursor_execute", wrote)
        event.listen(database.engine, "commit", ended)
        event.listen(database.engine, "rollback", ended)
        pusher = Pusher(url, now)
        pusher.start()
        opened = updated = 0
        batches = [ids[n:n + args.batch] for n in range(0, len(ids), args.batch)]
        began = time.perf_counter()
        longest: list[float] = []  # per batch, its longest write transaction
        for batch in batches:
            held = len(holds)
            report = stage.process(batch, now)
            longest.append(max(holds[held:], default=0.0))
            opened += len(report.opened)
            updated += len(report.updated)
        staged = time.perf_counter() - began
        pusher.halt.set()
        pusher.join()
        event.remove(database.engine, "before_cursor_execute", count)
        event.remove(database.engine, "before_cursor_execute", wrote)
        event.remove(database.engine, "commit", ended)
        event.remove(database.engine, "rollback", ended)
        database.close()

    waits = sorted(pusher.waits)
    print(f"items: {len(rows)} ({sum(len(r.text) for r in rows) / len(rows):.0f} characters on average), "
          f"batches of {args.batch}, SQLite")
    print(f"analysis alone:  {len(rows) / alone:8,.0f} items/s")
    print(f"incidents stage: {len(rows) / staged:8,.0f} items/s  ({opened} incidents opened, {updated} updates)")
    print(f"ratio stage/analysis: {alone / staged:5.2f}  (target >= 0.60)")
    print(f"SQL statements: {statements[0] / len(batches):,.0f} per batch ({statements[0]} in all, the pushes' "
          "own included)")
    if holds:
        print(f"write lock held by the stage: {len(holds)} transactions, median {statistics.median(holds) * 1000:.1f} ms, "
              f"longest {max(holds) * 1000:.1f} ms; longest per batch (ms): "
              + " ".join(f"{hold * 1000:.0f}" for hold in longest))
    if waits:
        p99 = waits[min(len(waits) - 1, int(0.99 * len(waits)))]
        print(f"pushes meanwhile: {len(waits)}, median {statistics.median(waits) * 1000:.1f} ms, "
              f"p99 {p99 * 1000:.1f} ms, longest {waits[-1] * 1000:.1f} ms  (target <= 50 ms)")
        # How much of the longest push the stage's write lock explains: the rest is the push's own
        # work, the busy handler's sleeps between its tries, and the CPU it shares with the stage.
        began, ended = max(pusher.spans, key=lambda span: span[1] - span[0])
        overlap = sum(max(0.0, min(ended, end) - max(began, start)) for start, end in spans)
        print(f"longest push: {(ended - began) * 1000:.1f} ms, of which {overlap * 1000:.1f} ms while the stage "
              "held the write lock")


if __name__ == "__main__":
    main()
