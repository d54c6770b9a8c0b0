"""Items search through the full-text index at 10k, 100k and 1M items, on SQLite and PostgreSQL.

    python bench/search.py [--sizes 10000,100000,1000000] [--postgres] [--database-url URL] [--repeat 7]

Run it from the repository root (``--postgres`` starts a server with tests/support/postgres.py).
The store is filled, through sentinel's migrations and index, with headlines and texts made from a
small set of real-looking Chinese news templates (places, subjects, numbers varied at random), to
each size in turn; at each size the script times ``search_items`` (first page of 100, newest first)
for words that are rare (planted in 20 items), absent, and common, of two and four characters,
with and without a source filter. Times are the median of ``--repeat`` runs after one warm-up.

Target: rare and absent words ≤ 50 ms at 1M items on both stores, flat from 100k to 1M.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert  # noqa: E402

from sentinel.store import search as item_search  # noqa: E402
from sentinel.store.db import open_database  # noqa: E402
from sentinel.store.models import Item  # noqa: E402

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
RARE = {"rare 2-char": "钼矿", "rare 4-char": "钼矿透水"}  # planted in 20 items at each size
SEARCHES = {**{name: word for name, word in RARE.items()}, "absent 2-char": "瑶琴", "absent 4-char": "琥珀蜜蜂",
            "absent Latin": "zeppelin", "common 2-char": "爆炸", "common AND/NOT": "火灾 受伤 -死亡"}


def rows(start: int, count: int, rng: random.Random, planted: set[int]) -> Iterator[dict[str, Any]]:
    for i in range(start, start + count):
        place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
        n = rng.randint(1, 60)
        title = f"{place}{subject}{rng.choice(EVENTS)}，{rng.choice(TAILS).format(n=n)}"
        body = "".join(rng.choice(BODIES).format(place=place, subject=subject, n=n) for _ in range(rng.randint(1, 4)))
        if i in planted:
            body += "另据了解，附近钼矿透水一事仍在处置。"
        published = START + timedelta(seconds=i * 30 + rng.randint(0, 600))
        yield {"source_id": f"src{i % 40}", "external_id": f"e{i}", "title": title, "text": body, "url": None,
               "canonical_url": None, "author": None, "author_verified_type": None, "published_at": published,
               "published_at_estimated": False, "fetched_at": published, "reposts": None, "comments": None,
               "likes": None, "content_hash": f"{i:032x}", "extra": {}}


def fill(engine: Any, have: int, size: int, rng: random.Random, batch: int = 5000) -> None:
    planted = set(rng.sample(range(have, size), 20))
    for start in range(have, size, batch):
        chunk = list(rows(start, min(batch, size - start), rng, planted))
        with engine.begin() as connection:
            ids = connection.execute(insert(Item.__table__).returning(Item.__table__.c.id),  # type: ignore[attr-defined]
                                     chunk).scalars().all()
            item_search.index_items(connection, [(i, r["title"], r["text"]) for i, r in zip(ids, chunk, strict=True)])


def timed(engine: Any, query: str, repeat: int, **filters: Any) -> tuple[float, int]:
    found = item_search.search_items(engine, query=query, limit=100, **filters)  # warm-up
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        item_search.search_items(engine, query=query, limit=100, **filters)
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds) * 1000, len(found)


def run(backend: str, url: str, sizes: list[int], repeat: int) -> list[str]:
    database = open_database(url)
    engine = database.engine
    rng = random.Random(18)
    lines, have = [], 0
    try:
        for size in sizes:
            began = time.perf_counter()
            fill(engine, have, size, rng)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE item; ANALYZE item_search; ANALYZE item_analysis")
            filled = time.perf_counter() - began
            have = size
            print(f"{backend}: {size:,} items (+{filled:.0f} s to fill)", flush=True)
            for name, query in SEARCHES.items():
                for label, filters in (("", {}), (" +source", {"source_id": "src3"})):
                    ms, hits = timed(engine, query, repeat, **filters)
                    verdict = ""
                    if not name.startswith("common"):
                        verdict = "met" if ms <= TARGET_MS else "MISSED"
                    line = f"{backend:<11} {size:>10,} {name + label:<24} {query:<14} {hits:>5} {ms:>9.1f}  {verdict}"
                    print(line, flush=True)
                    lines.append(line)
    finally:
        database.close()
    return lines


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
    args = parser.parse_args()
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
        for backend, url in targets:
            lines += run(backend, url, sizes, args.repeat)
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
