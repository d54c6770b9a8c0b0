#!/usr/bin/env python3
"""Evaluate online clustering (sentinel.incidents.cluster) on real news text, and time it.

Usage::

    python scripts/eval_cluster.py --data DIR [--thresholds 0.2,0.3,0.4] [--seed 1]
        [--fixture tests/incidents/fixtures/stream.jsonl] [--bench] [--set threshold=0.3 ...]

The labelled stream is built from the CEC corpus (``cec_emergency_dev.jsonl``): every article gives
its title and each of its paragraphs as separate items (like a headline, then follow-up posts).
Articles start 30 minutes apart in a shuffled order and their items follow at 20–60 minute steps,
so the stream interleaves many open stories and the 72 h window does not do the work. Two truths:

- ``article``: items of one article are one story, items of different articles are not;
- ``story``: the same, except that articles hand-identified below as reports of one real event
  (the 2014 Kunming attack, the 2008 Panzhihua and Wenchuan earthquakes, ...) are one story.

For each threshold it prints pairwise and B-cubed precision/recall/F1 and the number of incidents.
``--fixture`` scores the hand-labelled stream of the tests the same way. ``--bench`` measures
assignments/s against 1,000 open incidents (features precomputed: clustering only).

Features are made with the analyse stage's own functions: sentinel's tokenizer (jieba with place
names), ``keyword_scores`` (TF-IDF with jieba's IDF table, ``--top`` keywords), ``simhash``, and
place names from the bundled dictionary (skipping "北京时间" and wire datelines).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from sentinel.analyse.keywords import keyword_scores
from sentinel.analyse.simhash import simhash
from sentinel.analyse.tokenize import DICT_DIR, Tokenizer
from sentinel.incidents.cluster import ClusterConfig, Clusterer, ClusterItem

# Reports of one real event among the CEC articles, identified by reading titles, dates and texts.
SAME_EVENT = {
    "kunming-attack-2014": ["昆明火车站恐怖袭击27人遇难一百多人受伤", "昆明暴力恐怖袭击事件火车站被警方封锁",
                            "意大利驻华大使强烈谴责昆明暴力恐怖袭击事件", "在美中国留学生为昆明恐怖袭击事件遇难者祈福"],
    "panzhihua-quake-2008": ["四川攀枝花与凉山会理县交界发生6.1级地震", "四川发生6.1级地震波及云南多个地区",
                             "昆明震感强烈许多市民冒雨走上街头"],
    "wenchuan-quake-2008": ["上海：高层建筑普遍有震感但不会造成危害", "内蒙古：人们感到地震后纷纷咨询地震情况",
                            "受四川汶川强烈地震影响甘肃庆阳出现明显震感", "四川成都余震已有四十四次市民均不愿回家",
                            "四川汶川县7.8级地震后发生三次余震", "四川汶川地震致重庆4名学生死亡100多人受伤",
                            "四川蓬安县房屋瓦片被震落广西陕西震感强烈", "宁夏银川发生有感地震持续时间20秒左右",
                            "川西发生地震成都震感强烈", "浙江杭州：高楼震感明显不会造成进一步影响",
                            "贵阳：有强烈震感通讯半瘫痪交通秩序正常", "重庆市区有明显震感电线杆在摇晃"],
    "chile-quake-2014": ["智利8.2级地震引发2米高海啸多国发布预警", "智利地震再修正为里氏7.6级海啸预警已被取消"],
    "java-quake-2006": ["印尼中爪哇省地震造成重大伤亡", "印尼爪哇省发生6.2级地震已至少造成51人死亡"],
    "hyderabad-bombings-2007": ["印度恐怖袭击造成至少42人死亡", "印度遭恐怖袭击百余人伤亡警方逮捕700人"],
    "bali-bombings-2002": ["巴厘岛连环爆炸造成202人丧生", "目击者描述印尼爆炸案惨景到处是炸断的肢体"],
    "mediterranean-fires-2009": ["地中海沿岸5国大火蔓延", "法国、西班牙和希腊等多国爆发森林大火"],
}
_EVENT_OF = {name: event for event, names in SAME_EVENT.items() for name in names}
START = datetime(2024, 5, 6, tzinfo=UTC)
# "北京时间" and wire datelines ("新华网北京8月30日电", "中新社昆明八月三十日电") name no place of the event.
_NOT_A_PLACE = re.compile(r"北京时间|(?:新华网|新华社|中新网|中新社|人民网|国际在线)[^，。\s]{0,12}?日电")


@dataclass(frozen=True)
class Row:
    item: ClusterItem
    article: str
    story: str


class Features:
    """Keywords, simhash, content hash and places of a text, as the analyse stage computes them."""

    def __init__(self, top: int = 20) -> None:
        self.tokenizer = Tokenizer()
        self.top = top
        places = (DICT_DIR / "places.txt").read_text(encoding="utf-8").splitlines()
        self.places = frozenset(line.split()[0] for line in places if line.strip())

    def item(self, item_id: int, source: str, at: datetime, text: str) -> ClusterItem:
        tokens = self.tokenizer.tokenize(text)
        keywords = dict(keyword_scores(tokens, self.top))
        # Where the story happened, not where the wire filed it or which clock it quotes.
        located = self.tokenizer.tokenize(_NOT_A_PLACE.sub("", text))
        regions = tuple(sorted({w for w in located if w in self.places}))
        return ClusterItem(item_id, source, at, keywords, simhash(tokens), content_hash(text), (), regions)


def content_hash(text: str) -> str:
    normal = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return hashlib.sha1(normal.encode()).hexdigest()


def cec_stream(path: Path, features: Features, seed: int, unit: str = "paragraph") -> list[Row]:
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(articles)
    rows: list[Row] = []
    for index, article in enumerate(articles):
        name = Path(article["file"]).stem
        story = _EVENT_OF.get(name, name)
        at = START + timedelta(minutes=30 * index)
        paragraphs = [p for p in article["text"].split("\n") if len(p.strip()) >= 15]
        if unit == "article":
            parts = [article["title"] + "\n" + article["text"]]
        elif unit == "lead":
            parts = [article["title"] + "\n" + (paragraphs or [""])[0]]
        else:
            parts = [article["title"], *paragraphs]
        for part in parts:
            source = f"src{rng.randrange(40)}"
            rows.append(Row(features.item(len(rows) + 1, source, at, part), name, story))
            at += timedelta(minutes=rng.randrange(20, 61))
    rows.sort(key=lambda r: (r.item.published_at, r.item.item_id))
    return rows


def fixture_stream(path: Path, features: Features) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        text = "\n".join(part for part in (data["title"], data["text"]) if part)
        at = datetime.fromisoformat(data["at"])
        rows.append(Row(features.item(data["seq"], data["source"], at, text), data["story"], data["story"]))
    return rows


def run(rows: Sequence[Row], config: ClusterConfig) -> list[int]:
    clusterer = Clusterer(config)
    keys = iter(range(1, len(rows) + 1))
    return [clusterer.place(row.item, lambda _item: next(keys))[0] for row in rows]


def scores(predicted: Sequence[int], truth: Sequence[str]) -> dict[str, float]:
    pairs_same_pred = pairs_same_true = pairs_both = 0
    for i, j in combinations(range(len(truth)), 2):
        same_pred, same_true = predicted[i] == predicted[j], truth[i] == truth[j]
        pairs_same_pred += same_pred
        pairs_same_true += same_true
        pairs_both += same_pred and same_true
    by_pred, by_true = Counter(predicted), Counter(truth)
    joint = Counter(zip(predicted, truth, strict=True))
    b_precision = sum(joint[(p, t)] / by_pred[p] for p, t in zip(predicted, truth, strict=True)) / len(truth)
    b_recall = sum(joint[(p, t)] / by_true[t] for p, t in zip(predicted, truth, strict=True)) / len(truth)
    precision = pairs_both / pairs_same_pred if pairs_same_pred else 1.0
    recall = pairs_both / pairs_same_true if pairs_same_true else 1.0
    return {
        "pair_p": precision, "pair_r": recall, "pair_f1": _f1(precision, recall),
        "b3_p": b_precision, "b3_r": b_recall, "b3_f1": _f1(b_precision, b_recall),
        "incidents": len(by_pred), "stories": len(by_true),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def report(title: str, rows: Sequence[Row], configs: Sequence[ClusterConfig], truths: dict[str, Callable[[Row], str]]) -> None:
    print(f"\n{title}: {len(rows)} items, " + ", ".join(f"{n} {len({f(r) for r in rows})} stories" for n, f in truths.items()))
    print(f"{'threshold':>9}  {'truth':<8} {'pair P':>6} {'pair R':>6} {'pair F1':>7}  {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}  incidents")
    for config in configs:
        predicted = run(rows, config)
        for name, truth in truths.items():
            s = scores(predicted, [truth(r) for r in rows])
            print(f"{config.threshold:>9.2f}  {name:<8} {s['pair_p']:>6.3f} {s['pair_r']:>6.3f} {s['pair_f1']:>7.3f}"
                  f"  {s['b3_p']:>6.3f} {s['b3_r']:>6.3f} {s['b3_f1']:>6.3f}  {s['incidents']:>5} / {s['stories']}")


def events(rows: Sequence[Row], predicted: Sequence[int]) -> None:
    """For each multi-article event: how many incidents its articles ended in, and what else joined."""
    members: dict[int, Counter[str]] = {}
    for row, key in zip(rows, predicted, strict=True):
        members.setdefault(key, Counter())[row.story] += 1
    parts = []
    for event in SAME_EVENT:
        keys = sorted({key for row, key in zip(rows, predicted, strict=True) if row.story == event})
        intruders = sum(sum(n for story, n in members[k].items() if story != event) for k in keys)
        parts.append(f"{event} {len(SAME_EVENT[event])}→{len(keys)}" + (f" (+{intruders} other)" if intruders else ""))
    print("  at the default threshold, articles → incidents: " + ", ".join(parts))


def bench(data: Path, features: Features, config: ClusterConfig, seed: int, repeat: int = 3) -> None:
    """Items/s against 1,000 open incidents; probes are THUCNews titles and CEC paragraphs.

    Features are computed beforehand: this times clustering only. ``assign`` is the decision
    alone; ``place`` also updates the incident or opens one, closing the oldest open incident
    whenever one is opened so that 1,000 stay open. Best of ``repeat`` runs (the machine may be busy).
    """
    rng = random.Random(seed)
    lines = (data / "thucnews_titles_dev.csv").read_text(encoding="utf-8").splitlines()[1:]
    texts = [line.split(",", 2)[2] for line in lines]
    for line in (data / "cec_emergency_dev.jsonl").read_text(encoding="utf-8").splitlines():
        texts += [p for p in json.loads(line)["text"].split("\n") if len(p) >= 15]
    rng.shuffle(texts)
    items = [features.item(i + 1, f"src{i % 50}", START + timedelta(seconds=30 * i), t) for i, t in enumerate(texts)]

    def seeded() -> tuple[Clusterer, list[ClusterItem]]:
        clusterer = Clusterer(config)
        placed = 0
        while len(clusterer) < 1000:
            clusterer.place(items[placed], lambda it: it.item_id)
            placed += 1
        now = items[placed].published_at
        return clusterer, [replace(it, published_at=now) for it in items[placed:]]

    best_assign = best_place = 0.0
    scored = 0.0
    for _ in range(repeat):
        clusterer, probes = seeded()
        start = time.perf_counter()
        for item in probes:
            clusterer.assign(item)
        best_assign = max(best_assign, len(probes) / (time.perf_counter() - start))
        scored = clusterer.stats.candidates_scored / len(probes)

        clusterer, probes = seeded()
        opened = deque(clusterer.keys())
        start = time.perf_counter()
        for item in probes:
            key, decision = clusterer.place(item, lambda it: it.item_id)
            if decision.incident_key is None:
                opened.append(key)
                clusterer.close(opened.popleft())
        best_place = max(best_place, len(probes) / (time.perf_counter() - start))
    print(f"\nbench: 1,000 open incidents, {len(probes):,} probe items, best of {repeat}:")
    print(f"  assign(): {best_assign:>8,.0f} items/s   ({scored:.1f} candidates scored per item)")
    print(f"  place():  {best_place:>8,.0f} items/s   (assign + add or open, closing the oldest to stay at 1,000)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="directory holding cec_emergency_dev.jsonl")
    parser.add_argument("--thresholds", default="0.15,0.2,0.25,0.3,0.35,0.4,0.5")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=20, help="keywords per item")
    parser.add_argument("--unit", default="paragraph,lead,article",
                        help="items made of each title and paragraph, title + first paragraph, or whole articles")
    parser.add_argument("--fixture", type=Path, help="also score this hand-labelled stream (tests' fixture)")
    parser.add_argument("--bench", action="store_true", help="measure assignments/s with 1,000 open incidents")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="other ClusterConfig values")
    args = parser.parse_args(argv)

    overrides = {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        overrides[key] = value if key == "window" else float(value)
    base = ClusterConfig.from_config(overrides)
    configs = [replace(base, threshold=float(t)) for t in args.thresholds.split(",")]
    print(f"config: {base}")
    features = Features(args.top)
    for unit in args.unit.split(","):
        rows = cec_stream(args.data / "cec_emergency_dev.jsonl", features, args.seed, unit)
        truths: dict[str, Callable[[Row], str]] = {"story": lambda r: r.story}
        if unit == "paragraph":
            truths = {"article": lambda r: r.article, **truths}
        report(f"CEC, one item per {unit}", rows, configs, truths)
        if unit != "paragraph":
            events(rows, run(rows, base))
    if args.fixture:
        report("fixture stream", fixture_stream(args.fixture, features), configs, {"story": lambda r: r.story})
    if args.bench:
        bench(args.data, features, base, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
