"""Memory of the open incidents' memory (clusters, heat, evidence) the incidents stage keeps.

    python bench/open_incidents.py [--incidents 10000] [--corpus DIR] [--pool 5000]

Run it from the repository root. A SQLite store in a temporary folder gets ``--incidents`` open
grade II incidents with 2-8 analysed items each, as ``bench/search.py --daemon`` draws them
(headlines and texts from its templates, with real sentences of ``--corpus`` around them when
given); then ``IncidentStage.load`` rebuilds their memory, as the daemon does at start, under
``tracemalloc``. Printed: the memory it holds afterwards in all and per open incident, its
biggest allocation sites, and the time the load took.

There is no separate target: the whole daemon's is ≤ 300 MB (``bench/search.py --daemon``), of
which this is the part that grows with the open incidents.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/search.py, next to this script

from search import WATCH, corpus_sentences, open_incidents, text_pool  # noqa: E402

from sentinel.analyse.pipeline import Analyzer  # noqa: E402
from sentinel.incidents.flows import IncidentStage  # noqa: E402
from sentinel.settings import Settings  # noqa: E402
from sentinel.store.db import open_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=10000)
    parser.add_argument("--corpus", type=Path, help="a file or folder of Chinese text (csv, jsonl, txt)")
    parser.add_argument("--pool", type=int, default=5000, help="distinct analysed texts the items draw from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'open.db'}"
        settings = Settings.model_validate({"database": {"url": url}, "watch": WATCH,
                                            "sources": [{"id": "crawler", "kind": "push", "authority": "local"}]})
        database = open_database(url)
        try:
            corpus = corpus_sentences(args.corpus) if args.corpus else None
            pool = text_pool(args.pool, random.Random(20), corpus)
            now = datetime.now(UTC)
            items = open_incidents(database.engine, 0, args.incidents, random.Random(18), pool, now)
            stage = IncidentStage(settings, Analyzer(settings), database.engine)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            began = time.perf_counter()
            stage.load(now)
            took = time.perf_counter() - began
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
        finally:
            database.close()
    growth = after.compare_to(before, "lineno")
    held = sum(stat.size_diff for stat in growth)
    opened = len(stage.clusterer)
    print(f"{opened:,} open incidents ({items:,} items) loaded in {took:.1f} s; their memory holds "
          f"{held / 1e6:.1f} MB, {held / max(opened, 1) / 1024:.1f} KB per open incident")
    print("\nbiggest allocation sites (MB, objects):")
    for stat in growth[:12]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 1e6:7.2f} {stat.count_diff:9,}  {Path(frame.filename).name}:{frame.lineno}")


if __name__ == "__main__":
    main()
