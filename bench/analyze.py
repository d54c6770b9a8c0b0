"""Full analysis benchmark on real posts, one core.

    python bench/analyze.py --data DIR [--posts 20000]

DIR is the folder of labelled corpora (weibo_senti_100k_recovered.csv, smp2020_ewect_train_eval.jsonl).
Measures, on the same texts in the same run:

- the full pipeline as the daemon runs it: one jieba pass, watch rules, sentiment, facts, category
  and grade floor for every post; for the watched ones (those a rule matches, the only ones that
  can reach an incident) also the event-report model, the place, TF-IDF keywords, simhash and
  online clustering;
- ``jieba.lcut`` alone (one segmentation pass is the floor), and their ratio;
- ``SnowNLP(text).sentiments`` on a sample, the naive alternative;
- peak RSS of the process.

Targets (issue: analysis and incidents): ≥ 3,000 posts/s, ≥ half of jieba.lcut's rate, < 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from memory import PeakPss  # bench/memory.py, next to this script

os.environ.setdefault("OMP_NUM_THREADS", "1")


def load_posts(data: Path, count: int) -> list[str]:
    posts: list[str] = []
    with (data / "weibo_senti_100k_recovered.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            posts.append(row["review"])
            if len(posts) >= count // 2:
                break
    with (data / "smp2020_ewect_train_eval.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            posts.append(json.loads(line)["content"])
            if len(posts) >= count:
                break
    return posts


WATCH = [
    {"id": "safety", "department": "应急管理局", "groups": {"event": ["爆炸", "坍塌", "火灾", "死亡", "事故", "疫情"]}},
    {"id": "livelihood", "department": "信访局", "groups": {"subject": ["医院", "学校", "物业", "房价", "工资"],
                                                         "tone": ["投诉", "曝光", "无人管", "维权"]}},
    {"id": "city", "department": "市委宣传部", "groups": {"region": ["武汉", "北京", "上海", "郑州", "广州"]}},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="folder of the labelled corpora")
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--snownlp-sample", type=int, default=300)
    args = parser.parse_args()

    import jieba

    from sentinel.analyse.pipeline import Analyzer
    from sentinel.incidents.cluster import Clusterer, ClusterItem
    from sentinel.settings import Settings

    posts = load_posts(args.data, args.posts)
    chars = sum(len(p) for p in posts)
    print(f"posts: {len(posts)} ({chars / len(posts):.0f} characters on average)")

    analyzer = Analyzer(Settings.model_validate({"watch": WATCH}))
    analyzer.analyze(None, "预热")  # loads jieba's dictionary before timing

    clusterer = Clusterer()
    base = datetime(2026, 11, 20, tzinfo=UTC)
    relevant = 0
    next_key = iter(range(1, 10**9))
    jieba.lcut("预热")
    # The pipeline and jieba.lcut run on alternating chunks of the same texts, so a change in the
    # machine's load during the run weighs on both alike and their ratio stays fair.
    full_time = lcut_time = 0.0
    chunk = 1000
    sampler = PeakPss().__enter__()
    for start in range(0, len(posts), chunk):
        block = posts[start : start + chunk]
        began = time.perf_counter()
        for n, text in enumerate(block, start=start):
            result = analyzer.analyze(None, text)
            if result.relevant:
                relevant += 1
                item = ClusterItem(item_id=n, source_id="bench", published_at=base + timedelta(seconds=n),
                                   keywords=dict(result.keywords), simhash=result.simhash, content_hash=str(n),
                                   rule_ids=tuple(m.rule_id for m in result.matches), region_words=result.regions)
                clusterer.place(item, lambda _item: next(next_key))
        full_time += time.perf_counter() - began
        began = time.perf_counter()
        for text in block:
            jieba.lcut(text)
        lcut_time += time.perf_counter() - began
    rate = len(posts) / full_time
    lcut_rate = len(posts) / lcut_time
    # peak memory includes jieba's global dictionary loaded for the comparison (~85 MB); SnowNLP
    # is loaded after this reading
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sampler.__exit__(None, None, None)

    from snownlp import SnowNLP

    sample = posts[: args.snownlp_sample]
    started = time.perf_counter()
    for text in sample:
        _ = SnowNLP(text).sentiments
    snow_rate = len(sample) / (time.perf_counter() - started)

    print(f"full analysis:        {rate:8,.0f} posts/s  (target >= 3,000)  relevant {relevant}, incidents {len(clusterer)}")
    print(f"jieba.lcut alone:     {lcut_rate:8,.0f} posts/s")
    print(f"ratio full/lcut:      {rate / lcut_rate:8.2f}      (target >= 0.50)")
    print(f"SnowNLP().sentiments: {snow_rate:8,.0f} posts/s  (naive, on {len(sample)} posts)")
    print(f"peak PSS (tree):      {sampler.mb:8.0f} MB      (target <= 300 MB; includes jieba.lcut's own dictionary)")
    print(f"peak RSS:             {peak:8.0f} MB")


if __name__ == "__main__":
    main()
